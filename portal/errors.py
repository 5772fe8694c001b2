"""Domain errors: raised by services, turned into a status and a French page by web/errors.py."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action; the message is for the person who tried it."""

    status_code = 400
    title = "Demande impossible"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input that does not fit: empty, too long, malformed."""

    status_code = 400
    title = "Saisie à corriger"


class NotFound(DomainError):
    status_code = 404
    title = "Page introuvable"


class Forbidden(DomainError):
    status_code = 403
    title = "Accès refusé"


class Conflict(DomainError):
    """Someone else changed the same thing first: nothing was overwritten."""

    status_code = 409
    title = "Modification concurrente"


class TooManyRequests(DomainError):
    status_code = 429
    title = "Trop de tentatives"


class PhaseClosed(DomainError):
    """The consultation phase does not allow this action now."""

    status_code = 409
    title = "Consultation fermée"
