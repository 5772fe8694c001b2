"""Permissions of the accounts module."""

from portal.web.permissions import perm

MANAGE_USERS = perm("accounts:user:manage", "admin")
READ_OUTBOX = perm("accounts:outbox:read", "admin")
