"""The registry module."""
