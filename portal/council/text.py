"""The council's search text: the shared French keys of portal.nlp.french, joined by spaces."""

from __future__ import annotations

from portal.nlp.french import STOP_WORDS, WORD, fold, stem, terms

__all__ = ["STOP_WORDS", "WORD", "fold", "search_text", "stem", "terms"]


def search_text(text: str) -> str:
    return " ".join(terms(text))
