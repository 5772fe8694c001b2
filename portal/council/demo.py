"""Demo: ingest the minutes written for the demo in content/council/ (Markdown and, rendered by
pdfgen.py at set-up, PDF), then let spaCy index them; two residents' questions forwarded to the
clerk's office, one of them answered."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from portal.council import forwarded, pdfgen
from portal.council.ingest import index_entities, ingest_paths
from portal.db import session_scope
from portal.errors import Conflict
from portal.settings import Settings


def load_demo(
    engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Callable[[str], None]
) -> None:
    folder = settings.content_dir / "council"
    if not folder.exists():
        progress("council: no demo minutes")
        return
    pdf_folder = folder / "pdf"
    sources = sorted((folder / "pdf-sources").glob("*.md"))
    if sources and not all((pdf_folder / f"{s.stem}.pdf").exists() for s in sources):
        pdfgen.generate(folder / "pdf-sources", pdf_folder)
    files = sorted(folder.glob("*.md")) + sorted(pdf_folder.glob("*.pdf"))
    results, errors = ingest_paths(engine, files, actor_id=accounts.get("agent"))
    for error in errors:
        progress(f"council: refused {error}")
    created = sum(1 for r in results if r.status != "unchanged")
    indexed = index_entities(engine)
    progress(
        f"council: {len(results)} meetings ({created} new or corrected), "
        f"{indexed} passages read by spaCy"
    )
    _questions(engine, accounts, progress)


# Residents' questions the minutes do not answer, forwarded to the clerk's office: one answered
# (the public "Questions des habitants" and its permanent page), one waiting (the desk).
DEMO_QUESTIONS: tuple[tuple[str, str | None], ...] = (
    (
        "Où peut-on lire les procès-verbaux des séances d'avant 2024 ?",
        "Les procès-verbaux antérieurs à 2024 se consultent aux archives municipales, sur "
        "rendez-vous, et à l'accueil de la mairie sur demande. Ils rejoindront ce portail au fur "
        "et à mesure de leur numérisation.",
    ),
    ("Le conseil municipal des jeunes sera-t-il consulté sur la charte de l'IA ?", None),
)


def _questions(engine: Engine, accounts: dict[str, int], progress: Callable[[str], None]) -> None:
    resident, agent = accounts.get("habitant"), accounts.get("agent")
    if resident is None or agent is None:
        return
    added = 0
    with session_scope(engine) as session:
        for text, reply in DEMO_QUESTIONS:
            try:
                question = forwarded.forward(session, asker_id=resident, text=text)
            except Conflict:
                continue  # loaded before: loading the demo again adds nothing
            added += 1
            if reply and question.id is not None:
                forwarded.answer(session, question_id=question.id, agent_id=agent, text=reply)
    progress(f"council: {added} residents' questions forwarded")
