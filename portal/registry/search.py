"""Search keys for the register: French Snowball stems with accents folded, on both databases.

Each entry keeps `search_text`, a space-framed list of stems (" chatbot robot convers ... ").
A query matches when every one of its stems starts a stored stem: LIKE '% stem%' behaves the
same on SQLite and PostgreSQL and is fast enough for a register of a few hundred entries.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer

WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    {
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "il",
        "je",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "mes",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "d",
        "j",
        "m",
        "n",
        "s",
        "t",
        "c",
        "est",
        "sont",
    }
)


def fold(text: str) -> str:
    """Lower case without accents: « Rôle » and « role » are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    # Snowball's French rules expect accents; folding first keeps « opéré » and « opere » together.
    return str(_stemmer().stemWord(word))


def stems(text: str) -> list[str]:
    return [stem(w) for w in WORD.findall(fold(text)) if w not in STOP_WORDS]


def search_text(data: dict[str, Any]) -> str:
    """The stems of what a resident may type: name, aliases, summary, purpose, description, service."""
    parts = [
        data.get("name", ""),
        " ".join(data.get("aliases", [])),
        data.get("summary", ""),
        data.get("purpose", ""),
        data.get("description", ""),
        (data.get("service") or {}).get("name", ""),
        (data.get("supplier") or {}).get("name", ""),
        (data.get("supplier") or {}).get("product", ""),
    ]
    unique = dict.fromkeys(stems(" ".join(parts)))
    return " " + " ".join(unique) + " "


def query_stems(query: str) -> list[str]:
    return list(dict.fromkeys(stems(query)))[:8]
