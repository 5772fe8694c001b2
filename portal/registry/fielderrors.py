"""A form refused field by field: every problem at once, each shown next to its field."""

from __future__ import annotations

from portal.errors import ValidationFailed
from portal.web.i18n import gettext as _


class FieldErrors(ValidationFailed):
    """`errors` maps a form field's name to its French message; the page shows each beside its
    field, keeps what was typed, and stores nothing."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors), None)
        super().__init__(
            _(
                "Le formulaire contient %(n)s erreur(s) : corrigez les champs signalés.",
                n=len(errors),
            ),
            field=first,
        )
        self.errors = errors
