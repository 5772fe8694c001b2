"""What the index knows beyond words: subjects, amounts, dates, people, places, organisations.

- Subjects (topics) come from our own keyword rules, one per item: predictable and explainable.
- Amounts in euros and dates are read with patterns, at ingest (cheap and exact).
- People, places and organisations come from spaCy's French pipeline (fr_core_news_sm, from
  site-packages, loaded once per process). It reads about 5,000 words a second on one core, so it
  runs after ingest, in batches (`nlp.pipe`), from the council.index job or `portal council index`,
  never inside a web request; the minutes are searchable before it has run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from portal.council.parse import FRENCH_DATE, MONTHS
from portal.council.text import fold, terms
from portal.web.i18n import N_

# Subject (French, translated where shown) -> stems of the words that point to it.
TOPICS: dict[str, tuple[str, ...]] = {
    N_("Finances et budget"): ("budget", "budgetair", "financ", "imposit", "fiscal", "emprunt", "det",
                           "compt", "excedent", "orient", "garant", "depens"),
    N_("Écoles et jeunesse"): ("ecol", "scolair", "cantin", "restaur", "classe", "enfant", "loisir",
                           "sejour", "colon", "eleven", "eleve", "college", "maternel"),
    N_("Sport"): ("sport", "sportiv", "piscin", "natat", "gymnas", "stad", "patinoir", "club", "bassin"),
    N_("Urbanisme et logement"): ("urban", "plu", "logement", "construct", "permis", "hauteur",
                              "lotiss", "bailleur", "enquêt", "enquet"),
    N_("Numérique et intelligence artificielle"): ("intelligent", "artificiel", "numer", "registr",
                                               "algorithm", "donne"),
    N_("Relation aux habitants"): ("contact", "accueil", "demarch", "particip", "consult", "habit",
                               "senior"),
    N_("Solidarités"): ("social", "solidar", "ccas", "aliment", "ages", "isol"),
    N_("Culture"): ("cultur", "festival", "theatr", "dans", "musiqu", "bibliothequ", "denomin"),
    N_("Commerce et économie"): ("commerc", "march", "dominical", "noel", "chalet", "commerc"),
    N_("Mobilités et stationnement"): ("velo", "stationn", "cyclabl", "circul", "transport", "gare"),
    N_("Environnement et énergie"): ("energ", "vegetalis", "oasis", "climat", "chaleur", "sobriet",
                                 "thermiqu", "arbre"),
    N_("Sécurité"): ("videoprotect", "securit", "polic", "camer"),
}  # fmt: skip
_TOPIC_STEMS = {topic: frozenset(stems) for topic, stems in TOPICS.items()}

AMOUNT = re.compile(
    r"(\d{1,3}(?:[  ]\d{3})+|\d+(?:,\d+)?)\s*(millions?|milliards?)?\s*(?:d[’'])?\s*euros?\b",
    re.I,
)
ENTITY_KINDS = {"PER": "person", "LOC": "place", "ORG": "organisation"}
# Words spaCy often takes for names in minutes but that name no one in particular.
NOT_ENTITIES = frozenset(
    fold(w)
    for w in ("Conseil", "Conseil municipal", "Madame la Maire", "Maire", "Vote", "Rapporteur",
              "Rapporteuse", "Délibération", "Le Conseil municipal", "Monsieur", "Madame", "M.",
              "Mme", "Le Conseil", "la Maire", "Madame la Maire", "Conseil municipal")
)  # fmt: skip
TITLES = re.compile(r"^(?:M\.|Mme|Madame|Monsieur|Mlle)\s+")


def topic_for(title: str, body: str) -> str | None:
    """The subject whose words occur most in the item's title (counted three times) and text."""
    words = terms(title) * 3 + terms(body)
    best, best_score = None, 0
    for topic, stems in _TOPIC_STEMS.items():
        score = sum(1 for w in words if w in stems)
        if score > best_score:
            best, best_score = topic, score
    return best


def entity_key(value: str) -> str:
    return re.sub(r"\s+", " ", fold(value)).strip()[:200]


def amounts(text: str) -> list[tuple[str, str]]:
    """(as written, key in euros) for each amount in euros: '14,2 millions d'euros' -> 14200000."""
    found = []
    for match in AMOUNT.finditer(text):
        number = float(re.sub(r"[  ]", "", match.group(1)).replace(",", "."))
        scale = match.group(2) or ""
        number *= 1e9 if scale.startswith("milliard") else 1e6 if scale.startswith("million") else 1
        found.append((match.group(0).strip()[:200], str(round(number))))
    return found


def dates(text: str) -> list[tuple[str, str]]:
    found = []
    for match in FRENCH_DATE.finditer(text):
        try:
            month = MONTHS[match.group(2).lower()]
            key = f"{int(match.group(3)):04d}-{month:02d}-{int(match.group(1)):02d}"
        except (KeyError, ValueError):
            continue
        found.append((match.group(0), key))
    return found


def pattern_entities(text: str) -> list[tuple[str, str, str]]:
    """(kind, value, key) for the amounts and dates of a passage."""
    return [("amount", v, k) for v, k in amounts(text)] + [("date", v, k) for v, k in dates(text)]


def spacy_entities(
    texts: Iterable[str], *, batch_size: int = 64
) -> list[list[tuple[str, str, str]]]:
    """(kind, value, key) of the people, places and organisations spaCy finds in each text."""
    from portal.nlp.pipeline import SMALL, get_nlp

    # Only the named-entity recogniser is needed: the parser, tagger and lemmatizer are skipped.
    nlp = get_nlp(SMALL, disable=("parser", "morphologizer", "attribute_ruler", "lemmatizer"))
    results = []
    for doc in nlp.pipe(texts, batch_size=batch_size):
        seen: set[tuple[str, str]] = set()
        found = []
        for ent in doc.ents:
            kind = ENTITY_KINDS.get(ent.label_)
            value = TITLES.sub("", ent.text.strip(" .,;:«»'’"))
            key = entity_key(value)
            if not kind or len(key) < 3 or key in NOT_ENTITIES or (kind, key) in seen:
                continue
            seen.add((kind, key))
            found.append((kind, value[:200], key))
        results.append(found)
    return results
