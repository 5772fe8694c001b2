"""Open data of the consultation: the Atom feed and the anonymised export (schema in
docs/consultation-export.md).

The export names nobody: every person is a stable pseudonym, an HMAC of their id under the site's
secret key, so the same person keeps the same pseudonym from one export to the next while nobody
can go back from the pseudonym to the account without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlmodel import Session, col

from portal.clock import utcnow
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.participation.models import (
    ClauseStats,
    Comment,
    ConsultationSchedule,
    Proposal,
)
from portal.consultation.review.models import Answer
from portal.consultation.vocabulary import Phase, VersionStatus, decision_label
from portal.csvout import write_rows
from portal.errors import Conflict
from portal.web.i18n import format_datetime
from portal.web.i18n import gettext as _

SCHEMA_VERSION = 1
FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"
CSV_COLUMNS = (
    "type", "id", "version", "author", "created_at", "clause_number", "clause_slug",
    "section_slug", "proposal_id", "parent_id", "kind", "state", "decision", "hidden_reason",
    "title", "body", "rationale", "final_text", "support_count", "comment_count", "reply_count",
    "applied_clause_slug",
)  # fmt: skip


def pseudonym(secret: str, user_id: int | None) -> str | None:
    """A stable pseudonymous id for a person: never their name, e-mail or account number."""
    if user_id is None:
        return None
    digest = hmac.new(secret.encode(), f"consultation-export:{user_id}".encode(), hashlib.sha256)
    return "p-" + digest.hexdigest()[:16]


# --- when the export is public ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportState:
    open: bool
    version_number: int | None
    closes_at: datetime | None


def export_state(session: Session) -> ExportState:
    """The export is public once the latest consultation is closed (under review or published)."""
    row = session.execute(
        select(CharterVersion.number, CharterVersion.status, ConsultationSchedule.phase,
               ConsultationSchedule.closes_at)
        .join(ConsultationSchedule, ConsultationSchedule.version_id == CharterVersion.id,
              isouter=True)
        .order_by(col(CharterVersion.number).desc())
        .limit(1)
    ).first()  # fmt: skip
    if row is None:
        return ExportState(False, None, None)
    number, status, phase, closes_at = row
    still_open = status != VersionStatus.PUBLISHED and (phase or Phase.DRAFTING) in (
        Phase.DRAFTING,
        Phase.OPEN,
    )
    return ExportState(not still_open, int(number), closes_at)


def require_closed(session: Session) -> None:
    state = export_state(session)
    if state.open:
        return
    if state.version_number is None:
        raise Conflict(_("Aucune consultation n'a encore eu lieu : il n'y a rien à exporter."))
    if state.closes_at is not None:
        raise Conflict(
            _(
                "La consultation sur la version %(n)s est encore en cours. L'export anonymisé sera "
                "public dès sa clôture, prévue le %(date)s.",
                n=state.version_number,
                date=format_datetime(state.closes_at),
            )
        )
    raise Conflict(
        _(
            "La consultation sur la version %(n)s est encore en cours. L'export anonymisé sera "
            "public dès sa clôture.",
            n=state.version_number,
        )
    )


# --- the export -----------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(session: Session, *, secret: str) -> dict[str, Any]:
    """Every clause's counts, comment, proposal and answer, anonymised; six queries."""
    versions = {
        int(i): int(n) for i, n in session.execute(select(CharterVersion.id, CharterVersion.number))
    }
    clause_rows = list(
        session.execute(
            select(Clause, ClauseStats)
            .join(ClauseStats, ClauseStats.clause_id == Clause.id, isouter=True)
            .order_by(col(Clause.version_id), col(Clause.number))
        )
    )
    clause_by_id = {int(c.id or 0): c for c, _s in clause_rows}
    clauses = [
        {
            "version": versions[c.version_id],
            "number": c.number,
            "slug": c.slug,
            "section_slug": c.section_slug,
            "title": c.title,
            "support_count": s.support_count if s else 0,
            "comment_count": s.comment_count if s else 0,
        }
        for c, s in clause_rows
    ]
    proposals_rows = list(session.scalars(select(Proposal).order_by(col(Proposal.id))))
    proposal_version = {int(p.id or 0): versions[p.version_id] for p in proposals_rows}
    proposals = [
        {
            "id": p.id,
            "version": versions[p.version_id],
            # Recorded at the front desk for a resident: the channel, never the agent's pseudonym.
            "author": (
                f"accueil:{p.assisted_channel}"
                if p.assisted_channel
                else pseudonym(secret, p.author_id)
            ),
            "created_at": _iso(p.created_at),
            "kind": p.kind,
            "clause_slug": p.clause_slug,
            "section_slug": p.section_slug,
            # A proposal hidden by the moderators is not republished: only its place and fate.
            "title": None if p.hidden_at else p.title,
            "body": None if p.hidden_at else p.body,
            "rationale": None if p.hidden_at else p.rationale,
            "decision": p.status,
            "support_count": p.support_count,
            "comment_count": p.comment_count,
            "applied_clause_slug": clause_by_id[p.applied_clause_id].slug
            if p.applied_clause_id in clause_by_id
            else None,
        }
        for p in proposals_rows
    ]
    answers = [
        {
            "id": a.id,
            "proposal_id": a.proposal_id,
            "version": proposal_version.get(a.proposal_id),
            "author": pseudonym(secret, a.official_id),
            "created_at": _iso(a.created_at),
            "decision": a.decision,
            "decision_label": decision_label(a.decision),
            "reason": a.reason,
            "final_text": a.final_text,
        }
        for a in session.scalars(select(Answer).order_by(col(Answer.id)))
    ]
    comments = []
    for c in session.scalars(select(Comment).order_by(col(Comment.id))):
        clause = clause_by_id.get(c.clause_id or 0)
        state = "deleted" if c.deleted_at else "hidden" if c.hidden_at else "visible"
        comments.append(
            {
                "id": c.id,
                "version": versions[clause.version_id]
                if clause
                else proposal_version.get(c.proposal_id or 0),
                "author": (
                    f"accueil:{c.assisted_channel}"
                    if c.assisted_channel
                    else pseudonym(secret, c.author_id)
                ),
                "created_at": _iso(c.created_at),
                "clause_number": clause.number if clause else None,
                "clause_slug": clause.slug if clause else None,
                "proposal_id": c.proposal_id,
                "parent_id": c.parent_id,
                "state": state,
                "hidden_reason": c.hidden_reason if state == "hidden" else None,
                # Withdrawn or hidden text is not republished: only its place in the thread.
                "body": c.body if state == "visible" else None,
                "support_count": c.support_count,
                "reply_count": c.reply_count,
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": utcnow().isoformat(),
        "licence": "Licence Ouverte / Open Licence 2.0",
        "documentation": "/consultation/export",
        "clauses": clauses,
        "proposals": proposals,
        "answers": answers,
        "comments": comments,
    }


def export_csv(data: dict[str, Any]) -> str:
    """One table: a `type` column says whether a row is a clause, proposal, answer or comment
    (written by portal/csvout.py, the one CSV writer, which defuses spreadsheet formulas)."""
    rows: list[list[object]] = []
    for kind, key in (
        ("clause", "clauses"),
        ("proposal", "proposals"),
        ("answer", "answers"),
        ("comment", "comments"),
    ):
        for row in data[key]:
            flat = {"type": kind, **row}
            if kind == "clause":
                flat["clause_number"], flat["clause_slug"] = row["number"], row["slug"]
                flat["id"] = None
            if kind == "answer":
                flat["body"], flat["title"] = row["reason"], row["decision_label"]
            rows.append([flat.get(c) for c in CSV_COLUMNS])
    return write_rows(rows, header=CSV_COLUMNS)


# --- the Atom feed ---------------------------------------------------------------------------------


def atom_feed(
    session: Session, *, base_url: str, publisher: str, names: dict[int, str] | None = None
) -> bytes:
    """Published versions and official answers, newest first (ElementTree escapes every text);
    `publisher` (the city's settings) is the feed's author."""
    entries: list[tuple[datetime, dict[str, str]]] = []
    for v in session.scalars(
        select(CharterVersion)
        .where(CharterVersion.status == VersionStatus.PUBLISHED)
        .order_by(col(CharterVersion.published_at).desc())
        .limit(FEED_ENTRIES)
    ):
        when = v.published_at or v.created_at
        entries.append((when, {
            "id": f"{base_url}/charter/v/{v.number}",
            "title": _("Version %(n)s de la charte publiée", n=v.number),
            "link": f"{base_url}/charter/v/{v.number}",
            "summary": v.publication_note or "",
            "author": (names or {}).get(v.published_by or 0, ""),
        }))  # fmt: skip
    for a, title in session.execute(
        select(Answer, Proposal.title)
        .join(Proposal, Proposal.id == Answer.proposal_id)
        .where(col(Proposal.hidden_at).is_(None))
        .order_by(col(Answer.created_at).desc())
        .limit(FEED_ENTRIES)
    ):
        entries.append((a.created_at, {
            "id": f"{base_url}/charter/proposals/{a.proposal_id}#answer-{a.id}",
            "title": _("Réponse à la proposition « %(t)s » : %(d)s", t=title,
                       d=decision_label(a.decision)),
            "link": f"{base_url}/charter/proposals/{a.proposal_id}",
            "summary": a.reason,
            "author": (names or {}).get(a.official_id, ""),
        }))  # fmt: skip
    entries.sort(key=lambda e: e[0], reverse=True)
    entries = entries[:FEED_ENTRIES]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base_url}/charter/feed.atom"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _("Charte de l'IA : versions et réponses")
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{base_url}/charter/feed.atom"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base_url}/charter"})
    updated = entries[0][0] if entries else utcnow()
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = publisher
    for when, e in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = e["id"]
        ET.SubElement(entry, f"{{{ATOM}}}title").text = e["title"]
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": e["link"]})
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = when.isoformat()
        if e["author"]:
            ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = e[
                "author"
            ]
        ET.SubElement(entry, f"{{{ATOM}}}summary", {"type": "text"}).text = e["summary"]
    text = ET.tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()
