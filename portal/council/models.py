"""Tables of the council module (filled by its issue)."""
