"""Named permissions of the consultation's charter."""

from portal.web.permissions import perm

PUBLISH_VERSION = perm("consultation:version:publish", "official")
