"""Accounts: users, roles, sessions."""
