"""The charter and its versions. Other modules use only this file (e.g. `published_clauses`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal import audit
from portal.clock import utcnow
from portal.consultation import urls
from portal.consultation.charter.diff import ClauseText, VersionDiff, diff_versions
from portal.consultation.charter.models import CharterSection, CharterVersion, Clause
from portal.consultation.charter.source import CharterSource, ClauseSource, SectionSource
from portal.consultation.follow import services as follow_services
from portal.consultation.participation.models import Proposal
from portal.consultation.vocabulary import Target, VersionStatus
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.web.i18n import gettext as _


@dataclass(frozen=True)
class ClauseRef:
    """A clause of the latest published version, as other modules link to it."""

    number: int
    slug: str
    title: str
    url: str


@dataclass(frozen=True)
class VersionView:
    version: CharterVersion
    sections: list[CharterSection]
    clauses: list[Clause]

    def clauses_in(self, section_slug: str) -> list[Clause]:
        return [c for c in self.clauses if c.section_slug == section_slug]


def create_version(
    session: Session,
    *,
    source: CharterSource,
    number: int,
    actor_id: int | None,
) -> CharterVersion:
    """Store a charter read from content/ as version `number` (a draft)."""
    if session.scalar(select(CharterVersion.id).where(CharterVersion.number == number)):
        raise Conflict(_("La version %(n)s existe déjà.", n=number))
    version = CharterVersion(number=number, title=source.title, preamble=source.preamble)
    session.add(version)
    session.flush()
    for position, section in enumerate(source.sections):
        session.add(
            CharterSection(
                version_id=version.id, slug=section.slug, title=section.title, position=position
            )
        )
    for clause in source.clauses:
        session.add(
            Clause(
                version_id=version.id,
                number=clause.number,
                slug=clause.slug,
                section_slug=clause.section_slug,
                title=clause.title,
                body=clause.body,
            )
        )
    audit.record(
        session, actor_id=actor_id, action="charter.version.create", object_type="charter_version",
        object_id=number, detail={"clauses": len(source.clauses)},
    )  # fmt: skip
    return version


def next_number(session: Session) -> int:
    """The number the next version takes: after every version, published or not."""
    return int(session.scalar(select(func.max(CharterVersion.number))) or 0) + 1


def open_next_draft(session: Session, *, actor_id: int | None) -> CharterVersion:
    """The next cycle: a new draft, numbered after every version, copied from the latest published
    one, in preparation (officials edit it and set the consultation's dates, as for the first).

    One draft at a time: while a draft exists, opening another is a conflict. Two officials opening
    at once: the unique version number lets one win and the other gets the conflict.
    """
    draft = latest(session, VersionStatus.DRAFT)
    if draft is not None:
        raise Conflict(
            _(
                "La version %(n)s est déjà en préparation : publiez-la avant d'en ouvrir une autre.",
                n=draft.number,
            )
        )
    published = latest(session, VersionStatus.PUBLISHED)
    if published is None:
        raise NotFound(_("Aucune version de la charte n'est publiée : il n'y a rien à reprendre."))
    data = view(session, published)
    source = CharterSource(
        title=published.title,
        preamble=published.preamble,
        sections=[SectionSource(slug=s.slug, title=s.title) for s in data.sections],
        clauses=[
            ClauseSource(number=c.number, section_slug=c.section_slug, title=c.title, body=c.body,
                         slug=c.slug)
            for c in data.clauses
        ],
    )  # fmt: skip
    number = next_number(session)
    try:
        with session.begin_nested():
            version = create_version(session, source=source, number=number, actor_id=actor_id)
    except IntegrityError:
        raise Conflict(
            _("Quelqu'un vient d'ouvrir la version %(n)s : rien n'a été créé en double.", n=number)
        ) from None
    audit.record(
        session, actor_id=actor_id, action="charter.version.next", object_type="charter_version",
        object_id=number, detail={"from": published.number},
    )  # fmt: skip
    return version


def publish_version(
    session: Session,
    *,
    number: int,
    note: str,
    actor_id: int,
    expected_lock: int,
) -> CharterVersion:
    """Publish a draft. Two officials publishing at once: the second gets a conflict.

    Followers of its clauses and of the proposals made on it get a mail through the outbox.
    """
    note = note.strip()
    if not note:
        raise ValidationFailed(_("La note de publication est obligatoire."), field="note")
    version = get_version(session, number)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(_("Cette version est déjà publiée : elle ne peut plus changer."))
    updated = session.execute(
        CharterVersion.__table__.update()  # type: ignore[attr-defined]
        .where(CharterVersion.id == version.id, CharterVersion.lock_version == expected_lock)
        .values(
            status=VersionStatus.PUBLISHED,
            publication_note=note,
            published_at=utcnow(),
            published_by=actor_id,
            lock_version=expected_lock + 1,
        )
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _("Quelqu'un a modifié ou publié cette version juste avant vous : rien n'a été écrasé.")
        )
    session.refresh(version)
    audit.record(
        session, actor_id=actor_id, action="charter.version.publish", object_type="charter_version",
        object_id=number, detail={"note": note},
    )  # fmt: skip
    _notify_publication(session, version)
    return version


def _notify_publication(session: Session, version: CharterVersion) -> None:
    subject = _("La version %(n)s de la charte est publiée", n=version.number)
    for clause in view(session, version).clauses:
        follow_services.notify(
            session, target_type=Target.CLAUSE, target_key=clause.slug, subject=subject,
            body=_("L'article %(n)s « %(t)s », que vous suivez, fait partie de la version publiée.",
                   n=clause.number, t=clause.title),
            path=urls.version(version.number, article=clause.number),
        )  # fmt: skip
    proposals = session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.version_id == version.id)
    )
    for proposal_id, title in proposals:
        follow_services.notify(
            session, target_type=Target.PROPOSAL, target_key=str(proposal_id), subject=subject,
            body=_("La proposition « %(t)s », que vous suivez, portait sur cette version.", t=title),
            path=urls.version(version.number),
        )  # fmt: skip


def get_version(session: Session, number: int) -> CharterVersion:
    version = session.scalar(select(CharterVersion).where(CharterVersion.number == number))
    if version is None:
        raise NotFound(_("La version %(n)s de la charte n'existe pas.", n=number))
    return version


def latest(session: Session, status: str) -> CharterVersion | None:
    stmt = (
        select(CharterVersion)
        .where(CharterVersion.status == status)
        .order_by(col(CharterVersion.number).desc())
    )
    return session.scalars(stmt.limit(1)).first()


def versions(session: Session) -> list[CharterVersion]:
    return list(session.scalars(select(CharterVersion).order_by(col(CharterVersion.number).desc())))


def view(session: Session, version: CharterVersion) -> VersionView:
    sections = list(
        session.scalars(
            select(CharterSection)
            .where(CharterSection.version_id == version.id)
            .order_by(CharterSection.position)
        )
    )
    clauses = list(
        session.scalars(
            select(Clause).where(Clause.version_id == version.id).order_by(Clause.number)
        )
    )
    return VersionView(version, sections, clauses)


def current_view(session: Session) -> VersionView | None:
    """What /charter shows: the draft under consultation if any, else the latest published version."""
    version = latest(session, VersionStatus.DRAFT) or latest(session, VersionStatus.PUBLISHED)
    return view(session, version) if version else None


def get_clause(session: Session, version: CharterVersion, number: int) -> Clause:
    clause = session.scalar(
        select(Clause).where(Clause.version_id == version.id, Clause.number == number)
    )
    if clause is None:
        raise NotFound(_("L'article %(n)s n'existe pas dans cette version de la charte.", n=number))
    return clause


def clause_history(session: Session, slug: str) -> list[tuple[CharterVersion, Clause]]:
    """The same clause (by its stable slug) in every version, oldest first."""
    rows = session.execute(
        select(CharterVersion, Clause)
        .join(Clause, Clause.version_id == CharterVersion.id)
        .where(Clause.slug == slug)
        .order_by(CharterVersion.number)
    )
    return [(v, c) for v, c in rows]


def version_diff(session: Session, old: CharterVersion, new: CharterVersion) -> VersionDiff:
    def texts(version: CharterVersion) -> list[ClauseText]:
        return [
            ClauseText(c.slug, c.number, c.title, c.body) for c in view(session, version).clauses
        ]

    return diff_versions(texts(old), texts(new))


def published_clauses(session: Session) -> list[ClauseRef]:
    version = latest(session, VersionStatus.PUBLISHED)
    if version is None:
        return []
    return [
        ClauseRef(c.number, c.slug, c.title, urls.version(version.number, article=c.number))
        for c in view(session, version).clauses
    ]


def version_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(CharterVersion)) or 0)


def version_as_markdown(data: VersionView) -> str:
    lines = [f"# {data.version.title}", "", f"Version {data.version.number}", ""]
    if data.version.preamble:
        lines += [data.version.preamble, ""]
    for section in data.sections:
        lines += [f"## {section.title}", ""]
        for clause in data.clauses_in(section.slug):
            lines += [f"### Article {clause.number} — {clause.title}", "", clause.body, ""]
    return "\n".join(lines).rstrip() + "\n"


def version_as_dict(data: VersionView) -> dict[str, object]:
    v = data.version
    return {
        "number": v.number,
        "status": v.status,
        "title": v.title,
        "preamble": v.preamble,
        "publication_note": v.publication_note,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "sections": [
            {
                "slug": s.slug,
                "title": s.title,
                "clauses": [
                    {"number": c.number, "slug": c.slug, "title": c.title, "body": c.body}
                    for c in data.clauses_in(s.slug)
                ],
            }
            for s in data.sections
        ],
    }
