"""Answers to a question, made only of sentences quoted word for word from the minutes.

1. The question is reduced to its meaningful words (accents folded, stop words and question words
   out; each word with its lemma, as spaCy reads the question; "IA" read as "intelligence
   artificielle"). A word is found as written or by its lemma, stemmed (French Snowball).
2. The search finds the passages that best match those words (BM25 ranking).
3. Within those passages, each sentence is scored by the words of the question it contains, each
   word weighted by its rarity in all the minutes (the IDF of BM25); words found only in the
   deliberation's title count half.
4. A sentence is quoted if it covers at least RELEVANT of the question's weight; when none does,
   the answer says that nothing was found and gives the city's contact, rather than guess.
5. When the question is about a decision, the decision ("Le Conseil municipal, après en avoir
   délibéré, ...") and the vote of the best deliberation are quoted too.
Same question, same minutes: same answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from portal.council.models import Item, Meeting, Passage
from portal.council.nlp import query_groups
from portal.council.search import Filters, candidates, fts5_match, is_sqlite, tsquery
from portal.council.text import Group, group_stems, stem, terms, words

RELEVANT = 0.5
MAX_QUOTES = 3
PASSAGES_READ = 12
# Words of a question that say what is asked, not what about.
QUESTION_WORDS = frozenset(
    terms(" ".join(("conseil", "municipal", "municipale", "ville", "suresnes", "commune", "décidé",
              "décision", "décider", "fait", "faire", "elu", "élus", "sujet", "propos", "concernant",
              "savoir", "voudrais", "veux", "dire", "peut", "peux", "t", "il", "elle")))
)  # fmt: skip
# Stems that say the question is about a decision (décidé, adoptée, votés, approuvé, rejetée...).
DECISION_STEM = re.compile(r"^(?:decid|decis|adopt|approuv|vot|deliber|rejet|accord|autoris)")
# A word of the question (by its stem) -> the words the minutes use for it: every group wanted,
# any word of a group.
SYNONYMS: dict[str, list[Group]] = {
    "ia": [("intelligence",), ("artificielle",)],
    "cantin": [("cantine", "restauration")],
    "impot": [("impot", "imposition", "fiscalite")],
    "velo": [("velo", "cyclable")],
}
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý«\"])")
ABBREVIATION = re.compile(r"(?:\bM|\bMme|\bn°|\bart|\bcf)\.$")


@dataclass(frozen=True)
class Quote:
    text: str
    meeting_date: date
    anchor: int
    deliberation: str | None
    item_title: str | None
    page: int | None
    kind: str  # answer, decision, vote

    @property
    def url(self) -> str:
        return f"/council/m/{self.meeting_date.isoformat()}#p{self.anchor}"


@dataclass(frozen=True)
class Answer:
    question: str
    found: bool
    quotes: list[Quote] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    about_decision: bool = False


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, each a verbatim substring of it."""
    parts: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(paragraph):
        if ABBREVIATION.search(paragraph[start : match.start()]):
            continue
        parts.append(paragraph[start : match.start()])
        start = match.end()
    parts.append(paragraph[start:])
    return [p.strip() for p in parts if p.strip()]


def question_terms(question: str) -> tuple[list[Group], bool]:
    """The words to look for (each with its lemma), and whether the question asks about a
    decision."""
    groups = query_groups(question)
    stems = [s for g in groups for s in group_stems(g)]
    about_decision = any(DECISION_STEM.match(s) for s in stems) or bool(
        re.match(r"\s*quand\b", question, re.I)
    )
    wanted: list[Group] = []
    for group in groups:
        if len(group[0]) < 2 or any(s in QUESTION_WORDS for s in group_stems(group)):
            continue
        synonyms = SYNONYMS.get(stem(group[0]))
        wanted += synonyms or [group]
    return list(dict.fromkeys(wanted)), about_decision


def _key(group: Group) -> str:
    return stem(group[0])


def doc_freq(session: Session, groups: list[Group]) -> tuple[int, dict[str, int]]:
    """Passages in all, and passages with each group's words."""
    total = int(session.scalar(select(func.count()).select_from(Passage)) or 0)
    freq = {}
    for group in groups:
        if is_sqlite(session):
            sql = "SELECT count(*) FROM council_passage_fts WHERE council_passage_fts MATCH :q"
            freq[_key(group)] = int(
                session.scalar(text(sql), {"q": fts5_match([group], False)}) or 0
            )
        else:
            sql = "SELECT count(*) FROM council_passage WHERE tsv @@ to_tsquery('french', :q)"
            freq[_key(group)] = int(session.scalar(text(sql), {"q": tsquery([group], False)}) or 0)
    return total, freq


def _has(group: Group, own: set[str]) -> bool:
    return any(s in own for s in group_stems(group))


def _own_stems(sentence: str, lemmas: dict[str, str]) -> set[str]:
    """The stems of a sentence's words and of their lemmas."""
    found = set()
    for word in words(sentence):
        found.add(stem(word))
        if word in lemmas:
            found.add(stem(lemmas[word]))
    return found


def ask(session: Session, question: str, *, filters: Filters | None = None) -> Answer:
    groups, about_decision = question_terms(question)
    asks_amount = bool(re.search(r"\bcombien\b|\bmontant\b|\bco[uû]t", question, re.I))
    shown = [" / ".join(g) for g in groups]
    if not groups:
        return Answer(question, False, [], [], about_decision)
    total, freq = doc_freq(session, groups)
    # Rare words weigh more (BM25's IDF); "adopté", "voté" say what is asked more than what
    # about, so they count half.
    weight = {
        _key(g): math.log(1 + (total - freq[_key(g)] + 0.5) / (freq[_key(g)] + 0.5))
        * (0.5 if DECISION_STEM.match(_key(g)) else 1.0)
        for g in groups
    }
    full = sum(weight.values())
    ranked = candidates(session, groups, filters=filters or Filters(), limit=PASSAGES_READ)
    if not ranked or full <= 0:
        return Answer(question, False, [], shown, about_decision)
    rows = {
        row[0].id: row
        for row in session.execute(
            select(Passage, Meeting.meeting_date, Item)
            .join(Meeting, col(Meeting.id) == Passage.meeting_id)
            .outerjoin(Item, col(Item.id) == Passage.item_id)
            .where(col(Passage.id).in_([i for i, _ in ranked]))
        ).all()
    }
    scored: list[tuple[float, int, Quote, int | None]] = []
    for rank, (passage_id, _) in enumerate(ranked):
        passage, meeting_date, item = rows[passage_id]
        if passage.kind == "heading":
            continue
        title_stems = set(terms(item.title)) if item else set()
        for sentence in sentences(passage.text):
            own = _own_stems(sentence, passage.lemmas)
            present = [g for g in groups if _has(g, own)]
            if not present:
                continue
            score = sum(weight[_key(g)] for g in present)
            score += 0.5 * sum(
                weight[_key(g)] for g in groups if g not in present and _has(g, title_stems)
            )
            if asks_amount and re.search(r"\d", sentence):
                score += 0.1 * full  # "combien": a sentence with a figure answers better
            if about_decision and passage.kind == "decision":
                score += 0.05 * full  # a question on a decision: the decision itself first
            quote = Quote(sentence, meeting_date, passage.anchor, item.number if item else None,
                          item.title if item else None, passage.page, "answer")  # fmt: skip
            scored.append((score / full, -rank, quote, item.id if item else None))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    if not scored or scored[0][0] < RELEVANT:
        return Answer(question, False, [], shown, about_decision)
    best = scored[0][0]
    quotes: list[Quote] = []
    for coverage, _, quote, _item_id in scored:
        if len(quotes) == MAX_QUOTES or coverage < max(RELEVANT, 0.7 * best):
            break
        if all(q.text != quote.text for q in quotes):
            quotes.append(quote)
    if about_decision and scored[0][3] is not None:
        quotes += _decision_quotes(session, scored[0][3], quotes)
    return Answer(question, True, quotes, shown, about_decision)


def _decision_quotes(session: Session, item_id: int, already: list[Quote]) -> list[Quote]:
    """The decision and the vote of a deliberation, quoted from its passages."""
    rows = session.execute(
        select(Passage, Meeting.meeting_date, Item)
        .join(Meeting, col(Meeting.id) == Passage.meeting_id)
        .join(Item, col(Item.id) == Passage.item_id)
        .where(Passage.item_id == item_id, col(Passage.kind).in_(["decision", "vote"]))
        .order_by(Passage.position)
    ).all()
    quotes = []
    for passage, meeting_date, item in rows:
        if any(q.anchor == passage.anchor for q in already):
            continue
        quotes.append(Quote(passage.text, meeting_date, passage.anchor, item.number, item.title,
                            passage.page, passage.kind))  # fmt: skip
    return quotes
