"""Named permissions of the review, moderation, following and open-data parts of the consultation."""

from portal.web.permissions import perm

REVIEW_DESK = perm("consultation:review:read", "official")
ANSWER_PROPOSAL = perm("consultation:answer:create", "official")
EDIT_DRAFT = perm("consultation:draft:edit", "official")
MODERATE = perm("consultation:comment:moderate", "moderator")
# No role listed: only administrators (who hold every permission) restore a hidden comment.
RESTORE_COMMENT = perm("consultation:comment:restore")
BLOCK_USER = perm("consultation:user:block", "moderator")
