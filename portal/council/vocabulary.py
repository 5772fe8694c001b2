"""Residents' words and the minutes' words: thesaurus, lemmas and spelling, each match explained.

A query's words (portal/council/nlp.py: query_groups, each with its lemma) are widened in three
ways, and every alternative remembers the route that brought it:
- "écrit": the word as typed (accents and case aside);
- "lemme": its lemma, as spaCy reads the question ("rouvrira" -> "rouvrir");
- "synonyme": the municipal thesaurus (content/thesaurus.txt: "vidéosurveillance" ->
  "vidéoprotection", "hôtel de ville" -> "mairie"), phrases included;
- "orthographe": a word that no passage contains is replaced by the closest word of the index's
  own vocabulary (Damerau-Levenshtein distance 1, 2 from nine letters, same first letter and
  about the same length, the most frequent first, with rapidfuzz): "piscinne" -> "piscine",
  "bugdet" -> "budget"; the search then offers
  "Vouliez-vous dire … ?".
Whether a word is in the minutes is read in the index's vocabulary (the stems of every passage's
words, lemmas and title words, read once and kept per process until passages are added or
removed: one small query per search to know that); only a word it lacks is asked of the
full-text index itself (a word whose lemma spaCy added since), then corrected. Corrections are
kept with the vocabulary, so a misspelt word costs the edit-distance scan once.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from portal.council.fulltext import any_passage_has, index_state
from portal.council.text import Group, stem
from portal.db import database_key
from portal.nlp.french import fold, thesaurus

WRITTEN, LEMMA, SYNONYM, SPELLING = "écrit", "lemme", "synonyme", "orthographe"
ROUTE_LABELS = {WRITTEN: "tel qu'écrit", LEMMA: "lemme", SYNONYM: "synonyme",
                SPELLING: "orthographe corrigée"}  # fmt: skip


@dataclass(frozen=True)
class Expansion:
    groups: list[Group]
    # stem of an alternative's word -> (the query's word, route)
    routes: dict[str, tuple[str, str]] = field(default_factory=dict)
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> index word
    unknown: list[str] = field(default_factory=list)  # words found nowhere, even corrected
    # The same groups without the thesaurus's synonyms: the query's own words (as written, their
    # lemma, their corrected spelling), which the ranking weighs above the synonyms.
    own: list[Group] = field(default_factory=list)

    def suggestion(self, query: str) -> str | None:
        """The query with its misspelt words replaced, for "Vouliez-vous dire … ?"."""
        if not self.corrections:
            return None
        out = []
        for token in query.split():
            bare = token.strip("?!.,;:«»\"'()")
            key = fold(bare)
            out.append(
                token.replace(bare, self.corrections[key]) if key in self.corrections else token
            )
        return " ".join(out)


@dataclass
class _Vocabulary:
    stamp: tuple[tuple[int, str], ...]  # fulltext.IndexState.stamp
    counts: Counter[str]
    stems: frozenset[str]  # of the words, lemmas and title words of every passage
    words: list[str]
    corrections: dict[str, str | None] = field(default_factory=dict)  # closest_word, kept
    # What the index said of groups the vocabulary lacks, until spaCy reads more passages (their
    # lemmas join the index without changing the passages' count or ids).
    checked: dict[Group, bool] = field(default_factory=dict)
    pending: int = -1  # passages spaCy had not read when `checked` was filled

    def has(self, group: Group) -> bool:
        """Whether some passage has a one-word alternative of the group (stemmed)."""
        return any(" " not in w and stem(w) in self.stems for w in group)


_lock = threading.Lock()
_cache: dict[str, _Vocabulary] = {}


def vocabulary(session: Session) -> _Vocabulary:
    """The folded words of every passage (and their lemmas), with their frequencies: read again
    when minutes are added, corrected or removed (fulltext.index_state)."""
    state = index_state(session)
    stamp, pending = state.stamp, state.pending
    key = database_key(session)
    with _lock:
        known = _cache.get(key)
    if known is not None and known.stamp == stamp:
        if known.pending != pending:
            known.checked.clear()
            known.pending = pending
        return known
    counts: Counter[str] = Counter()
    titles: set[str] = set()
    for search_text, lemmas, title in session.execute(
        text("SELECT search_text, search_lemmas, search_title FROM council_passage")
    ):
        counts.update(search_text.split())
        counts.update(lemmas.split())
        if title:
            titles.update(title.split())
    built = _Vocabulary(
        stamp,
        counts,
        frozenset(stem(w) for w in set(counts) | titles),
        [w for w in counts if len(w) > 2 and not w.isdigit()],
        pending=pending,
    )
    with _lock:
        _cache[key] = built
    return built


def closest_word(word: str, vocab: _Vocabulary) -> str | None:
    """The index's word nearest to a misspelt one, or None when none is near enough (kept with
    the vocabulary: the scan of its words runs once per word)."""
    if word in vocab.corrections:
        return vocab.corrections[word]
    found_word = _closest_word(word, vocab)
    if len(vocab.corrections) < 20_000:
        vocab.corrections[word] = found_word
    return found_word


def _closest_word(word: str, vocab: _Vocabulary) -> str | None:
    if len(word) < 5 or word.isdigit():
        return None
    limit = 1 if len(word) < 9 else 2
    found = process.extract(
        word, vocab.words, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=20
    )
    # Typing slips keep the first letter and about the length: "remettre" is not a slip for
    # "mettre", whatever the distance says.
    found = [f for f in found if f[0][0] == word[0] and abs(len(f[0]) - len(word)) <= 1]
    if not found:
        return None
    best = min(found, key=lambda f: (f[1], -vocab.counts[f[0]], f[0]))
    return str(best[0])


def expand(session: Session, groups: list[Group]) -> Expansion:
    """The query's groups widened by the thesaurus and spelling, with the route of each word."""
    table = thesaurus()
    vocab = vocabulary(session)
    routes: dict[str, tuple[str, str]] = {}
    corrections: dict[str, str] = {}
    unknown: list[str] = []

    def note(alternative: str, typed: str, route: str) -> None:
        for w in alternative.split():
            routes.setdefault(stem(w), (typed, route))

    # Phrases of the thesaurus over consecutive words ("hôtel de ville") become one group.
    heads = [g[0] for g in groups]
    spans = {start: (end, phrase, syn) for start, end, phrase, syn in table.expand(heads)}
    widened: list[Group] = []
    own: list[Group] = []
    i = 0
    while i < len(groups):
        if i in spans and spans[i][0] - i > 1:
            end, phrase, synonyms = spans[i]
            note(phrase, phrase, WRITTEN)
            for s in synonyms:
                note(s, phrase, SYNONYM)
            widened.append((phrase, *synonyms))
            own.append((phrase,))
            i = end
            continue
        group = groups[i]
        typed = group[0]
        note(typed, typed, WRITTEN)
        for lemma in group[1:]:
            note(lemma, typed, LEMMA)
        alternatives = list(group)
        for word in list(alternatives):
            for s in table.synonyms(word):
                if s not in alternatives:
                    note(s, typed, SYNONYM)
                    alternatives.append(s)
        own_words = list(group)
        if not _present(session, vocab, group):
            if len(alternatives) > len(group) and _present(session, vocab, tuple(alternatives)):
                # The resident's word is not the minutes' word: its synonyms stand for it fully.
                own_words = list(alternatives)
            else:
                # The closest word of the index's vocabulary, if one is near enough.
                corrected = closest_word(typed, vocab)
                if corrected:
                    corrections[typed] = corrected
                    note(corrected, typed, SPELLING)
                    alternatives.append(corrected)
                    own_words.append(corrected)
                    for s in table.synonyms(corrected):
                        if s not in alternatives:
                            note(s, typed, SYNONYM)
                            alternatives.append(s)
                else:
                    unknown.append(typed)
        widened.append(tuple(dict.fromkeys(alternatives)))
        own.append(tuple(dict.fromkeys(own_words)))
        i += 1
    return Expansion(widened, routes, corrections, unknown, own)


def _present(session: Session, vocab: _Vocabulary, group: Group) -> bool:
    """Whether some passage has a word of the group: the vocabulary says yes for most words
    without a query; the index is asked only for what the vocabulary lacks (a phrase, or a lemma
    spaCy added to passages since the vocabulary was read), once until spaCy reads more."""
    if vocab.has(group):
        return True
    known = vocab.checked.get(group)
    if known is None:
        known = any_passage_has(session, group)
        if len(vocab.checked) < 20_000:
            vocab.checked[group] = known
    return known


def warm(engine: Engine) -> None:
    """Read the index's vocabulary now (about 1.5 s for 56,000 passages), so that the first search
    with a misspelt word after start-up does not wait for it: the app calls this at start, in a
    thread, after loading spaCy. A database without the council's tables is left alone."""
    try:
        with Session(engine) as session:
            vocabulary(session)
    except SQLAlchemyError:
        return
