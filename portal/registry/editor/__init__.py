"""The entry editor: a field-by-field form generated from the schema (repeatable groups without
JavaScript, per-field errors), and the per-field difference reviewers read."""
