"""The consultation's words, once: phases, targets, proposal kinds, decisions, moderation reasons.

Each is a `StrEnum` (stored as its value, so the database and the exports keep plain strings) with
its French label, translated when shown. Templates get the label functions through the package's
manifest (`template_globals`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from portal.web.i18n import N_
from portal.web.i18n import gettext as _


class VersionStatus(StrEnum):
    """A charter version: drafts are editable by officials, published ones never change."""

    DRAFT = "draft"
    PUBLISHED = "published"


class Phase(StrEnum):
    """Where a draft stands. The scheduler moves DRAFTING -> OPEN at opens_at and OPEN -> REVIEW at
    closes_at; a published version is PUBLISHED."""

    DRAFTING = "drafting"
    OPEN = "open"
    REVIEW = "review"
    PUBLISHED = "published"


class Target(StrEnum):
    """What a support, a report or a follow points at."""

    CLAUSE = "clause"
    COMMENT = "comment"
    PROPOSAL = "proposal"


class ProposalKind(StrEnum):
    AMEND = "amend"
    NEW = "new"


class Decision(StrEnum):
    """An official's answer to a proposal; the latest one is copied to the proposal's status,
    which is PENDING until a first answer."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_CHANGES = "accepted_with_changes"
    REJECTED = "rejected"
    UNDER_STUDY = "under_study"
    PENDING = "pending"


# The decisions an official may choose (PENDING is only the state before the first answer).
DECISIONS = (
    Decision.ACCEPTED,
    Decision.ACCEPTED_WITH_CHANGES,
    Decision.REJECTED,
    Decision.UNDER_STUDY,
)


class Proposers(StrEnum):
    """Who may propose amendments during a cycle (a setting of each cycle)."""

    AGENTS = "agents"
    RESIDENTS = "residents"


class Channel(StrEnum):
    """How an agent received a contribution recorded on behalf of a resident without an account."""

    ACCUEIL = "accueil"
    TELEPHONE = "telephone"
    COURRIER = "courrier"


CHANNELS = tuple(Channel)
PROPOSERS = tuple(Proposers)


class ModerationReason(StrEnum):
    """Why a comment may be reported or hidden."""

    INSULT = "insult"
    HARASSMENT = "harassment"
    DISCRIMINATION = "discrimination"
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"


MODERATION_REASONS = tuple(ModerationReason)

_PHASE_LABELS = {
    Phase.DRAFTING: N_("en préparation"),
    Phase.OPEN: N_("ouverte aux commentaires"),
    Phase.REVIEW: N_("en cours d'examen"),
    Phase.PUBLISHED: N_("publiée"),
}
_REASON_LABELS = {
    ModerationReason.INSULT: N_("injure"),
    ModerationReason.HARASSMENT: N_("harcèlement"),
    ModerationReason.DISCRIMINATION: N_("propos discriminatoires"),
    ModerationReason.PERSONAL_DATA: N_("données personnelles"),
    ModerationReason.SPAM: N_("publicité ou spam"),
    ModerationReason.OFF_TOPIC: N_("hors sujet"),
}
# In a sentence ("proposition acceptée") and as a heading or a tag ("Acceptée").
_STATUS_LABELS = {
    Decision.PENDING: N_("en attente de réponse"),
    Decision.ACCEPTED: N_("acceptée"),
    Decision.ACCEPTED_WITH_CHANGES: N_("acceptée avec modifications"),
    Decision.REJECTED: N_("refusée"),
    Decision.UNDER_STUDY: N_("à l'étude"),
}
_DECISION_LABELS = {
    Decision.ACCEPTED: N_("Acceptée"),
    Decision.ACCEPTED_WITH_CHANGES: N_("Acceptée avec modifications"),
    Decision.REJECTED: N_("Refusée"),
    Decision.UNDER_STUDY: N_("À l'étude"),
    Decision.PENDING: N_("En attente de réponse"),
}

_CHANNEL_LABELS = {
    Channel.ACCUEIL: N_("à l'accueil"),
    Channel.TELEPHONE: N_("par téléphone"),
    Channel.COURRIER: N_("par courrier"),
}
_PROPOSERS_LABELS = {
    Proposers.AGENTS: N_("les agents de la ville seulement"),
    Proposers.RESIDENTS: N_("les agents et les habitants"),
}


def _label(labels: dict[str, str], value: str | None) -> str:
    return _(labels.get(value or "", value or ""))


def phase_label(phase: str | None) -> str:
    return _label(_PHASE_LABELS, phase)


def reason_label(reason: str | None) -> str:
    """As residents read it under a hidden comment ("injure")."""
    return _label(_REASON_LABELS, reason)


def reason_heading(reason: str | None) -> str:
    """The same, capitalised for lists and tables ("Injure")."""
    label = reason_label(reason)
    return label[:1].upper() + label[1:]


def status_label(status: str | None) -> str:
    return _label(_STATUS_LABELS, status)


def decision_label(decision: str | None) -> str:
    return _label(_DECISION_LABELS, decision)


def channel_label(channel: str | None) -> str:
    """How an assisted contribution came in ("par téléphone")."""
    return _label(_CHANNEL_LABELS, channel)


def fate_label(status: str | None, version_status: str | None = None) -> str:
    """A proposal's fate as a tag: a pending one is "Sans réponse" once its version is published."""
    if status == Decision.PENDING and version_status == VersionStatus.PUBLISHED:
        return _("Sans réponse")
    return decision_label(status)


# The order in which fates are listed (figures of a cycle).
FATE_ORDER = (
    Decision.ACCEPTED,
    Decision.ACCEPTED_WITH_CHANGES,
    Decision.REJECTED,
    Decision.UNDER_STUDY,
    Decision.PENDING,
)


def contributor_label(item: Any) -> str:
    """Who wrote an assisted comment or proposal, as the public reads it: never the agent's name."""
    channel = channel_label(item.assisted_channel)
    name = (item.assisted_name or "").strip()
    if name:
        return _("%(name)s, recueilli par un agent d'accueil (%(channel)s)", name=name,
                 channel=channel)  # fmt: skip
    return _("Recueilli par un agent d'accueil (%(channel)s)", channel=channel)


def author_label(item: Any, names: dict[int, str], default: str = "?") -> str:
    """The public name of a comment's or a proposal's author: the resident's words recorded at the
    front desk are never shown under the agent's name."""
    if getattr(item, "assisted_channel", None):
        return contributor_label(item)
    return names.get(item.author_id, default)


def proposal_title(proposal: Any) -> str:
    """A proposal's title as the public reads it: a hidden one shows only that it was hidden."""
    if getattr(proposal, "hidden_at", None):
        return _("Proposition masquée par la modération (%(reason)s)",
                 reason=reason_label(proposal.hidden_reason))  # fmt: skip
    return str(proposal.title)


def proposers_label(proposers: str | None) -> str:
    return _label(_PROPOSERS_LABELS, proposers)


# For the templates (through the package's manifest): labels and the choices of the answer form.
TEMPLATE_GLOBALS = {
    "phase_label": phase_label,
    "reason_label": reason_label,
    "moderation_reason_label": reason_heading,
    "status_label": status_label,
    "decision_label": decision_label,
    "decision_choices": DECISIONS,
    "channel_label": channel_label,
    "channel_choices": CHANNELS,
    "proposers_label": proposers_label,
    "proposers_choices": PROPOSERS,
    "fate_label": fate_label,
    "fate_order": FATE_ORDER,
    "contributor_label": contributor_label,
    "author_label": author_label,
    "proposal_title": proposal_title,
}
