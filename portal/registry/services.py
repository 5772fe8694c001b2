"""The register's rules: import, search, drafts and review, history, questions, programme, export.

Other modules use the register only through this file. Services take a session and keyword-only
values, raise domain errors, write the audit trail and never commit.
"""

from __future__ import annotations

import re
import secrets
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session

from portal import audit
from portal.accounts.services import email_of
from portal.clock import utcnow
from portal.consultation.services import ensure_can_write, published_clauses
from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.mail import link, queue_mail
from portal.registry import urls
from portal.registry.commitments import services as checkable
from portal.registry.loader import (
    EntryError,
    LoadedEntry,
    human_channel_problem,
    parse_text,
    schema_version,
    validate_entry,
)
from portal.registry.models import Change, Question, Revision, System
from portal.registry.moderation import services as question_moderation
from portal.registry.search import query_stems, search_text
from portal.web.i18n import N_, format_number, ngettext
from portal.web.i18n import gettext as _

PAGE_SIZE = 20
STATUSES = ("study", "test", "deployed", "retired")
STATUS_LABELS = {
    "study": N_("À l'étude"),
    "test": N_("En test"),
    "deployed": N_("En service"),
    "retired": N_("Retiré"),
}
RISKS = ("minimal", "limited", "high", "not-ai")
RISK_LABELS = {
    "minimal": N_("Risque minimal"),
    "limited": N_("Risque limité (transparence)"),
    "high": N_("Haut risque"),
    "not-ai": N_("Hors champ de l'AI Act"),
}
QUESTION_KINDS = {"question": N_("Question"), "problem": N_("Signalement d'un problème")}
FIELD_LABELS = {
    "name": N_("Nom"),
    "aliases": N_("Autres noms"),
    "summary": N_("En bref"),
    "purpose": N_("Pourquoi la ville l'utilise"),
    "description": N_("Ce que fait le système"),
    "service": N_("Service responsable"),
    "status": N_("Statut"),
    "dates": N_("Dates"),
    "supplier": N_("Fournisseur"),
    "generative": N_("IA générative"),
    "hosting": N_("Hébergement"),
    "data": N_("Données utilisées"),
    "personal_data": N_("Données personnelles"),
    "risk": N_("Catégorie de risque"),
    "human_oversight": N_("Contrôle humain"),
    "human_contact": N_("Joindre une personne"),
    "encounter": N_("Où vous le rencontrez"),
    "decisions": N_("Décisions individuelles"),
    "limits": N_("Limites et risques connus"),
    "mitigations": N_("Mesures de réduction des risques"),
    "evaluation": N_("Évaluation"),
    "costs": N_("Coûts"),
    "effects": N_("Effets mesurés"),
    "figures": N_("Chiffres"),
    "charter": N_("Engagements de la charte"),
    "next_review": N_("Prochaine revue"),
    "sources": N_("Sources"),
    "slug": N_("Identifiant"),
    "inventory": N_("Fiche d'inventaire (Etalab)"),
    "affected_persons": N_("Personnes concernées"),
    "model": N_("Modèle et version"),
    "alternatives_considered": N_("Solutions envisagées"),
    "processors": N_("Tiers et sous-traitants"),
    "appeal_routes": N_("Voies de recours"),
    "incidents": N_("Journal des incidents"),
    "disclosures": N_("Mention « IA » montrée, canal par canal"),
    "editorial_responsibility": N_("Responsabilité éditoriale des textes générés"),
    "prohibited_practices": N_("Pratiques interdites (AI Act, article 5)"),
    "annex_viii_c": N_("Enregistrement haut risque (annexe VIII, section C)"),
}
MAX_QUESTION = 4000
MAX_SUMMARY = 500


# --- reading ------------------------------------------------------------------------------------


def _published() -> Any:
    return System.published_revision > 0


def get_system(session: Session, slug: str) -> System:
    system = session.scalar(select(System).where(System.slug == slug))
    if system is None:
        raise NotFound(_("Aucun système « %(slug)s » dans le registre.", slug=slug[:80]))
    return system


def get_published(session: Session, slug: str) -> System:
    system = get_system(session, slug)
    if system.data is None:
        raise NotFound(_("Cette fiche n'est pas encore publiée."))
    return system


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    risk: str = ""
    service: str = ""
    personal: str = ""  # "yes", "no" or ""
    page: int = 1

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.risk or self.service or self.personal)


@dataclass(frozen=True)
class SystemList:
    systems: list[System]
    total: int
    page: int
    pages: int
    services: list[str]


def check_filters(
    *, q: str, status: str, risk: str, service: str, personal: str, page: str
) -> Filters:
    """Refuse unknown filter values with a French message instead of silently ignoring them."""
    if len(q) > 200:
        raise ValidationFailed(
            _("La recherche est trop longue (200 caractères au plus)."), field="q"
        )
    if status and status not in STATUSES:
        raise ValidationFailed(_("Statut inconnu."), field="status")
    if risk and risk not in RISKS:
        raise ValidationFailed(_("Catégorie de risque inconnue."), field="risk")
    if personal and personal not in ("yes", "no"):
        raise ValidationFailed(_("Indiquez « oui » ou « non » pour les données personnelles."))
    try:
        number = int(page or "1")
    except ValueError:
        raise ValidationFailed(_("Numéro de page invalide."), field="page") from None
    if not 1 <= number <= 10000:
        raise ValidationFailed(_("Numéro de page invalide."), field="page")
    return Filters(q.strip(), status, risk, service.strip()[:200], personal, number)


def list_systems(session: Session, filters: Filters, *, page_size: int = PAGE_SIZE) -> SystemList:
    """Published systems matching every filter, by name; three queries whatever the size."""
    conditions = [_published()]
    for stem_ in query_stems(filters.q):
        conditions.append(System.search_text.like(f"% {stem_}%"))  # type: ignore[attr-defined]
    if filters.status:
        conditions.append(System.status == filters.status)
    if filters.risk:
        conditions.append(System.risk_category == filters.risk)
    if filters.service:
        conditions.append(System.service == filters.service)
    if filters.personal:
        conditions.append(System.personal_data == (filters.personal == "yes"))
    where = and_(*conditions)
    total = int(session.scalar(select(func.count()).select_from(System).where(where)) or 0)
    pages = max(1, -(-total // page_size))
    # The search keys are the largest column and no card shows them: not read for the list.
    rows = session.scalars(
        select(System)
        .options(defer(System.search_text))
        .where(where)
        .order_by(System.name, System.id)
        .offset((filters.page - 1) * page_size)
        .limit(page_size)
    )
    services = session.scalars(
        select(System.service).where(_published()).group_by(System.service).order_by(System.service)
    )
    return SystemList(list(rows), total, filters.page, pages, list(services))


def all_published(session: Session) -> list[System]:
    return list(session.scalars(select(System).where(_published()).order_by(System.name)))


def history(session: Session, system_id: int, *, limit: int = 50) -> list[Change]:
    stmt = (
        select(Change)
        .where(Change.system_id == system_id)
        .order_by(Change.number.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list(session.scalars(stmt))


def recent_changes(session: Session, *, limit: int = 50) -> list[tuple[Change, System]]:
    stmt = (
        select(Change, System)
        .join(System, System.id == Change.system_id)
        .order_by(Change.published_at.desc(), Change.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return [(c, s) for c, s in session.execute(stmt).all()]


def is_overdue(system: System, today: date) -> bool:
    return system.next_review is not None and system.next_review < today


# --- differences --------------------------------------------------------------------------------


def _as_text(value: Any, indent: str = "") -> str:
    if isinstance(value, dict):
        return "\n".join(
            f"{indent}{k} : {_as_text(v, indent + '  ').strip()}" for k, v in value.items()
        )
    if isinstance(value, list):
        return "\n".join(f"{indent}- {_as_text(v, indent + '  ').strip()}" for v in value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return "" if value is None else str(value)


def entry_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields that changed, each with its old and new text (for the word diff of the history)."""
    old = old or {}
    changed = []
    for key in [*new.keys(), *(k for k in old if k not in new)]:
        if old.get(key) != new.get(key):
            changed.append(
                {"field": key, "old": _as_text(old.get(key)), "new": _as_text(new.get(key))}
            )
    return changed


# --- writing ------------------------------------------------------------------------------------


def _apply(system: System, data: dict[str, Any]) -> None:
    system.name = data["name"]
    system.status = data["status"]
    system.risk_category = data["risk"]["category"]
    system.service = data["service"]["name"]
    system.personal_data = bool(data["personal_data"]["processed"])
    system.next_review = date.fromisoformat(data["next_review"])
    system.search_text = search_text(data)
    system.data = data


def _new_system(data: dict[str, Any], *, owner_id: int | None) -> System:
    """An entry not yet published: filter columns filled, no public data."""
    system = System(
        slug=data["slug"],
        name=data["name"],
        status=data["status"],
        risk_category=data["risk"]["category"],
        service=data["service"]["name"],
        owner_id=owner_id,
    )
    _apply(system, data)
    system.data = None
    return system


def _publish(
    session: Session,
    system: System,
    revision: Revision,
    *,
    actor_id: int | None,
) -> Change:
    problem = human_channel_problem(revision.data)
    if problem:
        raise ValidationFailed(
            problem[:1].upper() + problem[1:] + ".", field="human_contact.channels"
        )
    number = system.published_revision + 1
    change = Change(
        system_id=system.id,
        revision_id=revision.id,
        number=number,
        summary=revision.summary,
        author_id=revision.author_id,
        publisher_id=actor_id,
        published_at=utcnow(),
        # The first publication is the whole entry: its history line needs no diff.
        diff=entry_diff(system.data, revision.data) if system.data is not None else [],
    )
    _apply(system, revision.data)
    system.published_revision = number
    system.published_at = change.published_at
    revision.status = "published"
    revision.reviewed_by = actor_id
    revision.reviewed_at = change.published_at
    session.add(change)
    return change


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    slugs: list[str] = field(default_factory=list)


def import_entries(
    session: Session,
    entries: Sequence[LoadedEntry],
    *,
    owner_id: int | None,
    actor_id: int | None = None,
    progress: Any = None,
) -> ImportResult:
    """Publish content files (already validated as a whole): new entries, changed ones; the same
    file loaded twice changes nothing."""
    result = ImportResult()
    for n, entry in enumerate(entries, 1):
        data = validate_entry(dict(entry.data), source=entry.source)
        system = session.scalar(select(System).where(System.slug == entry.slug))
        if system is not None and system.data == data:
            result.unchanged += 1
        else:
            created = system is None
            if system is None:
                system = _new_system(data, owner_id=owner_id)
                session.add(system)
                session.flush()
            revision = Revision(
                system_id=system.id,
                base_revision=system.published_revision,
                data=data,
                summary=_("Import du fichier %(name)s", name=entry.source)[:MAX_SUMMARY],
                author_id=actor_id,
            )
            session.add(revision)
            session.flush()
            _publish(session, system, revision, actor_id=actor_id)
            audit.record(
                session, actor_id=actor_id, action="registry.import", object_type="registry_system",
                object_id=system.id, detail={"source": entry.source},
            )  # fmt: skip
            if created:
                result.created += 1
            else:
                result.updated += 1
        result.slugs.append(entry.slug)
        if progress is not None:
            progress(n, len(entries), entry.source)
    session.flush()
    return result


def _check_summary(summary: str) -> str:
    summary = summary.strip()
    if not summary:
        raise ValidationFailed(
            _("Résumez la modification en une phrase (elle apparaîtra dans l'historique public)."),
            field="summary",
        )
    if len(summary) > MAX_SUMMARY:
        raise ValidationFailed(_("Le résumé dépasse 500 caractères."), field="summary")
    return summary


def _parse_form_text(text: str) -> dict[str, Any]:
    try:
        return parse_text(text, source="")
    except EntryError as exc:
        raise ValidationFailed(str(exc), field=exc.field or "text") from exc


def _normal(data: dict[str, Any] | None) -> dict[str, Any]:
    """An entry without its empty optional values (an empty list typed or left out is the same)."""
    return {k: v for k, v in (data or {}).items() if v not in ([], {}, "", None) or k in
            ("costs", "charter")}  # fmt: skip


def draft(
    session: Session,
    *,
    summary: str,
    author_id: int,
    slug: str | None = None,
    text: str | None = None,
    data: dict[str, Any] | None = None,
    merge_conflicts: list[str] | None = None,
) -> Revision:
    """An agent's draft: a change to entry `slug`, or a new entry when `slug` is None; from the
    file format (`text`) or from the field-by-field form (`data`). `merge_conflicts` names the
    fields a later publication changed too (the agent's value kept), for the reviewer."""
    summary = _check_summary(summary)
    if data is None:
        data = _parse_form_text(text or "")
    else:
        try:
            data = validate_entry(_normal(data))
        except EntryError as exc:
            raise ValidationFailed(str(exc), field=exc.field or None) from exc
    if slug is None:
        existing = session.scalar(select(System).where(System.slug == data["slug"]))
        if existing is not None:
            raise ValidationFailed(
                _("L'identifiant « %(slug)s » est déjà utilisé : modifiez la fiche existante.",
                  slug=data["slug"]),
                field="slug",
            )  # fmt: skip
        system = _new_system(data, owner_id=author_id)
        session.add(system)
        session.flush()
    else:
        system = get_system(session, slug)
        if data["slug"] != system.slug:
            raise ValidationFailed(_("L'identifiant d'une fiche ne change pas."), field="slug")
        if _normal(system.data) == _normal(data):
            raise ValidationFailed(
                _("Le brouillon est identique à la fiche publiée."), field="text"
            )
    revision = Revision(
        system_id=system.id,
        base_revision=system.published_revision,
        data=data,
        summary=summary,
        author_id=author_id,
        merge_conflicts=merge_conflicts or None,
    )
    session.add(revision)
    session.flush()
    audit.record(
        session, actor_id=author_id, action="registry.draft", object_type="registry_revision",
        object_id=revision.id, detail={"slug": system.slug, "summary": summary},
    )  # fmt: skip
    return revision


def get_revision(session: Session, revision_id: int) -> tuple[Revision, System]:
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise NotFound(_("Brouillon introuvable."))
    system = session.get(System, revision.system_id)
    assert system is not None
    return revision, system


def drafts(session: Session) -> list[tuple[Revision, System]]:
    stmt = (
        select(Revision, System)
        .join(System, System.id == Revision.system_id)
        .where(Revision.status == "draft")
        .order_by(Revision.created_at, Revision.id)
    )
    return [(r, s) for r, s in session.execute(stmt).all()]


def reviewed(session: Session, *, limit: int = 50) -> list[tuple[Revision, System]]:
    """The latest drafts already published or refused, with their reviewer (staff history)."""
    stmt = (
        select(Revision, System)
        .join(System, System.id == Revision.system_id)
        .where(Revision.status.in_(("published", "rejected")), Revision.author_id.is_not(None))  # type: ignore[attr-defined]
        .order_by(Revision.reviewed_at.desc(), Revision.id.desc())
        .limit(limit)
    )
    return [(r, s) for r, s in session.execute(stmt).all()]


def publish(session: Session, *, revision_id: int, expected_revision: int, actor_id: int) -> Change:
    """Publish a draft if the entry is still at `expected_revision` (what the reviewer saw).

    The conditional UPDATE is the lock: of two reviewers publishing at once, one moves the entry
    to the next revision; the other's UPDATE matches no row and gets a Conflict.
    """
    revision, system = get_revision(session, revision_id)
    if revision.status != "draft":
        raise Conflict(
            _("Ce brouillon a déjà été traité par une autre personne : rien n'a été modifié.")
        )
    if revision.base_revision != system.published_revision:
        raise Conflict(
            _(
                "La fiche a été publiée depuis ce brouillon : il doit être refait sur la version en ligne."
            )
        )
    problem = human_channel_problem(revision.data)
    if problem:
        raise ValidationFailed(
            problem[:1].upper() + problem[1:] + _(" : ajoutez-le dans un nouveau brouillon."),
            field="human_contact.channels",
        )
    claimed = session.execute(
        update(Revision)
        .where(Revision.id == revision_id, Revision.status == "draft")
        .values(status="publishing")
    ).rowcount  # type: ignore[attr-defined]
    moved = session.execute(
        update(System)
        .where(System.id == system.id, System.published_revision == expected_revision)
        .values(published_revision=expected_revision)
    ).rowcount  # type: ignore[attr-defined]
    if not claimed or not moved:
        raise Conflict(
            _(
                "Une autre personne vient de publier cette fiche : rien n'a été modifié. Rechargez la page."
            )
        )
    session.refresh(system)
    session.refresh(revision)
    change = _publish(session, system, revision, actor_id=actor_id)
    session.flush()
    audit.record(
        session, actor_id=actor_id, action="registry.publish", object_type="registry_system",
        object_id=system.id, detail={"revision": revision.id, "number": change.number},
    )  # fmt: skip
    return change


def reject(session: Session, *, revision_id: int, note: str, actor_id: int) -> Revision:
    revision, system = get_revision(session, revision_id)
    note = note.strip()
    if not note:
        raise ValidationFailed(
            _("Expliquez en une phrase pourquoi le brouillon est refusé."), field="note"
        )
    done = session.execute(
        update(Revision)
        .where(Revision.id == revision_id, Revision.status == "draft")
        .values(
            status="rejected", reviewed_by=actor_id, reviewed_at=utcnow(), review_note=note[:1000]
        )
    ).rowcount  # type: ignore[attr-defined]
    if not done:
        raise Conflict(
            _("Ce brouillon a déjà été traité par une autre personne : rien n'a été modifié.")
        )
    audit.record(
        session, actor_id=actor_id, action="registry.reject", object_type="registry_revision",
        object_id=revision.id, detail={"slug": system.slug, "note": note[:1000]},
    )  # fmt: skip
    session.refresh(revision)
    return revision


# --- questions ----------------------------------------------------------------------------------


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_key() -> str:
    """The hidden key of one question form: posting that form again stores nothing new."""
    return secrets.token_urlsafe(24)


def _question_by_key(session: Session, author_id: int, key: str) -> Question | None:
    return session.scalar(
        select(Question).where(Question.author_id == author_id, Question.idempotency_key == key)
    )


def ask(
    session: Session,
    *,
    slug: str,
    author_id: int,
    body: str,
    kind: str,
    idempotency_key: str = "",
) -> Question:
    """A resident's public question or problem report; the owner is told by mail.

    The same form sent again (a double click, a retry, parallel requests) returns the question
    it stored the first time: the key it carries is unique per author in the database, so of
    parallel inserts one stores the question and the others find it."""
    system = get_published(session, slug)
    ensure_can_write(session, user_id=author_id)  # a moderation block stops every kind of text
    body = body.strip()
    if kind not in QUESTION_KINDS:
        raise ValidationFailed(_("Choisissez « question » ou « signalement »."), field="kind")
    if len(body) < 10:
        raise ValidationFailed(_("Écrivez votre question (10 caractères au moins)."), field="body")
    if len(body) > MAX_QUESTION:
        raise ValidationFailed(_("Votre message dépasse 4 000 caractères."), field="body")
    key = idempotency_key.strip() if IDEMPOTENCY_KEY.match(idempotency_key.strip()) else None
    if key is not None:
        earlier = _question_by_key(session, author_id, key)
        if earlier is not None:
            return earlier
    question = Question(
        system_id=system.id, author_id=author_id, kind=kind, body=body, idempotency_key=key
    )
    try:
        with session.begin_nested():
            session.add(question)
            session.flush()
    except IntegrityError:
        earlier = _question_by_key(session, author_id, key) if key is not None else None
        if earlier is None:
            raise
        return earlier
    audit.record(
        session, actor_id=author_id, action="registry.question", object_type="registry_question",
        object_id=question.id, detail={"slug": slug, "kind": kind},
    )  # fmt: skip
    _tell_owner(session, system, question)
    return question


def _mail_if_known(session: Session, user_id: int | None, subject: str, body: str) -> None:
    to = email_of(session, user_id) if user_id else None
    if to:
        queue_mail(session, to=to, subject=subject, body=body)


def _question_link(system: System, question: Question) -> str:
    return link(urls.entry(system.slug, part=f"question-{question.id}"))


def _tell_owner(session: Session, system: System, question: Question) -> None:
    """The service that owns the entry learns of a new question; its answer will be public."""
    _mail_if_known(
        session,
        system.owner_id,
        _("Registre de l'IA : nouvelle question sur « %(name)s »", name=system.name),
        _(
            "Bonjour,\n\nUne personne a publié une question ou un signalement sur la fiche "
            "« %(name)s » du registre. Votre réponse sera publique :\n%(url)s\n",
            name=system.name,
            url=_question_link(system, question),
        ),
    )


def _tell_asker(session: Session, system: System, question: Question) -> None:
    """The person who asked learns that the answer is published, with a link to it."""
    _mail_if_known(
        session,
        question.author_id,
        _("Registre de l'IA : réponse à votre question sur « %(name)s »", name=system.name),
        _(
            "Bonjour,\n\nLe service responsable de « %(name)s » a répondu à votre question ; "
            "la réponse est publique sur la fiche du registre :\n%(url)s\n",
            name=system.name,
            url=_question_link(system, question),
        ),
    )


def can_answer(roles: Iterable[str], user_id: int, system: System) -> bool:
    """The service owner answers; officials and the admin may answer for them."""
    return system.owner_id == user_id or bool(set(roles) & {"official", "admin"})


def answer(
    session: Session, *, question_id: int, actor_id: int, roles: Iterable[str], body: str
) -> Question:
    question = session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Question introuvable."))
    system = session.get(System, question.system_id)
    assert system is not None
    if not can_answer(roles, actor_id, system):
        raise Forbidden(_("Seul le service responsable de ce système répond à ses questions."))
    body = body.strip()
    if len(body) < 5:
        raise ValidationFailed(_("Écrivez la réponse."), field="answer")
    if len(body) > MAX_QUESTION:
        raise ValidationFailed(_("La réponse dépasse 4 000 caractères."), field="answer")
    if question.answer is not None:
        raise Conflict(_("Cette question a déjà reçu une réponse."))
    question.answer = body
    question.answered_by = actor_id
    question.answered_at = utcnow()
    _tell_asker(session, system, question)
    audit.record(
        session, actor_id=actor_id, action="registry.answer", object_type="registry_question",
        object_id=question.id, detail={"slug": system.slug},
    )  # fmt: skip
    return question


@dataclass(frozen=True)
class QuestionStats:
    questions: list[Question]
    open: int
    answered: int
    median_hours: float | None

    @property
    def median_text(self) -> str | None:
        return None if self.median_hours is None else delay_text(self.median_hours)


def delay_text(hours: float) -> str:
    """A delay as people say it: "moins d'une minute", "25 minutes", "3,5 heures", "4 jours"
    (an answer within the hour is no longer "0 heures")."""
    minutes = hours * 60
    if minutes < 1:
        return _("moins d'une minute")
    if minutes < 60:
        return ngettext("%(num)s minute", "%(num)s minutes", round(minutes))
    if hours < 48:
        shown = round(hours, 1) if hours < 10 else round(hours)
        return _("%(n)s heures", n=format_number(shown)) if shown != 1 else _("1 heure")
    return ngettext("%(num)s jour", "%(num)s jours", round(hours / 24))


def questions_of(session: Session, system_id: int) -> QuestionStats:
    rows = list(
        session.scalars(
            select(Question)
            .where(Question.system_id == system_id)
            .order_by(Question.id.desc())
            .limit(200)
        )
    )
    visible = [q for q in rows if q.hidden_at is None]
    delays = [
        (q.answered_at - q.created_at).total_seconds() / 3600
        for q in visible
        if q.answered_at is not None
    ]
    median = statistics.median(delays) if delays else None
    return QuestionStats(rows, sum(1 for q in visible if q.answer is None), len(delays), median)


def open_questions_for(session: Session, user_id: int) -> list[tuple[Question, System]]:
    stmt = (
        select(Question, System)
        .join(System, System.id == Question.system_id)
        .where(Question.answer.is_(None), System.owner_id == user_id)
        .order_by(Question.id)
    )
    return [(q, s) for q, s in session.execute(stmt).all()]


# --- programme, commitments, export ---------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    by_status: dict[str, list[System]]
    timeline: list[tuple[str, str, System]]
    costs: dict[int, list[tuple[System, float, float]]]
    yearly_total: dict[int, float]
    effects: list[tuple[System, str]]
    channels: list[tuple[System, dict[str, Any]]]


def programme(session: Session) -> Programme:
    systems = all_published(session)
    by_status: dict[str, list[System]] = {s: [] for s in STATUSES}
    timeline: list[tuple[str, str, System]] = []
    costs: dict[int, list[tuple[System, float, float]]] = {}
    total: dict[int, float] = {}
    effects: list[tuple[System, str]] = []
    channels: list[tuple[System, dict[str, Any]]] = []
    for system in systems:
        data = system.data or {}
        by_status[system.status].append(system)
        for status, day in (data.get("dates") or {}).items():
            timeline.append((day, status, system))
        for cost in data.get("costs", []):
            year = int(cost["year"])
            costs.setdefault(year, []).append(
                (system, float(cost["amount_eur"]), float(cost.get("subsidy_eur", 0)))
            )
            total[year] = total.get(year, 0.0) + float(cost["amount_eur"])
        effects.extend((system, e) for e in data.get("effects", []))
        if system.status in ("test", "deployed"):
            channels.extend((system, c) for c in data["human_contact"]["channels"])
    timeline.sort(key=lambda t: (t[0], t[2].name))
    return Programme(
        by_status,
        timeline,
        dict(sorted(costs.items())),
        dict(sorted(total.items())),
        effects,
        channels,
    )


def commitments(session: Session) -> tuple[list[Any], list[tuple[System, dict[str, str]]]]:
    """(published clauses, [(system, {clause slug: how it meets it})])."""
    clauses = published_clauses(session)
    rows = [
        (s, {c["clause"]: c["how"] for c in (s.data or {}).get("charter", [])})
        for s in all_published(session)
    ]
    return clauses, rows


@dataclass(frozen=True)
class Commitment:
    system_name: str
    url: str
    how: str


def systems_committed_to(session: Session, clause_slug: str) -> list[Commitment]:
    """For the charter's clause pages: which published systems commit to this clause, and how."""
    found = []
    for system in all_published(session):
        for item in (system.data or {}).get("charter", []):
            if item["clause"] == clause_slug:
                found.append(
                    Commitment(system.name, urls.entry(system.slug, part="charte"), item["how"])
                )
    return found


def latest_revision_data(session: Session, system_id: int) -> dict[str, Any] | None:
    """The last proposed state of an entry (to edit a never-published one from its last draft)."""
    stmt = select(Revision.data).where(Revision.system_id == system_id).order_by(Revision.id.desc())
    data: dict[str, Any] | None = session.scalars(stmt.limit(1)).first()
    return data


def pending_drafts_of(session: Session, system_id: int) -> list[Revision]:
    stmt = select(Revision).where(Revision.system_id == system_id, Revision.status == "draft")
    return list(session.scalars(stmt.order_by(Revision.id)))


def export_document(
    session: Session, *, publisher: str, generated_at: datetime | None = None
) -> dict[str, Any]:
    """The register as one JSON document; `publisher` is the city of the settings."""
    return {
        "publisher": publisher,
        "generated_at": (generated_at or utcnow()).isoformat(),
        "licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "schema": "/registry/schema.json",
        "schema_version": schema_version(),
        "systems": [s.data for s in all_published(session)],
    }


# --- next review ------------------------------------------------------------------------------


def flag_overdue(session: Session, *, today: date) -> int:
    """Mail each owner once per review date that has passed; returns how many were mailed."""
    stmt = select(System).where(
        _published(),
        System.next_review < today,  # type: ignore[operator]
        or_(System.review_notified_for.is_(None), System.review_notified_for != System.next_review),
    )
    mailed = 0
    for system in session.scalars(stmt):
        system.review_notified_for = system.next_review
        to = email_of(session, system.owner_id) if system.owner_id else None
        if not to:
            continue
        queue_mail(
            session,
            to=to,
            subject=_("Registre de l'IA : la fiche « %(name)s » doit être revue", name=system.name),
            body=_(
                "Bonjour,\n\nLa fiche « %(name)s » du registre public devait être revue avant le "
                "%(day)s. Elle apparaît désormais comme « revue en retard » sur le site.\n\n"
                "Proposez une mise à jour (même pour confirmer qu'elle est toujours exacte) :\n"
                "%(url)s\n",
                name=system.name,
                day=system.next_review.isoformat() if system.next_review else "",
                url=link(urls.edit(system.slug)),
            ),
        )
        mailed += 1
    return mailed


# --- commitments, for the consultation --------------------------------------------------------


@dataclass(frozen=True)
class AtRisk:
    """A checkable commitment on a clause, and the published systems that do not meet it now."""

    title: str
    rule: str
    failing: list[tuple[str, str, str]]  # (system name, entry path, reason)


def commitments_on_clause(session: Session, clause_slug: str, *, today: date) -> list[AtRisk]:
    """For an official reviewing a proposal that changes `clause_slug`: each checkable
    commitment attached to it and the systems that would not meet it (the consultation's
    proposal page calls this through this facade)."""
    board = checkable.board(session, today=today)
    found = []
    for index, commitment in enumerate(board.commitments):
        if commitment.clause_slug != clause_slug:
            continue
        failing = [
            (system.name, urls.entry(system.slug), cells[index].reason)
            for system, cells in board.rows
            if cells[index].status == checkable.NOT_MET
        ]
        found.append(AtRisk(commitment.title, checkable.rule_text(commitment), failing))
    return found


@dataclass(frozen=True)
class ReportedQuestion:
    """A register question awaiting a moderator, for the one moderation queue (the
    consultation's /moderation): what was asked, on which system, why it was reported, and where
    the register's desk decides on it."""

    question_id: int
    body: str
    system_name: str
    reports: int
    reasons: list[str]
    desk_url: str


def reported_questions(session: Session, *, limit: int = 100) -> list[ReportedQuestion]:
    return [
        ReportedQuestion(
            int(r.question.id or 0),
            r.question.body,
            r.system.name,
            r.reports,
            [_(question_moderation.REASONS.get(k, k)) for k in r.reasons],
            urls.reported_questions() + f"#signalement-{r.question.id}",
        )
        for r in question_moderation.reported(session, limit=limit)
    ]
