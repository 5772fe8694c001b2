"""Named permissions of the consultation's participation."""

from portal.web.permissions import perm

# Every signed-in person holds the resident role; agents, officials and moderators take part too.
_PEOPLE = ("resident", "agent", "official", "moderator")
MANAGE_PHASE = perm("consultation:phase:manage", "official")
COMMENT = perm("consultation:comment:create", *_PEOPLE)
EDIT_OWN_COMMENT = perm("consultation:comment:edit-own", *_PEOPLE)
REPORT = perm("consultation:comment:report", *_PEOPLE)
SUPPORT = perm("consultation:support:create", *_PEOPLE)
# Agents always; residents too when the cycle lets them (checked by the service: 403 otherwise).
PROPOSE = perm("consultation:proposal:create", *_PEOPLE)
# An agent records a comment or a proposal for a resident without an account.
RECORD_ASSISTED = perm("consultation:assisted:create", "agent")
