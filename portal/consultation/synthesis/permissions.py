"""Permissions of the synthesis of comments."""

from portal.web.permissions import perm

EDIT_SYNTHESIS = perm("consultation:synthesis:edit", "official")
