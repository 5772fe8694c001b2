"""The synthesis of residents' comments: computing runs, officials' edits, publication, views.

Computing a run is slow (spaCy and clustering): it runs in the worker (synthesis_jobs.py), the
demo loader or the CLI, never in a web request. Comments hidden by moderation or deleted by their
author never enter a run, and are left out of every view even if hidden after the run.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from portal import audit
from portal.clock import utcnow
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.participation.models import Comment
from portal.consultation.synthesis.models import (
    EDIT_MERGE,
    EDIT_MOVE,
    EDIT_RENAME,
    RUN_ARCHIVED,
    RUN_DRAFT,
    RUN_PUBLISHED,
    SynthesisEdit,
    SynthesisMember,
    SynthesisRun,
    SynthesisTheme,
)
from portal.csvout import write_rows
from portal.db import session_scope
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.nlp.campaigns import Change, describe
from portal.nlp.french import terms
from portal.web.i18n import gettext as _

MIN_CLAUSE_COMMENTS = 8  # below this, a clause gets no themes of its own (too few to group)
LABEL_MAX = 120

if TYPE_CHECKING:
    from portal.nlp.cluster import ClusterResult


@dataclass(frozen=True)
class SourceComment:
    id: int
    body: str
    clause_id: int
    supports: int
    created_at: datetime | None = None


def _visible_comment_filter() -> list[object]:
    return [col(Comment.hidden_at).is_(None), col(Comment.deleted_at).is_(None)]


def source_comments(session: Session, *, version_id: int) -> list[SourceComment]:
    """The comments a run covers: on the version's clauses, neither hidden nor deleted."""
    stmt = (
        select(Comment.id, Comment.body, Comment.clause_id, Comment.support_count,
               Comment.created_at)
        .join(Clause, Clause.id == Comment.clause_id)
        .where(Clause.version_id == version_id, *_visible_comment_filter())
        .order_by(Comment.id)
    )  # fmt: skip
    return [
        SourceComment(int(i), b, int(c), int(s), at) for i, b, c, s, at in session.execute(stmt)
    ]


def fingerprint(comments: Iterable[SourceComment]) -> str:
    digest = hashlib.sha256()
    for c in comments:
        digest.update(f"{c.id}:{c.clause_id}:".encode())
        digest.update(hashlib.sha256(c.body.encode()).digest())
    return digest.hexdigest()


def latest_run(
    session: Session, *, status: str, version_id: int | None = None
) -> SynthesisRun | None:
    stmt = select(SynthesisRun).where(SynthesisRun.status == status)
    if version_id is not None:
        stmt = stmt.where(SynthesisRun.version_id == version_id)
    return session.scalars(stmt.order_by(col(SynthesisRun.id).desc()).limit(1)).first()


def get_run(session: Session, run_id: int) -> SynthesisRun:
    run = session.get(SynthesisRun, run_id)
    if run is None:
        raise NotFound(_("Cette synthèse n'existe pas."))
    return run


def versions_with_comments(session: Session) -> list[int]:
    stmt = (
        select(Clause.version_id)
        .join(Comment, Comment.clause_id == Clause.id)
        .where(*_visible_comment_filter())
        .distinct()
    )
    return sorted(int(v) for v in session.scalars(stmt))


@dataclass
class PreparedRun:
    """A computed synthesis, not yet stored (computing holds no database transaction open)."""

    version_id: int
    digest: str
    comment_count: int
    whole: ClusterResult
    per_clause: dict[int, ClusterResult]
    seconds: float


def needs_run(session: Session, *, version_id: int) -> tuple[list[SourceComment], str] | None:
    """The version's visible comments and their digest, or None when the last run covers them."""
    comments = source_comments(session, version_id=version_id)
    digest = fingerprint(comments)
    previous = session.scalars(
        select(SynthesisRun.fingerprint)
        .where(SynthesisRun.version_id == version_id)
        .order_by(col(SynthesisRun.id).desc())
        .limit(1)
    ).first()
    if not comments or previous == digest:
        return None
    return comments, digest


def prepare_run(
    version_id: int,
    comments: list[SourceComment],
    digest: str,
    progress: Callable[[str], None] | None = None,
) -> PreparedRun:
    """Run the pipeline over the whole consultation and over each clause with enough comments."""
    # Imported here: scikit-learn, numpy and spaCy's md model load only where a synthesis runs
    # (the worker, `portal nlp`), never in a web process that merely shows the published one.
    from portal.nlp.cluster import cluster_comments, order_stability

    start = time.perf_counter()
    say = progress or (lambda _m: None)
    pairs = [(c.id, c.body) for c in comments]
    times = {c.id: c.created_at for c in comments if c.created_at is not None}
    whole = cluster_comments(pairs, progress=say, created_at=times)
    # Published beside the themes: the same comments in another order give the same themes.
    say("stabilité : même calcul sur les commentaires mélangés")
    whole.parameters["order_stability_ari"] = round(order_stability(pairs, whole), 3)
    by_clause: dict[int, list[SourceComment]] = defaultdict(list)
    for c in comments:
        by_clause[c.clause_id].append(c)
    per_clause: dict[int, object] = {}
    for clause_id, rows in sorted(by_clause.items()):
        if len(rows) >= MIN_CLAUSE_COMMENTS:
            say(f"article {clause_id} : {len(rows)} commentaires")
            per_clause[clause_id] = cluster_comments(
                [(c.id, c.body) for c in rows], created_at=times
            )
    return PreparedRun(version_id, digest, len(comments), whole, per_clause,
                       round(time.perf_counter() - start, 1))  # fmt: skip


def save_run(session: Session, prepared: PreparedRun) -> SynthesisRun | None:
    """Store a prepared run as the version's draft (older drafts are replaced; published runs
    stay as published). Nothing is stored if a run of the same comments appeared meanwhile."""

    latest = session.scalars(
        select(SynthesisRun.fingerprint)
        .where(SynthesisRun.version_id == prepared.version_id)
        .order_by(col(SynthesisRun.id).desc())
        .limit(1)
    ).first()
    if latest == prepared.digest:
        return None
    run = SynthesisRun(
        version_id=prepared.version_id,
        comment_count=prepared.comment_count,
        fingerprint=prepared.digest,
        parameters=json.dumps(prepared.whole.parameters, ensure_ascii=False),
        duplicates=json.dumps(prepared.whole.duplicates),
        seconds=prepared.seconds,
    )
    session.execute(
        delete(SynthesisRun).where(
            SynthesisRun.version_id == prepared.version_id, SynthesisRun.status == RUN_DRAFT
        )
    )
    session.add(run)
    session.flush()
    run_id = int(run.id or 0)
    _store(session, run_id, None, prepared.whole)
    for clause_id, result in prepared.per_clause.items():
        _store(session, run_id, clause_id, result)
    return run


def compute_run(
    session: Session,
    *,
    version_id: int,
    progress: Callable[[str], None] | None = None,
) -> SynthesisRun | None:
    """Read, compute and store in one session (demo and tests; the job uses short transactions)."""
    todo = needs_run(session, version_id=version_id)
    if todo is None:
        return None
    return save_run(session, prepare_run(version_id, *todo, progress=progress))


def recompute_all(
    engine: Engine, progress: Callable[[str], None] | None = None
) -> list[SynthesisRun]:
    """For every version whose comments changed: read (short), compute (no transaction open),
    store (short), so residents' writes never wait for the clustering."""

    with session_scope(engine, write=False) as session:
        version_ids = versions_with_comments(session)
    done = []
    for version_id in version_ids:
        with session_scope(engine, write=False) as session:
            todo = needs_run(session, version_id=version_id)
        if todo is None:
            continue
        prepared = prepare_run(version_id, *todo, progress=progress)
        with session_scope(engine) as session:
            run = save_run(session, prepared)
        if run is not None:
            done.append(run)
    return done


def _store(session: Session, run_id: int, clause_id: int | None, result: ClusterResult) -> None:
    for position, theme in enumerate(result.themes):
        row = SynthesisTheme(
            run_id=run_id,
            clause_id=clause_id,
            position=position,
            auto_label=theme.label[:300],
            label=theme.label[:300],
            key_terms=json.dumps(theme.key_terms, ensure_ascii=False),
            representative_ids=json.dumps(theme.representative_ids),
            auto_size=len(theme.comment_ids),
            coherence=theme.coherence,
            label_source_ids=json.dumps(theme.label_source_ids),
            singular_ids=json.dumps(theme.singular_ids),
        )
        session.add(row)
        session.flush()
        primary = set(theme.primary_ids)
        session.add_all(
            SynthesisMember(
                theme_id=int(row.id or 0), comment_id=int(cid), is_primary=cid in primary
            )
            for cid in theme.comment_ids
        )
    if result.other:
        other = SynthesisTheme(
            run_id=run_id,
            clause_id=clause_id,
            position=len(result.themes),
            auto_label=_("Autres"),
            label=_("Autres"),
            auto_size=len(result.other),
            is_other=True,
        )
        session.add(other)
        session.flush()
        session.add_all(
            SynthesisMember(theme_id=int(other.id or 0), comment_id=int(cid))
            for cid in result.other
        )


def clone_as_draft(session: Session, *, run_id: int) -> SynthesisRun:
    """A draft copy of a run (same themes and members, no edits), for officials to work on."""
    source = get_run(session, run_id)
    copy = SynthesisRun(
        version_id=source.version_id, comment_count=source.comment_count,
        fingerprint=source.fingerprint, parameters=source.parameters,
        duplicates=source.duplicates, seconds=source.seconds,
    )  # fmt: skip
    session.add(copy)
    session.flush()
    themes = session.scalars(
        select(SynthesisTheme).where(SynthesisTheme.run_id == run_id).order_by(SynthesisTheme.id)
    ).all()
    new_id: dict[int, int] = {}
    for theme in themes:
        new = SynthesisTheme(
            run_id=int(copy.id or 0), clause_id=theme.clause_id, position=theme.position,
            auto_label=theme.auto_label, label=theme.auto_label, key_terms=theme.key_terms,
            representative_ids=theme.representative_ids, auto_size=theme.auto_size,
            is_other=theme.is_other, coherence=theme.coherence,
            label_source_ids=theme.label_source_ids, singular_ids=theme.singular_ids,
        )  # fmt: skip
        session.add(new)
        session.flush()
        new_id[int(theme.id or 0)] = int(new.id or 0)
    members = session.scalars(
        select(SynthesisMember).where(col(SynthesisMember.theme_id).in_(list(new_id)))
    ).all()
    seen: set[tuple[int, int]] = set()
    for m in members:  # back where the machine put each comment
        key = (new_id[m.auto_theme_id or m.theme_id], m.comment_id)
        if key not in seen:
            seen.add(key)
            session.add(SynthesisMember(theme_id=key[0], comment_id=m.comment_id,
                                        is_primary=m.is_primary))  # fmt: skip
    return copy


# --- officials' edits ----------------------------------------------------------------------


def get_theme(session: Session, theme_id: int) -> SynthesisTheme:
    theme = session.get(SynthesisTheme, theme_id)
    if theme is None or theme.merged_into_id is not None:
        raise NotFound(_("Ce thème n'existe pas (ou a été fusionné)."))
    return theme


def _draft_theme(session: Session, theme_id: int) -> tuple[SynthesisRun, SynthesisTheme]:
    theme = get_theme(session, theme_id)
    run = get_run(session, theme.run_id)
    if run.status != RUN_DRAFT:
        raise Conflict(_("Cette synthèse est publiée : elle ne se modifie plus."))
    return run, theme


def _edit(session: Session, run: SynthesisRun, author_id: int, **values: object) -> None:
    edit = SynthesisEdit(run_id=int(run.id or 0), author_id=author_id, **values)
    session.add(edit)
    session.flush()
    audit.record(
        session,
        actor_id=author_id,
        action=f"synthesis.{values['kind']}",
        object_type="synthesis_theme",
        object_id=values["theme_id"],
        detail={k: v for k, v in values.items() if k != "kind"},
    )


def rename_theme(session: Session, *, theme_id: int, label: str, author_id: int) -> SynthesisTheme:
    run, theme = _draft_theme(session, theme_id)
    label = " ".join(label.split())
    if not label:
        raise ValidationFailed(_("Le nouveau nom du thème est vide."))
    if len(label) > LABEL_MAX:
        raise ValidationFailed(_("Le nom du thème dépasse %(n)s caractères.", n=LABEL_MAX))
    if label == theme.label:
        return theme
    _edit(session, run, author_id, kind=EDIT_RENAME, theme_id=theme_id,
          old_value=theme.label, new_value=label)  # fmt: skip
    theme.label = label
    return theme


def merge_themes(
    session: Session, *, theme_id: int, into_id: int, author_id: int
) -> SynthesisTheme:
    """Move every comment of `theme_id` into `into_id`; the first theme disappears."""
    run, theme = _draft_theme(session, theme_id)
    target = get_theme(session, into_id)
    if (
        target.run_id != theme.run_id
        or target.clause_id != theme.clause_id
        or target.id == theme.id
    ):
        raise ValidationFailed(_("Choisissez un autre thème de la même synthèse."))
    members = session.scalars(
        select(SynthesisMember).where(SynthesisMember.theme_id == theme_id)
    ).all()
    already = set(
        session.scalars(
            select(SynthesisMember.comment_id).where(SynthesisMember.theme_id == into_id)
        )
    )
    for member in members:
        if member.comment_id in already:
            session.delete(member)
        else:
            member.auto_theme_id = member.auto_theme_id or theme_id
            member.theme_id = into_id
    theme.merged_into_id = into_id
    _edit(session, run, author_id, kind=EDIT_MERGE, theme_id=theme_id, target_theme_id=into_id,
          old_value=theme.label, new_value=target.label)  # fmt: skip
    return target


def move_comment(
    session: Session, *, theme_id: int, comment_id: int, to_theme_id: int, author_id: int
) -> None:
    run, theme = _draft_theme(session, theme_id)
    target = get_theme(session, to_theme_id)
    if (
        target.run_id != theme.run_id
        or target.clause_id != theme.clause_id
        or target.id == theme.id
    ):
        raise ValidationFailed(_("Choisissez un autre thème de la même synthèse."))
    member = session.scalar(
        select(SynthesisMember).where(
            SynthesisMember.theme_id == theme_id, SynthesisMember.comment_id == comment_id
        )
    )
    if member is None:
        raise NotFound(_("Ce commentaire n'est pas dans ce thème."))
    duplicate = session.scalar(
        select(SynthesisMember).where(
            SynthesisMember.theme_id == to_theme_id, SynthesisMember.comment_id == comment_id
        )
    )
    if duplicate is not None:
        duplicate.is_primary = True
        session.delete(member)
    else:
        member.auto_theme_id = member.auto_theme_id or theme_id
        member.theme_id = to_theme_id
        member.is_primary = True
    _edit(session, run, author_id, kind=EDIT_MOVE, theme_id=theme_id, target_theme_id=to_theme_id,
          comment_id=comment_id, old_value=theme.label, new_value=target.label)  # fmt: skip


def publish_run(session: Session, *, run_id: int, author_id: int) -> SynthesisRun:
    run = get_run(session, run_id)
    if run.status != RUN_DRAFT:
        raise Conflict(_("Cette synthèse est déjà publiée."))
    for older in session.scalars(
        select(SynthesisRun).where(
            SynthesisRun.version_id == run.version_id, SynthesisRun.status == RUN_PUBLISHED
        )
    ):
        older.status = RUN_ARCHIVED
    run.status = RUN_PUBLISHED
    run.published_at = utcnow()
    run.published_by = author_id
    audit.record(session, actor_id=author_id, action="synthesis.publish",
                 object_type="synthesis_run", object_id=run_id)  # fmt: skip
    return run


# --- views ---------------------------------------------------------------------------------


@dataclass
class ThemeView:
    theme: SynthesisTheme
    size: int
    supports: int
    share_of_supports: float
    clauses: list[Clause]
    representatives: list[Comment]
    key_terms: list[str]
    renamed: bool
    merged_from: list[str] = field(default_factory=list)
    moved_in: int = 0
    moved_out: int = 0
    distinct: int = 0  # distinct arguments: each group of near-copies counted once
    label_sources: list[LabelSource] = field(default_factory=list)  # comments holding the label
    singular: list[Comment] = field(default_factory=list)  # singular arguments
    campaigns: int = 0  # groups of near-copies among its comments


@dataclass(frozen=True)
class LabelSource:
    """A comment the theme's label comes from, cut around the label's words."""

    comment: Comment
    before: str
    match: str
    after: str


def _fold_chars(text: str) -> str:
    """Lower case without accents, one character for one (positions stay those of `text`)."""
    return "".join(unicodedata.normalize("NFKD", ch)[:1].lower() or ch for ch in text)


WORD_RE = re.compile(r"\w+")


def _words_span(body: str, label: str) -> tuple[int, int]:
    """Where the label's content words appear in order in `body` (each by its Snowball stem, at
    most three other words between two of them): (start, end) characters, or (-1, -1)."""
    wanted = terms(label)
    if not wanted:
        return -1, -1
    words = [(m.start(), m.end(), terms(m.group())) for m in WORD_RE.finditer(body)]
    for first, (start, _end, stems) in enumerate(words):
        if stems[:1] != wanted[:1]:
            continue
        k, last, gap = 1, first, 0
        for pos in range(first + 1, len(words)):
            if k == len(wanted) or gap > 3:
                break
            if words[pos][2][:1] == [wanted[k]]:
                k, last, gap = k + 1, pos, 0
            else:
                gap += 1
        if k == len(wanted):
            return start, words[last][1]
    return -1, -1


def label_source(comment: Comment, label: str, width: int = 70) -> LabelSource:
    """The comment around the first place it holds the label (accents and case aside)."""
    body = comment.body
    at = _fold_chars(body).find(_fold_chars(label)) if label else -1
    end = at + len(label)
    if at < 0:  # written another way ("interlocuteurs humains"): its words, by their stems
        at, end = _words_span(body, label)
    if at < 0:
        cut = body if len(body) <= 2 * width else body[: 2 * width].rstrip() + "…"
        return LabelSource(comment, cut, "", "")
    start, stop = max(0, at - width), min(len(body), end + width)
    before = ("…" if start else "") + body[start:at]
    after = body[end:stop] + ("…" if stop < len(body) else "")
    return LabelSource(comment, before, body[at:end], after)


@dataclass
class VariantView:
    comment: Comment
    changes: list[Change]  # words removed (-) and added (+) against the first copy


@dataclass
class CampaignView:
    """A group of near-copies: its first copy, what each other copy changed, its burst flag."""

    first: Comment
    variants: list[VariantView]
    burst: bool
    burst_copies: int
    span_minutes: int | None
    theme_label: str
    theme_id: int | None

    @property
    def count(self) -> int:
        return 1 + len(self.variants)

    @property
    def changed(self) -> list[VariantView]:
        return [v for v in self.variants if v.changes]

    @property
    def forms(self) -> list[tuple[list[Change], int]]:
        """The copies' changes with how many copies made each, in the order they came: seven
        copies that all added "Stop !" are one line (7 copies), not seven."""
        counted: dict[tuple[Change, ...], int] = {}
        for v in self.changed:
            key = tuple(v.changes)
            counted[key] = counted.get(key, 0) + 1
        return [(list(changes), n) for changes, n in counted.items()]


@dataclass
class EditView:
    edit: SynthesisEdit
    theme_label: str
    target_label: str
    comment: Comment | None


@dataclass
class RunView:
    run: SynthesisRun
    version: CharterVersion
    clause: Clause | None
    themes: list[ThemeView]
    other: ThemeView | None
    edits: list[EditView]
    clauses: list[tuple[Clause, int]]  # clauses with their own themes, and comment counts
    duplicates: list[list[int]]
    comment_count: int
    parameters: dict[str, object]
    duplicate_texts: list[tuple[int, str]] = field(default_factory=list)  # (count, first text)
    campaigns: list[CampaignView] = field(default_factory=list)

    @property
    def other_share(self) -> float:
        return (self.other.size / self.comment_count) if self.other and self.comment_count else 0.0

    @property
    def stability(self) -> float | None:
        value = self.parameters.get("order_stability_ari")
        return float(value) if isinstance(value, int | float) else None

    @property
    def mean_coherence(self) -> float | None:
        found = [t.theme.coherence for t in self.themes if t.theme.coherence is not None]
        return sum(found) / len(found) if found else None


def _visible_members(
    session: Session, theme_ids: list[int]
) -> dict[int, list[tuple[int, int, int, bool]]]:
    """Per theme: (comment id, clause id, supports, primary) of the comments still visible."""
    if not theme_ids:
        return {}
    stmt = (
        select(SynthesisMember.theme_id, Comment.id, Comment.clause_id, Comment.support_count,
               SynthesisMember.is_primary)
        .join(Comment, Comment.id == SynthesisMember.comment_id)
        .where(col(SynthesisMember.theme_id).in_(theme_ids), *_visible_comment_filter())
        .order_by(Comment.id)
    )  # fmt: skip
    out: dict[int, list[tuple[int, int, int, bool]]] = defaultdict(list)
    for theme_id, cid, clause_id, supports, primary in session.execute(stmt):
        out[int(theme_id)].append((int(cid), int(clause_id or 0), int(supports), bool(primary)))
    return out


def run_view(session: Session, run: SynthesisRun, *, clause_id: int | None = None) -> RunView:
    version = session.get(CharterVersion, run.version_id)
    assert version is not None
    clause = session.get(Clause, clause_id) if clause_id is not None else None
    if clause_id is not None and (clause is None or clause.version_id != run.version_id):
        raise NotFound(_("Cet article n'a pas de synthèse."))
    all_themes = session.scalars(
        select(SynthesisTheme)
        .where(SynthesisTheme.run_id == run.id)
        .order_by(SynthesisTheme.position)
    ).all()
    scoped = [t for t in all_themes if t.clause_id == clause_id]
    live = [t for t in scoped if t.merged_into_id is None]
    members = _visible_members(session, [int(t.id or 0) for t in live])
    total_supports = sum(s for rows in members.values() for _c, _k, s, p in rows if p) or 0
    clause_rows = {
        c.id: c for c in session.scalars(select(Clause).where(Clause.version_id == run.version_id))
    }
    edits = session.scalars(
        select(SynthesisEdit).where(SynthesisEdit.run_id == run.id).order_by(SynthesisEdit.id)
    ).all()
    labels = {t.id: t.label for t in all_themes}
    auto_labels = {t.id: t.auto_label for t in all_themes}
    scoped_ids = {t.id for t in scoped}
    comment_ids = [
        *(cid for rows in members.values() for cid, _k, _s, _p in rows),
        *(e.comment_id for e in edits if e.comment_id),
    ]
    representative_ids = {
        int(i)
        for t in live
        for field_ in (t.representative_ids, t.label_source_ids, t.singular_ids)
        for i in json.loads(field_ or "[]")
    }
    comments = {
        c.id: c
        for c in session.scalars(
            select(Comment).where(
                col(Comment.id).in_(set(comment_ids) | representative_ids),
                *_visible_comment_filter(),
            )
        )
    }
    group_of: dict[int, int] = {
        int(cid): g for g, group in enumerate(json.loads(run.duplicates or "[]")) for cid in group
    }

    def quoted(raw: str | None, rows: list[tuple[int, int, int, bool]]) -> list[Comment]:
        inside = {cid for cid, _k, _s, _p in rows}
        return [comments[i] for i in json.loads(raw or "[]") if i in comments and i in inside]

    views = []
    other = None
    for theme in live:
        rows = members.get(int(theme.id or 0), [])
        supports = sum(s for _c, _k, s, p in rows if p)
        clause_counts = Counter(k for _c, k, _s, _p in rows)
        reps = [
            comments[i]
            for i in json.loads(theme.representative_ids or "[]")
            if i in comments and any(cid == i for cid, _k, _s, _p in rows)
        ]
        view = ThemeView(
            theme=theme,
            size=len(rows),
            supports=supports,
            share_of_supports=supports / total_supports if total_supports else 0.0,
            clauses=[clause_rows[k] for k, _n in clause_counts.most_common() if k in clause_rows],
            representatives=reps,
            key_terms=json.loads(theme.key_terms or "[]"),
            renamed=theme.label != theme.auto_label,
            merged_from=[auto_labels[t.id] for t in scoped if t.merged_into_id == theme.id],
            moved_in=sum(1 for e in edits if e.kind == EDIT_MOVE and e.target_theme_id == theme.id),
            moved_out=sum(1 for e in edits if e.kind == EDIT_MOVE and e.theme_id == theme.id),
            distinct=len({("g", group_of[c]) if c in group_of else ("c", c)
                          for c, _k, _s, _p in rows}),
            label_sources=[
                label_source(c, theme.auto_label) for c in quoted(theme.label_source_ids, rows)
            ],
            singular=quoted(theme.singular_ids, rows),
            campaigns=len({group_of[c] for c, _k, _s, _p in rows if c in group_of}),
        )  # fmt: skip
        if theme.is_other:
            other = view
        else:
            views.append(view)
    views.sort(key=lambda v: (-v.size, v.theme.position))
    edit_views = [
        EditView(
            e,
            auto_labels.get(e.theme_id, "")
            if e.kind == EDIT_RENAME
            else labels.get(e.theme_id, ""),
            labels.get(e.target_theme_id or 0, ""),
            comments.get(e.comment_id or 0),
        )
        for e in edits
        if e.theme_id in scoped_ids
    ]
    with_themes = Counter(t.clause_id for t in all_themes if t.clause_id is not None)
    clause_counts_all: dict[int, int] = dict(
        session.execute(
            select(Comment.clause_id, func.count())
            .join(Clause, Clause.id == Comment.clause_id)
            .where(Clause.version_id == run.version_id, *_visible_comment_filter())
            .group_by(Comment.clause_id)
        ).all()
    )
    clauses = [
        (clause_rows[k], int(clause_counts_all.get(k, 0)))
        for k in sorted(with_themes, key=lambda k: clause_rows[k].number if k in clause_rows else 0)
        if k in clause_rows
    ]
    duplicates = [
        [i for i in group if i in comments] for group in json.loads(run.duplicates or "[]")
    ]
    duplicates = [g for g in duplicates if len(g) > 1]
    if clause_id is not None:
        in_scope = {cid for rows in members.values() for cid, _k, _s, _p in rows}
        duplicates = [[i for i in g if i in in_scope] for g in duplicates]
        duplicates = [g for g in duplicates if len(g) > 1]
    covered = {cid for rows in members.values() for cid, _k, _s, _p in rows}
    first_ids = [g[0] for g in duplicates]
    first_texts: dict[int, str] = dict(
        session.execute(
            select(Comment.id, Comment.body).where(col(Comment.id).in_(first_ids))
        ).all()
    )
    primary_theme = {
        cid: v.theme for v in views for cid, _k, _s, p in members.get(int(v.theme.id or 0), []) if p
    }
    campaigns = []
    for group in duplicates:
        found = describe(
            group,
            {i: comments[i].body for i in group},
            {i: comments[i].created_at for i in group if comments[i].created_at is not None},
        )
        first = comments[int(found.ids[0])]
        where = primary_theme.get(int(found.ids[0]))
        campaigns.append(
            CampaignView(
                first=first,
                variants=[
                    VariantView(comments[int(v.comment_id)], v.changes) for v in found.variants
                ],
                burst=found.burst,
                burst_copies=found.burst_copies,
                span_minutes=int(found.span.total_seconds() // 60) if found.span else None,
                theme_label=where.label if where else _("Autres"),
                theme_id=int(where.id or 0) if where else None,
            )
        )
    return RunView(
        campaigns=campaigns,
        duplicate_texts=[(len(g), first_texts.get(g[0], "")) for g in duplicates],
        run=run,
        version=version,
        clause=clause,
        themes=views,
        other=other,
        edits=edit_views,
        clauses=clauses,
        duplicates=duplicates,
        comment_count=len(covered),
        parameters=json.loads(run.parameters or "{}"),
    )


EVALUATION_FILE = Path(__file__).resolve().parents[2] / "nlp" / "evaluation.json"


@dataclass(frozen=True)
class Evaluation:
    """The pipeline measured on the held-out half of a hand-labelled set (`make bench` writes
    portal/nlp/evaluation.json; tests/nlp/test_heldout.py checks the floor)."""

    comments: int
    ari: str
    baseline: str
    phrase_share: int
    quote_share: int
    multi_word_share: int | None = None  # labels of two words or more
    themes: int | None = None
    true_themes: int | None = None


def evaluation(path: Path = EVALUATION_FILE) -> Evaluation | None:
    """The figures for the method page, French-formatted; None when not measured yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Evaluation(
            comments=int(data["comments"]),
            ari=f"{float(data['ari']):.2f}".replace(".", ","),
            baseline=f"{float(data['baseline_ari']):.2f}".replace(".", ","),
            phrase_share=round(100 * float(data["label_phrase_share"])),
            quote_share=round(100 * float(data["quote_main_label_share"])),
            multi_word_share=(
                round(100 * float(data["multi_word_label_share"]))
                if "multi_word_label_share" in data
                else None
            ),
            themes=int(data["themes"]) if "themes" in data else None,
            true_themes=int(data["true_themes"]) if "true_themes" in data else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def theme_comments(session: Session, theme: SynthesisTheme) -> list[Comment]:
    stmt = (
        select(Comment)
        .join(SynthesisMember, SynthesisMember.comment_id == Comment.id)
        .where(SynthesisMember.theme_id == theme.id, *_visible_comment_filter())
        .order_by(col(Comment.support_count).desc(), Comment.id)
    )
    return list(session.scalars(stmt))


def other_themes(session: Session, theme: SynthesisTheme) -> list[SynthesisTheme]:
    """Themes of the same run and scope, for the merge and move choices."""
    stmt = select(SynthesisTheme).where(
        SynthesisTheme.run_id == theme.run_id,
        SynthesisTheme.id != theme.id,
        col(SynthesisTheme.merged_into_id).is_(None),
    )
    stmt = stmt.where(
        col(SynthesisTheme.clause_id).is_(None)
        if theme.clause_id is None
        else SynthesisTheme.clause_id == theme.clause_id
    )
    return list(session.scalars(stmt.order_by(SynthesisTheme.position)))


def as_dict(view: RunView) -> dict[str, object]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    def theme(t: ThemeView) -> dict[str, object]:
        return {
            "id": t.theme.id,
            "label": t.theme.label,
            "automatic_label": t.theme.auto_label,
            "key_terms": t.key_terms,
            "size": t.size,
            "automatic_size": t.theme.auto_size,
            "supports": t.supports,
            "share_of_supports": round(t.share_of_supports, 4),
            "clauses": [c.slug for c in t.clauses],
            "representative_comments": [{"id": c.id, "text": c.body} for c in t.representatives],
            "merged_from": t.merged_from,
            "distinct_arguments": t.distinct,
            "coherence": t.theme.coherence,
            "label_source_ids": [c.comment.id for c in t.label_sources],
            "singular_argument_ids": [c.id for c in t.singular],
        }

    return {
        "version": view.version.number,
        "clause": view.clause.slug if view.clause else None,
        "status": view.run.status,
        "computed_at": when(view.run.created_at),
        "published_at": when(view.run.published_at),
        "comment_count": view.comment_count,
        "method": view.parameters,
        "themes": [theme(t) for t in view.themes],
        "other": theme(view.other) if view.other else None,
        "duplicates": view.duplicates,
        "campaigns": [
            {
                "ids": [c.first.id, *(v.comment.id for v in c.variants)],
                "theme": c.theme_label,
                "burst": c.burst,
                "copies_within_an_hour": c.burst_copies,
                "span_minutes": c.span_minutes,
                "variants": [
                    {"id": v.comment.id, "changes": [[ch.op, ch.words] for ch in v.changes]}
                    for v in c.variants
                ],
            }
            for c in view.campaigns
        ],
        "order_stability_ari": view.stability,
        "manual_changes": [
            {
                "kind": e.edit.kind,
                "theme": e.theme_label,
                "target": e.target_label or None,
                "comment_id": e.edit.comment_id,
                "before": e.edit.old_value,
                "after": e.edit.new_value,
                "at": when(e.edit.created_at),
            }
            for e in view.edits
        ],
    }


def as_csv(session: Session, view: RunView) -> str:
    """One row per comment and theme: theme, its automatic label, comment id, supports, text
    (through the one CSV writer, which defuses cells a spreadsheet would run as formulas)."""
    rows: list[list[object]] = []
    themes = [*view.themes, *([view.other] if view.other else [])]
    for t in themes:
        found = session.execute(
            select(Comment, SynthesisMember.is_primary, Clause.slug)
            .join(SynthesisMember, SynthesisMember.comment_id == Comment.id)
            .join(Clause, Clause.id == Comment.clause_id)
            .where(SynthesisMember.theme_id == t.theme.id, *_visible_comment_filter())
            .order_by(Comment.id)
        ).all()
        for comment, primary, slug in found:
            rows.append([t.theme.label, t.theme.auto_label, t.size, comment.id, slug,
                         comment.support_count, "yes" if primary else "no", comment.body])  # fmt: skip
    header = ["theme", "automatic_label", "theme_size", "comment_id", "clause", "supports",
              "primary", "text"]  # fmt: skip
    return write_rows(rows, header=header)
