"""Permissions of the council module."""

from portal.web.permissions import perm

UPLOAD_MINUTES = perm("council:minutes:upload", "agent")
# The clerk's office answers the questions residents forward (agents, as for the register).
ANSWER_QUESTIONS = perm("council:questions:answer", "agent")
