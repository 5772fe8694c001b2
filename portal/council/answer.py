"""Answers to a question, made only of sentences quoted word for word from the minutes.

1. The question is reduced to its meaningful words (accents folded, stop words and question words
   out; each word with its lemma, as spaCy reads the question), widened by the municipal
   thesaurus and corrected against the index's own vocabulary (portal/council/vocabulary.py). A
   word is found as written, by its lemma, a synonym or its corrected spelling, stemmed (French
   Snowball).
2. The question is read for what it asks (QUESTION_KINDS): an amount (combien, quel coût), a date
   (quand, depuis quand), a person (qui, quel élu, rapporteur), a vote (adopté, unanimité,
   contre, abstention) or a reason (pourquoi).
3. The search finds the passages that best match those words (BM25 ranking).
4. Within those passages, each sentence is scored by the words of the question it contains, each
   word weighted by its rarity in all the minutes (the IDF of BM25); words found only in the
   deliberation's title count half. A sentence that carries the kind of fact asked for (an amount
   in euros, a date, a name, the vote line, a "car"/"afin de") comes first among those that
   cover the question well enough.
5. A sentence is quoted if it covers at least RELEVANT of the question's weight; one that starts
   with a pronoun ("Il annonce que son groupe votera contre.") is quoted with the sentence before
   it, so that the reader knows who "il" is. Every quote names its deliberation's number and
   title. When none qualifies, the answer says so, with what was searched, the closest passages
   as "peut-être utile" and the city's contact, rather than guess.
6. When the question is about a decision, the decision ("Le Conseil municipal, après en avoir
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
from portal.council.nlp import AMOUNT, query_groups
from portal.council.parse import FRENCH_DATE, VOTE
from portal.council.search import (
    Filters,
    Hit,
    candidates,
    fts5_match,
    is_sqlite,
    load_hits,
    ranked_ids,
    tsquery,
    wanted_stems,
)
from portal.council.text import Group, fold, group_stems, has_stems, sentences, stem, terms, words
from portal.council.vocabulary import Expansion, expand

__all__ = ["Answer", "Quote", "ask", "question_kinds", "question_terms", "sentences"]

RELEVANT = 0.5
MAX_QUOTES = 3
PASSAGES_READ = 12
MAYBE_USEFUL = 3
# Words of a question that say what is asked, not what about.
QUESTION_WORDS = frozenset(
    terms(" ".join(("conseil", "municipal", "municipale", "ville", "suresnes", "commune", "décidé",
              "décision", "décider", "fait", "faire", "elu", "élus", "sujet", "propos", "concernant",
              "savoir", "voudrais", "veux", "dire", "peut", "peux", "t", "il", "elle", "prevu",
              "prevue", "qui", "quoi", "est-ce", "ce")))
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
# What a question asks for, read on its folded text.
QUESTION_KINDS = {
    "amount": re.compile(r"\bcombien\b|\bmontants?\b|\bcout|\bcoute|\bprix\b|\btarifs?\b|"
                         r"\bcher\b|\bfinance|\bsubvention|\bbudget\b|\beuros?\b"),
    "date": re.compile(r"\bquand\b|\bquelle date\b|\bdepuis quand\b|\bjusqu.a quand\b|"
                       r"\ba partir de quand\b|\bquel jour\b|\bquel mois\b|\bquelle annee\b|"
                       r"\ben quelle annee\b|\bdates?\b|\bdelais?\b|\bhoraires?\b"),
    "person": re.compile(r"^\s*qui\b|\bpar qui\b|\bqui (?:a|ont|est|sont|va|vont|etait)\b|"
                         r"\bquels? elus?\b|\bquelles? elues?\b|\brapporteu|\bnom\b|"
                         r"\bqui (?:presente|preside|porte|gere|dirige)"),
    "vote": re.compile(r"\badopt|\bvot|\bunanimit|\bcontre\b|\babstenu|\babstention|"
                       r"\bapprouv|\brejet"),
    "reason": re.compile(r"\bpourquoi\b|\braisons?\b|\bmotifs?\b|\bjustifi|\bcause\b"),
}  # fmt: skip
MONTH_NAMES = (r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|"
               r"novembre|d[ée]cembre")  # fmt: skip
# What a sentence carries, read on its text as written.
SENTENCE_FACTS = {
    "amount": re.compile(AMOUNT.pattern + r"|\d\s*(?:€|k€|M€)|\d[\d  ,]*\s*%|\bmillions?\b|"
                         r"\bgratuit", re.I),
    "date": re.compile(FRENCH_DATE.pattern + rf"|\b(?:{MONTH_NAMES})\b|\b(?:19|20)\d{{2}}\b|"
                       r"\b(?:printemps|été|automne|hiver|rentrée)\b|\b\d{1,2}\s*h\b|"
                       r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b", re.I),
    "person": re.compile(r"\b(?:M\.|Mme|MM\.|Monsieur|Madame|Maître)\s+[A-ZÀ-Ý]|"
                         r"\bRapporteu(?:r|se)\b|(?<=[a-zà-ÿ,] )[A-ZÀ-Ý][a-zà-ÿ]+ [A-ZÀ-Ý][A-ZÀ-Ýa-zà-ÿ-]+"),
    "vote": re.compile(VOTE.pattern.lstrip("^") + r"|\bunanimit|\bpour\s*:\s*\d|\bcontre\s*:\s*\d|"
                       r"\babstentions?\b|\bs'abst|\bvot(?:e|é|ent|era|eront|ant)\b|"
                       r"\badopt|\brejet|\bcontre\b", re.I),
    "reason": re.compile(r"\bcar\b|\bparce qu|\ben raison\b|\bafin\b|\bdu fait\b|\bcompte tenu\b|"
                         r"\bà cause\b|\bjustifi|\bd[ûu]e? à\b|\bs'explique|\bmotif|\bobjectif|"
                         r"\bvise à\b|\bpour (?:permettre|éviter|limiter|réduire|répondre)\b|"
                         r"\ben effet\b|\bc'est pourquoi\b|\bsuite à\b|\bdès lors\b", re.I),
}  # fmt: skip
# A sentence that starts this way needs the one before it to be understood.
NEEDS_CONTEXT = re.compile(
    r"^(?:Il|Elle|Ils|Elles|Celui-ci|Celle-ci|Ceux-ci|Celles-ci|Cela|Ceci|Ce dernier|"
    r"Cette dernière|Son|Sa|Ses|Leur|Leurs|Lui|Eux|Selon lui|Selon elle|En revanche|Toutefois|"
    r"Cependant|Pour sa part|De son côté)\b"
)
KIND_BONUS = 0.3


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
    kinds: list[str] = field(default_factory=list)  # what the question asks: amount, date...
    maybe: list[Hit] = field(default_factory=list)  # when not found: the closest passages
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> index word
    unknown: list[str] = field(default_factory=list)  # words no passage has


def question_kinds(question: str) -> list[str]:
    """What the question asks for: amount, date, person, vote, reason (several may apply)."""
    folded = fold(question)
    return [kind for kind, rx in QUESTION_KINDS.items() if rx.search(folded)]


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
    return any(has_stems(s, own) for s in group_stems(group))


def _own_stems(sentence: str, lemmas: dict[str, str]) -> set[str]:
    """The stems of a sentence's words and of their lemmas."""
    found = set()
    for word in words(sentence):
        found.add(stem(word))
        if word in lemmas:
            found.add(stem(lemmas[word]))
    return found


def _with_context(passage_text: str, parts: list[str], n: int) -> str:
    """Sentence n, with the one before it when it starts with a pronoun: a verbatim slice."""
    sentence = parts[n]
    if n == 0 or not NEEDS_CONTEXT.match(sentence):
        return sentence
    start = passage_text.find(parts[n - 1])
    end = passage_text.find(sentence, start + len(parts[n - 1])) + len(sentence)
    return passage_text[start:end] if start >= 0 and end > start else sentence


def _maybe_useful(session: Session, groups: list[Group], filters: Filters) -> list[Hit]:
    """The passages nearest to the question (any of its words), offered when nothing answers."""
    ranked = ranked_ids(session, groups, filters=filters, limit=MAYBE_USEFUL * 3, any_term=True)
    hits = load_hits(session, ranked, wanted_stems(groups))
    return [h for h in hits if h.kind != "heading"][:MAYBE_USEFUL]


def ask(session: Session, question: str, *, filters: Filters | None = None) -> Answer:
    filters = filters or Filters()
    typed, about_decision = question_terms(question)
    kinds = question_kinds(question)
    if not typed:
        return Answer(question, False, [], [], about_decision, kinds)
    expansion: Expansion = expand(session, typed)
    groups = expansion.groups
    shown = [" / ".join(g) for g in groups]

    def not_found() -> Answer:
        return Answer(question, False, [], shown, about_decision, kinds,
                      _maybe_useful(session, groups, filters), expansion.corrections,
                      expansion.unknown)  # fmt: skip

    total, freq = doc_freq(session, groups)
    # Rare words weigh more (BM25's IDF); "adopté", "voté" say what is asked more than what
    # about, so they count half.
    weight = {
        _key(g): math.log(1 + (total - freq[_key(g)] + 0.5) / (freq[_key(g)] + 0.5))
        * (0.5 if DECISION_STEM.match(_key(g)) else 1.0)
        for g in groups
    }
    full = sum(weight.values())
    ranked = candidates(session, groups, filters=filters, limit=PASSAGES_READ)
    if not ranked or full <= 0:
        return not_found()
    rows = {
        row[0].id: row
        for row in session.execute(
            select(Passage, Meeting.meeting_date, Item)
            .join(Meeting, col(Meeting.id) == Passage.meeting_id)
            .outerjoin(Item, col(Item.id) == Passage.item_id)
            .where(col(Passage.id).in_([i for i, _ in ranked]))
        ).all()
    }
    facts = [SENTENCE_FACTS[k] for k in kinds]
    scored: list[tuple[float, float, int, Quote, int | None]] = []
    for rank, (passage_id, _) in enumerate(ranked):
        passage, meeting_date, item = rows[passage_id]
        if passage.kind == "heading":
            continue
        title_stems = set(terms(item.title)) if item else set()
        parts = sentences(passage.text)
        for n, sentence in enumerate(parts):
            own = _own_stems(sentence, passage.lemmas)
            present = [g for g in groups if _has(g, own)]
            if not present:
                continue
            score = sum(weight[_key(g)] for g in present)
            score += 0.5 * sum(
                weight[_key(g)] for g in groups if g not in present and _has(g, title_stems)
            )
            if about_decision and passage.kind == "decision":
                score += 0.05 * full  # a question on a decision: the decision itself first
            coverage = score / full
            # The kind of fact asked for puts a sentence first among those that cover the
            # question well enough; it never makes an unrelated sentence an answer.
            bonus = KIND_BONUS if any(rx.search(sentence) for rx in facts) else 0.0
            quote = Quote(_with_context(passage.text, parts, n), meeting_date, passage.anchor,
                          item.number if item else None, item.title if item else None,
                          passage.page, "answer")  # fmt: skip
            scored.append((coverage + bonus, coverage, -rank, quote, item.id if item else None))
    scored = [s for s in scored if s[1] >= RELEVANT]
    if not scored:
        return not_found()
    scored.sort(key=lambda s: (s[0], s[2]), reverse=True)
    best = scored[0][0]
    quotes: list[Quote] = []
    for total_score, _, _, quote, _item_id in scored:
        if len(quotes) == MAX_QUOTES or total_score < 0.7 * best:
            break
        if all(quote.text not in q.text and q.text not in quote.text for q in quotes):
            quotes.append(quote)
    if (about_decision or "vote" in kinds) and scored[0][4] is not None:
        quotes += _decision_quotes(session, scored[0][4], quotes)
    return Answer(question, True, quotes, shown, about_decision, kinds, [],
                  expansion.corrections, expansion.unknown)  # fmt: skip


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
