"""Search keys for the register: the shared French keys (portal.nlp.french), on both databases.

Each entry keeps `search_text`, a space-framed list of stems (" chatbot robot convers ... ").
A query matches when every one of its stems starts a stored stem: LIKE '% stem%' behaves the
same on SQLite and PostgreSQL and is fast enough for a register of a few hundred entries.

Residents' words are not the entry's: the municipal thesaurus (content/thesaurus.txt, through
portal.nlp.french, the same one the council's search uses) adds to each entry the stems of the
phrases its words also stand for, so "serveur vocal" finds the entry that says "répondeur vocal".
An entry is indexed when it is saved: after a change of the thesaurus, entries saved before it
gain the new synonyms at their next save.
"""

from __future__ import annotations

from typing import Any

from portal.nlp.french import synonym_phrases, terms


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
    text = " ".join(parts)
    unique = dict.fromkeys(terms(text) + terms(" ".join(synonym_phrases(text))))
    return " " + " ".join(unique) + " "


def query_stems(query: str) -> list[str]:
    return list(dict.fromkeys(terms(query)))[:8]
