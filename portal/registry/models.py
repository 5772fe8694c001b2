"""Tables of the registry module (filled by its issue)."""
