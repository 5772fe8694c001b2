"""Tables of the consultation module (filled by its issue)."""
