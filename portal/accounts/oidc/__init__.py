"""Sign in with FranceConnect (residents) and ProConnect (agents): OpenID Connect's
authorization-code flow through Authlib, configured by settings and off unless configured."""
