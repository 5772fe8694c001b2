"""Participatory AI-charter and transparency portal."""

__version__ = "0.1.0"
