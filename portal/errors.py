"""Domain errors: raised by services, turned into a status and a French page by web/errors.py."""

from __future__ import annotations

from portal.web.i18n import N_


class DomainError(Exception):
    """A rule of the domain refused the action; the message is for the person who tried it."""

    status_code = 400
    title = N_("Demande impossible")

    def __init__(
        self, message: str, *, field: str | None = None, links: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # (address, label) of where to go instead, offered on the error page ("Voir la page 2")
        self.links = links


class ValidationFailed(DomainError):
    """Input that does not fit: empty, too long, malformed."""

    status_code = 400
    title = N_("Saisie à corriger")


class NotFound(DomainError):
    status_code = 404
    title = N_("Page introuvable")


class Forbidden(DomainError):
    status_code = 403
    title = N_("Accès refusé")


class Conflict(DomainError):
    """Someone else changed the same thing first: nothing was overwritten."""

    status_code = 409
    title = N_("Modification concurrente")


class TooManyRequests(DomainError):
    status_code = 429
    title = N_("Trop de tentatives")


class PhaseClosed(DomainError):
    """The consultation phase does not allow this action now."""

    status_code = 409
    title = N_("Consultation fermée")
