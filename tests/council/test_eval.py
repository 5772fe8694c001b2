"""Quality of retrieval on our evaluation set: recall@5 and MRR@10, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.council.answer import question_terms
from portal.council.ingest import index_entities
from portal.council.models import Meeting, Passage
from portal.council.search import Filters, candidates, search
from portal.db import session_scope
from portal.settings import DEMO_CITY

QUESTIONS = Path(__file__).with_name("eval_questions.yaml")
MIN_RECALL_AT_5 = 0.9


def evaluate(engine: Engine) -> dict[str, tuple[float, float]]:
    """{'search': (recall@5, MRR@10), 'ask': (...)} over the evaluation questions.

    recall@5: share of questions with a passage that answers them among the first 5 results;
    MRR@10: mean of 1/rank of the first answering passage within the first 10 (0 if none).
    'search' is the search box given the question as typed; 'ask' is the retrieval the answers
    are built from (question words removed, "IA" expanded).
    """
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    figures = {}
    with session_scope(engine, write=False) as session:
        rows = session.execute(
            select(Passage.id, Meeting.meeting_date, Passage.text).join(
                Meeting,
                Meeting.id == Passage.meeting_id,  # type: ignore[arg-type]
            )
        ).all()
        relevant = []
        for q in questions:
            ids = set()
            for answer in q["answers"]:
                found = [
                    r.id
                    for r in rows
                    if r.meeting_date == answer["date"] and answer["text"] in r.text
                ]
                assert len(found) == 1, f"{q['q']}: {answer} matches {len(found)} passages"
                ids |= set(found)
            relevant.append(ids)
        for mode in ("search", "ask"):
            hits5, reciprocal = 0, 0.0
            for q, wanted in zip(questions, relevant, strict=True):
                if mode == "search":
                    ranked = [h.passage_id for h in search(session, q["q"], limit=10).hits]
                else:
                    groups, _ = question_terms(q["q"], city=DEMO_CITY.short_name)
                    ranked = [
                        i for i, _ in candidates(session, groups, filters=Filters(), limit=10)
                    ]
                hits5 += bool(wanted & set(ranked[:5]))
                reciprocal += next((1 / n for n, i in enumerate(ranked, 1) if i in wanted), 0.0)
            figures[mode] = (hits5 / len(questions), reciprocal / len(questions))
    return figures


def test_evaluation_set_recall_and_mrr(engine: Engine, demo_minutes: None, db_url: str) -> None:
    """At least 60 questions; recall@5 of the search and of the answers' retrieval >= 0.9, as
    soon as the minutes are ingested (words) and once spaCy has read them (words and lemmas)."""
    assert len(yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))) >= 60
    backend = db_url.split(":", 1)[0]
    for stage in ("words", "words and lemmas"):
        if stage == "words and lemmas":
            assert index_entities(engine) > 200
        figures = evaluate(engine)
        for mode, (recall, mrr) in figures.items():
            print(
                f"council eval [{backend}, {stage}] {mode}: recall@5={recall:.3f} MRR@10={mrr:.3f}"
            )
        assert figures["search"][0] >= MIN_RECALL_AT_5, (stage, figures)
        assert figures["ask"][0] >= MIN_RECALL_AT_5, (stage, figures)
