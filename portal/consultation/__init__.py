"""The consultation module."""
