"""The council's search keys, built on the shared French keys of portal.nlp.french.

Three forms of a passage's words are kept (see portal/council/search.py):
- `search_text`: its words, accents folded, our stop words out ("piscines municipales"); PostgreSQL
  indexes it with its `french` text search configuration, which stems it;
- `fts_text(search_text)`: the same words stemmed in Python by the same Snowball algorithm
  ("piscin municipal"), for SQLite's FTS5, which has no French stemmer;
- `search_lemmas`: the lemmas spaCy gives the words whose stem they change ("travaux" ->
  "travail", "vont" -> "aller"), added by the AI reading (portal/council/nlp.py).
A query is reduced to groups of words the same way: each word as written, and its lemma.
"""

from __future__ import annotations

import re

from portal.nlp.french import STOP_WORDS, WORD, fold, stem, terms

__all__ = [
    "STOP_WORDS",
    "WORD",
    "Group",
    "fold",
    "fts_text",
    "group_stems",
    "has_stems",
    "search_text",
    "sentences",
    "stem",
    "terms",
    "words",
]

# The folded words that stand for one word of a query: as written, then its lemma when that is a
# different word ("travaux", "travail"). A passage matches the group if it has any of them.
Group = tuple[str, ...]


def words(text: str) -> list[str]:
    """'Les piscines municipales' -> ['piscines', 'municipales']: folded, stop words out."""
    return [w for w in WORD.findall(fold(text)) if w not in STOP_WORDS]


def search_text(text: str) -> str:
    return " ".join(words(text))


def fts_text(folded_words: str) -> str:
    """'piscines municipales' -> 'piscin municipal' (Snowball French stems, for FTS5)."""
    return " ".join(stem(w) for w in folded_words.split())


def group_stems(group: Group) -> tuple[str, ...]:
    """Each alternative stemmed; a phrase ("plan local urbanisme") word by word."""
    return tuple(dict.fromkeys(" ".join(stem(x) for x in w.split()) for w in group))


def has_stems(alternative: str, own: set[str]) -> bool:
    """Whether a stemmed alternative (a word, or a phrase: every word of it) is in `own`."""
    return all(s in own for s in alternative.split())


SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý«\"])")
# ...and a first name's initial: "Vote : 29 P – 4 C (G. Lorentz, É. François)".
ABBREVIATION = re.compile(
    r"(?:\bM|\bMme|\bMM|\bn°|\bart|\bcf|\bav|\bbd|\bSt|\bSte|(?<![\w.])[A-ZÀ-Ý])\.$"
)


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, each a verbatim substring of it ("M. Durand" is not cut)."""
    parts: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(paragraph):
        if ABBREVIATION.search(paragraph[start : match.start()]):
            continue
        parts.append(paragraph[start : match.start()])
        start = match.end()
    parts.append(paragraph[start:])
    return [p.strip() for p in parts if p.strip()]
