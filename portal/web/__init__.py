"""Web plumbing shared by every module: routing, templates, CSRF, headers, errors, i18n."""
