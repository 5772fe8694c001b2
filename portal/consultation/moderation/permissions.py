"""Named permissions of the consultation's moderation."""

from portal.web.permissions import perm

MODERATE = perm("consultation:comment:moderate", "moderator")
# No role listed: only administrators (who hold every permission) restore a hidden comment.
RESTORE_COMMENT = perm("consultation:comment:restore")
BLOCK_USER = perm("consultation:user:block", "moderator")
