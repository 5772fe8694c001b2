"""Permissions of the registry module."""

from portal.web.permissions import SIGNED_IN, perm

DRAFT_ENTRY = perm("registry:entry:draft", "agent", "official")
REVIEW_ENTRY = perm("registry:entry:publish", "official")
ASK_QUESTION = SIGNED_IN
# The route lets staff through; services.can_answer checks the system's owner (or an official).
ANSWER_QUESTION = perm("registry:question:answer", "agent", "official")
REPORT_QUESTION = SIGNED_IN
MODERATE_QUESTIONS = perm("registry:question:moderate", "moderator")
