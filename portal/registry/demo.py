"""Demo: publish the entries written for the demo in content/registry/, then a little life:
a resident's question answered by the owner, one still open, an agent's draft to review, and an
unfinished entry the agent kept without sending it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portal.consultation.services import published_clauses
from portal.db import session_scope
from portal.registry import services
from portal.registry.commitments import services as commitments
from portal.registry.editor import services as incomplete
from portal.registry.loader import EntryError, load_folder, to_text
from portal.registry.models import Question
from portal.settings import Settings


def load_demo(
    engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Callable[[str], None]
) -> None:
    folder = settings.content_dir / "registry"
    try:
        entries = load_folder(folder)
    except EntryError as exc:
        progress(f"registry: refused ({exc})")
        return
    with session_scope(engine) as session:
        result = services.import_entries(session, entries, owner_id=accounts.get("agent"))
    progress(f"registry: {len(entries)} entries ({result.created} new, {result.updated} updated)")
    if {"habitant", "agent"} <= accounts.keys():
        _activity(engine, accounts, progress)
    _commitments(engine, accounts, progress)


def _commitments(engine: Engine, accounts: dict[str, int], progress: Callable[[str], None]) -> None:
    """The four promises of issue 15, as checkable commitments on the published clauses."""
    with session_scope(engine) as session:
        if commitments.all_commitments(session):
            return
        clauses = [c.slug for c in published_clauses(session)]
        added = 0
        for rule in commitments.DEMO_COMMITMENTS:
            if rule["clause"] in clauses:
                commitments.add(session, actor_id=accounts.get("elu") or accounts.get("agent"),
                                clauses=clauses, **rule)  # fmt: skip
                added += 1
    progress(f"registry: {added} checkable commitments")


def _activity(engine: Engine, accounts: dict[str, int], progress: Callable[[str], None]) -> None:
    with session_scope(engine) as session:
        if session.scalar(select(func.count()).select_from(Question)):
            return
        answered = services.ask(
            session, slug="chatbot-habitants", author_id=accounts["habitant"], kind="question",
            body="Les conversations avec l'assistant servent-elles à entraîner le modèle du prestataire ?",
        )  # fmt: skip
        services.answer(
            session, question_id=answered.id, actor_id=accounts["agent"], roles=["agent"],
            body="Non. Le contrat interdit au prestataire de réutiliser les conversations, qui sont "
            "supprimées au bout de trois mois.",
        )  # fmt: skip
        # A plausible delay, so the median time to answer means something in the demo.
        assert answered.answered_at is not None
        answered.created_at = answered.answered_at - timedelta(hours=26)
        services.ask(
            session, slug="voicebot-hors-horaires", author_id=accounts["habitant"], kind="problem",
            body="J'ai demandé un rappel samedi soir et personne ne m'a rappelé lundi.",
        )  # fmt: skip
        copilot = services.get_published(session, "copilot-agents")
        data = dict(copilot.data or {})
        data["encounter"] = dict(
            data["encounter"],
            labelling=data["encounter"]["labelling"]
            + " La mention figure aussi en pied de chaque courriel rédigé avec son aide.",
        )
        services.draft(
            session, text=to_text(data), summary="Mention de l'IA en pied des courriels",
            author_id=accounts["agent"], slug="copilot-agents",
        )  # fmt: skip
        # Kept half-typed: the demo agent finds it on "Mon espace", with its errors.
        incomplete.keep(
            session, author_id=accounts["agent"], system_id=None,
            summary="Nouvel outil de tri du courrier",
            form={"name": "Tri automatique du courrier entrant",
                  "summary": "Propose le service destinataire de chaque courrier reçu ; un agent "
                             "confirme avant l'envoi.",
                  "status": "study", "next_review": "à fixer avec la DSI"},
        )  # fmt: skip
    progress("registry: 2 questions (1 answered), 1 draft to review, 1 unfinished draft kept")
