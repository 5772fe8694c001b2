"""Permissions of the accounts module."""

from portal.web.i18n import N_, gettext
from portal.web.permissions import perm

ROLE_LABELS = {
    "resident": N_("habitant"),
    "agent": N_("agent de la ville"),
    "official": N_("élu"),
    "moderator": N_("modérateur"),
    "admin": N_("administrateur"),
}

MANAGE_USERS = perm("accounts:user:manage", "admin")
READ_OUTBOX = perm("accounts:outbox:read", "admin")
READ_AUDIT = perm("accounts:audit:read", "admin")


def role_label(role: str) -> str:
    """The role's name as people read it, in the visitor's language."""
    return gettext(ROLE_LABELS.get(role, role))


TEMPLATE_GLOBALS = {"role_label": role_label}
