"""Permissions of the council module."""

from portal.web.permissions import perm

UPLOAD_MINUTES = perm("council:minutes:upload", "agent")
