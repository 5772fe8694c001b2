"""The harness of the blind evaluation sets (tests/council/eval2/, eval3/): the minutes written
as they are or as PDF, and the passage-level figures of one half of a set (test_eval2.py,
test_eval3.py). Tune on the dev half only."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import cast

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.council import pdfgen
from portal.council.answer import ask
from portal.council.ingest import index_entities, ingest_paths
from portal.council.models import Meeting, Passage
from portal.council.search import search
from portal.db import session_scope

EVAL2 = Path(__file__).with_name("eval2")
# Minutes of an evaluation set: plain text (eval2) or Markdown (eval3), ingested as they are.
SOURCES = ("*.txt", "*.md")
# PORTAL_EVAL_DEV_ONLY=1: evaluate the dev half only (for tuning; the test half's assertions are
# then not made, so CI never sets it).
DEV_ONLY = os.environ.get("PORTAL_EVAL_DEV_ONLY") == "1"


@dataclass
class Figures:
    split: str
    form: str
    backend: str
    answerable: int
    unanswerable: int
    recall_at_1: float
    recall_at_5: float
    mrr_at_10: float
    quotes_answer: float  # share of answerable questions whose answer quotes the answering text
    not_found_precision: float
    not_found_recall: float
    verbatim: float  # share of quotes found word for word in their passage
    unlocated: int  # answer texts found in no passage (a segmentation fault, counted as misses)


def _norm(text: str) -> str:
    """Whitespace collapsed, and Markdown's strong emphasis marks left out: an answer copied
    from a Markdown source ("passe de 3,20 € à **3,35 €**") is located in the passage as a
    resident reads it, the marks rendered (eval7, eval8)."""
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def _questions(directory: Path = EVAL2) -> list[dict[str, object]]:
    return list(yaml.safe_load((directory / "questions.yaml").read_text(encoding="utf-8")))


def sources(directory: Path = EVAL2) -> list[Path]:
    """The set's minutes, in name order."""
    return sorted(p for pattern in SOURCES for p in (directory / "minutes").glob(pattern))


def _pdf(text: str) -> bytes:
    """The PDF form of a source: Markdown with a front matter as the demo's PDFs are made, any
    other text line for line."""
    if text.startswith("---\n"):
        return pdfgen.render_text(text)
    return pdfgen.render_plain(text)


def files(form: str, target: Path, directory: Path = EVAL2) -> list[Path]:
    """The set's minutes written to `target` as they are (text form) or as PDF."""
    paths = []
    for source in sources(directory):
        if form == "text":
            path = target / source.name
            path.write_bytes(source.read_bytes())
        else:
            path = target / f"{source.stem}.pdf"
            path.write_bytes(_pdf(source.read_text(encoding="utf-8")))
        paths.append(path)
    return paths


def evaluate(
    engine: Engine, split: str, form: str, backend: str, directory: Path = EVAL2
) -> tuple[Figures, list[str]]:
    """The figures of one half of the set, and a line per miss (for tuning on dev)."""
    questions = [q for q in _questions(directory) if q["split"] == split]
    misses: list[str] = []
    with session_scope(engine, write=False) as session:
        rows = session.execute(
            select(Passage.id, Meeting.meeting_date, Passage.text, Passage.anchor).join(
                Meeting,
                Meeting.id == Passage.meeting_id,
            )
        ).all()
        by_anchor = {(r.meeting_date, r.anchor): _norm(r.text) for r in rows}
        answerable = [q for q in questions if q["answers"]]
        unanswerable = [q for q in questions if not q["answers"]]
        at1 = at5 = reciprocal = quoted = 0.0
        unlocated = 0
        quotes = verbatim = 0
        said_not_found = correct_not_found = 0
        for q in questions:
            answers = cast(list[dict[str, object]], q["answers"])
            texts = [_norm(str(a["text"])) for a in answers]
            wanted = set()
            for a, t in zip(answers, texts, strict=True):
                # a date written as YAML's date or quoted ('2025-02-27', eval7)
                day = date.fromisoformat(str(a["date"]))
                found = {r.id for r in rows if r.meeting_date == day and t in _norm(r.text)}
                unlocated += not found
                wanted |= found
            reply = ask(session, str(q["q"]))
            for quote in reply.quotes:
                quotes += 1
                verbatim += _norm(quote.text) in by_anchor.get(
                    (quote.meeting_date, quote.anchor), ""
                )
            if not reply.found:
                said_not_found += 1
                correct_not_found += not answers
            if not answers:
                if reply.found:
                    misses.append(f"ANSWERED (should not): {q['q']} -> {reply.quotes[0].text[:80]}")
                continue
            ranked = [h.passage_id for h in search(session, str(q["q"]), limit=10).hits]
            at1 += bool(wanted & set(ranked[:1]))
            at5 += bool(wanted & set(ranked[:5]))
            rank = next((n for n, i in enumerate(ranked, 1) if i in wanted), None)
            reciprocal += 1 / rank if rank else 0.0
            hit = any(t in _norm(qt.text) for qt in reply.quotes for t in texts)
            quoted += hit
            if not rank or rank > 5 or not hit:
                misses.append(
                    f"[{q['kind']}] rank={rank} quoted={hit} found={reply.found}: {q['q']}"
                    f" | want: {texts[0][:60]} | got: {(reply.quotes[0].text[:80] if reply.quotes else '-')}"
                )
    n = max(1, len(answerable))
    figures = Figures(
        split=split, form=form, backend=backend, answerable=len(answerable),
        unanswerable=len(unanswerable), recall_at_1=at1 / n, recall_at_5=at5 / n,
        mrr_at_10=reciprocal / n, quotes_answer=quoted / n,
        not_found_precision=correct_not_found / said_not_found if said_not_found else 1.0,
        not_found_recall=correct_not_found / len(unanswerable) if unanswerable else 1.0,
        verbatim=verbatim / quotes if quotes else 1.0, unlocated=unlocated,
    )  # fmt: skip
    return figures, misses


def report(figures: Figures, misses: list[str], name: str = "eval2") -> None:
    print(
        f"council {name} [{figures.backend}, {figures.form}, {figures.split}] "
        f"R@1={figures.recall_at_1:.3f} R@5={figures.recall_at_5:.3f} "
        f"MRR@10={figures.mrr_at_10:.3f} quotes={figures.quotes_answer:.3f} "
        f"NF-P={figures.not_found_precision:.3f} NF-R={figures.not_found_recall:.3f} "
        f"verbatim={figures.verbatim:.3f} unlocated={figures.unlocated} "
        f"(n={figures.answerable}+{figures.unanswerable})"
    )
    if figures.split == "dev":
        for miss in misses:
            print("   dev miss:", miss)
    if path := os.environ.get("PORTAL_EVAL2_REPORT"):
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"set": name, **asdict(figures)}) + "\n")


def measure(
    engine: Engine, db_url: str, tmp_path: Path, form: str, directory: Path, name: str
) -> dict[str, Figures]:
    """A set's minutes ingested in `form` (spaCy's lemmas and entities read), then the figures of
    each half evaluated (the dev half only with PORTAL_EVAL_DEV_ONLY=1) and reported; every quote
    verbatim in every half."""
    results, errors = ingest_paths(engine, files(form, tmp_path, directory))
    assert errors == [] and len(results) == len(sources(directory))
    assert index_entities(engine) > 0
    backend = db_url.split(":", 1)[0].split("+")[0]
    figures = {}
    for split in ("dev",) if DEV_ONLY else ("dev", "test"):
        figures[split], misses = evaluate(engine, split, form, backend, directory)
        report(figures[split], misses, name)
        assert figures[split].verbatim == 1.0, figures[split]
    return figures


def assert_floors(test: Figures, floors: dict[str, float | None]) -> None:
    """The test half at or above its floors (None: nothing asserted)."""
    if floors["recall@5"] is not None:
        assert test.recall_at_5 >= floors["recall@5"], test
    if floors["not_found_recall"] is not None:
        assert test.not_found_recall >= floors["not_found_recall"], test


def measure_against_floors(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    form: str,
    directory: Path,
    name: str,
    floors: dict[str, float | None],
) -> dict[str, Figures]:
    """`measure`, then the test half at or above its floors (not with PORTAL_EVAL_DEV_ONLY=1)."""
    figures = measure(engine, db_url, tmp_path, form, directory, name)
    if not DEV_ONLY:
        assert_floors(figures["test"], floors)
    return figures
