"""Named permissions of the consultation's review."""

from portal.web.permissions import perm

REVIEW_DESK = perm("consultation:review:read", "official")
ANSWER_PROPOSAL = perm("consultation:answer:create", "official")
EDIT_DRAFT = perm("consultation:draft:edit", "official")
