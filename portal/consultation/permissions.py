"""Permissions of the consultation module."""

from portal.web.permissions import perm

PUBLISH_VERSION = perm("consultation:version:publish", "official")
