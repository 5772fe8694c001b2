"""The council module."""
