"""What the index knows beyond words: subjects, amounts, dates, people, places, organisations.

- Subjects (topics) come from our own keyword rules, one per item: predictable and explainable.
- Amounts in euros and dates are read with patterns, at ingest (cheap and exact).
- People, places and organisations, and the lemmas of the words, come from spaCy's French
  pipeline (fr_core_news_sm, from site-packages, loaded once per process). It reads about 6,000
  words a second on one core, so it runs after ingest, in batches (`nlp.pipe`), from the
  council.index_entities job or `portal council index`, never inside a web request; the minutes
  are searchable by their words before it has run, and by lemmas too once it has.
- A query's words get their lemma from the lookup table of spaCy's lemmatizer (query_groups),
  without running the pipeline in the request.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from portal.council.parse import FRENCH_DATE, MONTHS
from portal.council.text import STOP_WORDS, WORD, Group, fold, stem, terms
from portal.web.i18n import N_

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

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
# Words whose lemma in fr_core_news_sm is another word ('madame' -> 'monsieur'): kept as written.
OWN_LEMMA = frozenset(("madame", "mesdames", "mademoiselle", "mesdemoiselles", "messieurs"))


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


Found = list[tuple[str, str, str]]  # (kind, value, key) of the entities of one passage


@dataclass(frozen=True)
class Reading:
    """What spaCy read in one passage: its entities, and the lemmas that add to its search keys
    (folded word as written -> folded lemma, only where the lemma has another stem)."""

    entities: Found
    lemmas: dict[str, str]
    lemma_words: list[str]  # one lemma per occurrence, for the index


def load_pipeline() -> None:
    """Load the pipeline and the query lemmas' table now (the app does so at start-up, so no
    visitor waits for them)."""
    _nlp()
    _lemma_lookup()


def _nlp() -> Language:
    from portal.nlp.pipeline import SMALL, get_nlp

    # Tagger and lemmatizer (lemmas) and the entity recogniser; the parser is not needed.
    return get_nlp(SMALL, disable=("parser",))


def _lemma_of(token: Token) -> tuple[str, str] | None:
    """(word, lemma), folded, when the lemma is one other word with another stem."""
    surface, lemma = WORD.findall(fold(token.text)), WORD.findall(fold(token.lemma_))
    if len(surface) != 1 or len(lemma) != 1:
        return None
    if surface[0] in STOP_WORDS or surface[0] in OWN_LEMMA or lemma[0] in STOP_WORDS:
        return None
    if stem(surface[0]) == stem(lemma[0]):
        return None
    return surface[0], lemma[0]


# French names places and buildings after people with hyphens ("école Jules-Ferry", "place
# Simone-Veil"); spaCy takes those names for people. A name right after one of these nouns (or
# after such a name and "et") is a place, or an organisation.
PLACE_NOUNS = frozenset(
    ("ecole", "ecoles", "groupe", "scolaire", "college", "colleges", "lycee", "lycees", "gymnase",
     "gymnases", "stade", "place", "rue", "avenue", "boulevard", "allee", "quartier", "piscine",
     "salle", "parc", "square", "creche", "creches", "residence", "maternelle", "elementaire",
     "cite", "jardin", "centre", "maison", "mediatheque", "bibliotheque", "conservatoire", "pont",
     "quai", "chemin", "impasse", "sentier", "theatre", "espace", "foyer", "halle", "marche",
     "rues", "avenues", "places", "stades", "parcs", "squares", "quartiers", "residences")
)  # fmt: skip
ORG_NOUNS = frozenset(
    ("entreprise", "societe", "association", "cabinet", "prestataire", "titulaire", "agence",
     "fondation", "federation", "club", "groupement")
)  # fmt: skip
_BETWEEN = frozenset(("et", "de", "des", "du", "la", "le", "l", "d"))
HYPHENATED_NAME = re.compile(r"^[A-ZÀ-Ý][\w’']+(?:-[A-ZÀ-Ý][\w’']+)+$")


def _named_kind(doc: Doc, start: int, end: int, kind: str) -> str | None:
    """What a name spaCy calls a person (or an organisation) really is: 'person', 'place',
    'organisation', or None for a common noun ("Fermeture d'une classe...")."""
    if kind == "place":
        return kind
    if kind == "person" and end - start == 1 and doc[start].pos_ == "NOUN":
        return None
    i = start - 1
    while i >= 0 and i >= start - 8:
        token = doc[i]
        word = fold(token.text).strip("'’")
        if word in PLACE_NOUNS:
            return "place"
        if word in ORG_NOUNS and kind == "person":
            return "organisation"
        # Only within the same phrase: "l'école Vaillant. Sophie Marchand répond" names a person.
        if not (word in _BETWEEN or token.text in (",", "-") or token.text[:1].isupper()):
            break
        i -= 1
    if kind == "person" and end - start == 1 and HYPHENATED_NAME.match(doc[start].text):
        return "place"
    return kind


def _entities(doc: Doc) -> Found:
    seen: set[tuple[str, str]] = set()
    found = []
    for ent in doc.ents:
        kind = ENTITY_KINDS.get(ent.label_)
        if kind:
            kind = _named_kind(doc, ent.start, ent.end, kind)
        value = TITLES.sub("", ent.text.strip(" .,;:«»'’"))
        key = entity_key(value)
        if not kind or len(key) < 3 or key in NOT_ENTITIES or (kind, key) in seen:
            continue
        seen.add((kind, key))
        found.append((kind, value[:200], key))
    return found


def spacy_read(texts: Iterable[str], *, batch_size: int = 64) -> list[Reading]:
    """Each text read by spaCy's French pipeline: people, places, organisations, and lemmas."""
    results = []
    for doc in _nlp().pipe(texts, batch_size=batch_size):
        lemmas: dict[str, str] = {}
        lemma_words = []
        for token in doc:
            if pair := _lemma_of(token):
                lemmas.setdefault(*pair)
                lemma_words.append(pair[1])
        results.append(Reading(_entities(doc), lemmas, lemma_words))
    return results


_lookup_lock = threading.Lock()
LETTERS = re.compile(r"[^\W_]+")


@lru_cache(maxsize=50_000)
def lemma_of_word(word: str) -> str | None:
    """The folded lemma of a lower-case word (accents as typed), from the lookup table of spaCy's
    French lemmatizer (216,000 forms, shipped in fr_core_news_sm): 'travaux' -> 'travail'."""
    table = _lemma_lookup()
    found = table.get(word) or table.get(fold(word))
    if not found:
        return None
    lemma = WORD.findall(fold(str(found[0] if isinstance(found, list) else found)))
    return lemma[0] if len(lemma) == 1 else None


# The accents a resident may have left out, letter by letter ("repoussee" for "repoussée").
ACCENTS = {"e": "eéèê", "a": "aàâ", "i": "iîï", "o": "oô", "u": "uùû", "c": "cç"}
MAX_SPELLINGS = 1024  # accented spellings tried for one word, at most


@lru_cache(maxsize=50_000)
def unaccented_lemma(word: str) -> str | None:
    """The folded lemma of a word typed without its accents ('repoussee' -> 'repousser',
    'regardees' -> 'regarder'): its accented spellings are looked up in the lemmatizer's table
    (which keeps its forms hashed, so they are tried, not listed), and the lemma is kept when
    every spelling found agrees on it; None when none is found or they disagree."""
    if word != fold(word) or not word.isalpha():
        return None
    spellings = [""]
    for letter in word:
        spellings = [s + a for s in spellings for a in ACCENTS.get(letter, letter)]
        if len(spellings) > MAX_SPELLINGS:
            return None
    table = _lemma_lookup()
    lemmas = set()
    for spelling in spellings[1:]:  # the first is the word as typed
        if spelling in table:
            found = table.get(spelling)
            lemma = WORD.findall(fold(str(found[0] if isinstance(found, list) else found)))
            lemmas.add(lemma[0] if len(lemma) == 1 else "")
    return lemmas.pop() or None if len(lemmas) == 1 else None


# After these, a word is a verb ("ils ferment": fermer, not the noun "ferment").
SUBJECT_PRONOUNS = frozenset(("il", "ils", "elle", "elles", "on", "nous", "vous"))


def _verb_lemma(word: str) -> str | None:
    """The infinitive of a present-tense form of a verb in -er that the lookup table reads as
    another word ("ferment" -> "fermer"), when the table knows the verb (by its "-ons" form)."""
    for ending in ("ent", "ons", "ez", "e", "es"):
        root = word[: -len(ending)]
        if word.endswith(ending) and len(root) > 2:
            found = _lemma_lookup().get(root + "ons")
            if found and fold(str(found[0] if isinstance(found, list) else found)) == root + "er":
                return root + "er"
    return None


@lru_cache(maxsize=1)
def _lemma_lookup() -> Any:
    with _lookup_lock:
        return _nlp().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]


@lru_cache(maxsize=4096)
def query_groups(query: str, *, unaccented: bool = False) -> tuple[Group, ...]:
    """The words of a query, each with its lemma ('travaux' -> ('travaux', 'travail')), in
    order, without stop words or forms of être and avoir. Lemmas come from the lookup table of
    spaCy's French lemmatizer (lemma_of_word), not from running the pipeline on the query: about
    a microsecond a word instead of 4 to 9 ms a query, and the same lemma whatever the query's
    other words. (On the dev half of tests/council/eval2 and on tests/council/eval_questions.yaml
    the figures were unchanged or better; see docs/benchmarks.md.)

    With `unaccented`, a word typed without its accents whose spelling the table lacks gets the
    lemma of its accented spellings ('repoussee' -> 'repousser': unaccented_lemma); the answers
    use it (portal/council/answer.py), the search does not yet."""
    if not WORD.search(fold(query)):
        return ()
    groups: dict[str, Group] = {}
    previous = ""
    for token in LETTERS.findall(query[:1000].lower()):
        for word in WORD.findall(fold(token)):
            lemma = lemma_of_word(token) if word == fold(token) else None
            if lemma is None and unaccented and word == token:
                lemma = unaccented_lemma(word)
            if unaccented and previous in SUBJECT_PRONOUNS and lemma in (None, word):
                lemma = _verb_lemma(word) or lemma
            previous = word
            if word in STOP_WORDS or lemma in STOP_WORDS:
                continue  # a stop word, or 'sont', 'avait', 'ait': a form of être or avoir
            group: Group = (word,)
            if lemma and word not in OWN_LEMMA and stem(word) != stem(lemma):
                group = (word, lemma)
            groups.setdefault(stem(word), group)
    return tuple(groups.values())
