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
   deliberation's title count half, words found in no passage at all nothing. A sentence that
   carries the kind of fact asked for (an amount in euros, a date, a name, the vote line, a
   "car"/"afin de") comes first among those that cover the question well enough.
5. A sentence is quoted if it covers at least RELEVANT of the question's weight; one that starts
   with a pronoun ("Il annonce que son groupe votera contre.") is quoted with the sentence before
   it, so that the reader knows who "il" is. Every quote names its deliberation's number and
   title. When none qualifies, the answer says so, with what was searched, the closest passages
   as "peut-être utile" and the city's contact, rather than guess.
   A question on an amount, a count or a date is answered only when a quoted sentence gives
   such a fact and itself holds RELEVANT of the question's weight (the sentence before a pronoun
   does not count): a number about something else is not an answer. A count ("combien de
   places") needs a number next to the thing counted, opening hours an hour. A "pourquoi" quote goes on
   to the next sentence when that one gives the reason or refers back ("Cette homonymie…").
6. When the question is about a decision, the decision ("Le Conseil municipal, après en avoir
   délibéré, ...") and the vote of the best deliberation are quoted too.
Same question, same minutes: same answer.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from itertools import pairwise

from sqlalchemy import select
from sqlmodel import Session, col

from portal.council import gate, urls
from portal.council.fulltext import index_state, passage_counts
from portal.council.models import Item, Meeting, Passage
from portal.council.nlp import lemma_of_word, query_groups, unaccented_lemma
from portal.council.questions import (
    MONEY,
    NEEDS_CONTEXT,
    NOT_COUNTED,
    QUESTION_KINDS,
    bare_count,
    carries,
    kind_words,
    question_kinds,
    sentence_share,
    spelled_out,
)
from portal.council.search import (
    ASKING_LEMMAS,
    RERANK_POOL,
    Filters,
    Hit,
    candidates,
    kind_rerank,
    load_hits,
    ranked_ids,
    wanted_stems,
)
from portal.council.text import (
    STOP_WORDS,
    Group,
    fold,
    has_stems,
    sentences,
    stem,
    terms,
    words,
)
from portal.council.text import (
    group_stems as _group_stems,
)
from portal.council.vocabulary import SYNONYM, Expansion, expand
from portal.db import database_key, read_rows

__all__ = ["Answer", "Quote", "ask", "question_kinds", "question_terms", "sentences"]

RELEVANT = 0.5
KEEP = 0.8  # passages quoted besides the best: those covering at least this share of its weight
KIND_BONUS = 0.3
DECISION_BONUS = 0.1  # a question on a decision: the decision itself first
KIND_KEEP = 0.5  # ...or this share when they carry the kind of fact asked for
# A word found in no passage, even corrected ("regardées", "chef"), cannot tell one passage from
# another: it counts for nothing in a passage's share of the question (the answer still says it
# was not found). Counted in full, it made answerable questions "not found" (dev half of
# tests/council/eval2, with UNKNOWN_MAX: "not found" precision 0.33 -> 0.38 text, 0.36 -> 0.42
# PDF, recall unchanged at 0.71; UNKNOWN_MAX 0.7 gave 0.45-0.50 on dev but answered the demo's
# "Où garer mon bateau ?", so 0.5).
UNKNOWN_SHARE = 0.0
UNKNOWN_MAX = 0.5  # ...but when such words hold over this share of it, nothing answers
VERBAL_UNKNOWN = 0.3  # ...of which a verb's weight counts this share (looks_verbal)
SYNONYM_SHARE = 0.7  # a word found only through the thesaurus counts this share of its weight
# Kinds of fact whose absence from every quote means the question is not answered.
FACT_KINDS = ("amount", "count", "date", "duration")
FACT_RELEVANT = RELEVANT  # the quote that gives the fact is held to the passages' bar
# A sentence that reports a question asked in the meeting: its answer is the next sentence.
ASKED = re.compile(
    r"\b(?:demande|demandent|interroge|s'interroge|souhaite savoir|questionne|s'inquiète)\b"
)
# ...and a question as the minutes write it: "4) Question de M. Jaouen : le stationnement sera-t-il
# payant ?", "Le marché sera-t-il prolongé ?" (its answer is the reply that follows).
ASKED_QUESTION = re.compile(
    r"^(?:\d{1,2}\s*[).]\s*)?Questions?\s+(?:orale\s+|écrite\s+)?de\b|.*\?\s*$"
)
PRESENTED = re.compile(r"\brapporteu|\bpresente|\bporte\b|\bdefendu|\bexpose")
# The thing a question counts, prices, names or dates ("combien de PLACES de parking", "le prix du
# REPAS", "combien a coûté l'ÉTUDE", "le nom de la DIRECTRICE", "la date de PUBLICATION du
# rapport": not the date the committee is set up): the passage whose sentence is
# quoted must speak of it, or the number, sum or name it holds answers another question ("combien
# de places de parking devant la crèche" is not answered by "les dégradations ont augmenté de
# 18 %", nor "le nom de la directrice" by the name of the rapporteur).
FOCUS = re.compile(
    r"\b(?:combien (?:de |d'|d )|nombre (?:de |d')|(?:combien|que|qu'?est-ce qu'?) (?:a |ont )?"
    r"(?:coute|coutent|coutera|couteront|coutait)s? (?:(?:vraiment|exactement|reellement|"
    r"finalement|actuellement|maintenant|environ|en tout|au total) )?"
    r"(?:(?:le|la|les|l'|un|une) ?)?|"
    r"(?:prix|cout|montant|nom|noms|marque|tarif|tarifs|date|dates) (?:du |des |de la |de l'|de l |de |d'|d )|"
    r"qui est (?:le |la |l'|l )|quel(?:le)?s? (?:est|sont|etait) (?:le |la |les |l'|l ))"
    r"(?:(?:nouve(?:au|aux|lle|lles)|premier|premiere|deuxieme|dernier|derniere|grand|grande|"
    r"petit|petite|bon|bonne|vrai|vraie|vraiment|exactement|reellement|finalement|"
    r"actuellement|maintenant|aujourd hui|environ|encore|deja|en tout|au total) )?([a-z]{3,})"
)
# "combien d eleves": a count typed without its apostrophe (questions.py reads "combien d'").
COUNT_TYPED = re.compile(r"\bcombien d\s+" + NOT_COUNTED)
# A question on opening hours or the time of day ("horaires de la mairie", "à quelle heure") is
# answered by an hour, not by any date: "horaires de la maison France services" is not answered
# by "en 2026, la réhabilitation de la halle" (eval3 dev; the dev questions on hours that were
# answered right, in both sets, quote "de 9 h à 12 h"-like hours and keep their answer).
TIME_ASKED = re.compile(r"\bhoraires?\b|\bquelles? heures?\b|\bheures? d.?ouverture\b")
TIME_SAID = re.compile(r"\b\d{1,2}\s*h\b|\b\d{1,2}\s*h\s*\d{2}\b|\b\d{1,2}:\d{2}\b|\bheures?\b|"
                       r"\bmidi\b|\bminuit\b", re.I)  # fmt: skip
# A question on a name, a brand or a company ("marque des caméras", "nom de l'animatrice",
# "quelle entreprise installe…") is answered by a name: a capitalised word within the sentence
# ("la société Sécuritel Occitanie", "M. KLEIN"), not "On nous parle de caméras et de béton".
NAME_ASKED = re.compile(
    r"\b(?:nom|noms|marque|marques)\b|\bquel(?:le)?s? (?:entreprise|societe|boite|bureau|cabinet|"
    r"prestataire|bailleur|banque|association|club)s?\b"
)
# ...not the first word of what a speaker says ("M. LORENTZ. – Notre groupe votera…").
NAME_SAID = re.compile(r"(?<=[\w,;:(«'’\"–-] )(?<!\. – )(?<!\. - )(?<!\. — )[A-ZÀ-Ý][\w'’-]+")
# A role the question asks the holder of ("le président de l'association", "le nom de
# l'animatrice"): the name that answers is said with that role, not a speaker's or a
# rapporteur's name in a sentence about something else. Each role by the start of its word, so
# that either gender answers ("animatrice": "animateur").
ROLE_ASKED = re.compile(
    r"\b(presiden(?=ts?\b|tes?\b)|directe|directri|animat|responsab|chef|gerant|tresori)\w*"
)
# A count is said as a number next to the thing counted ("14 caméras", "45 berceaux", "les 24
# logements sociaux", "la part des produits biologiques atteindra 35 %"): at most COUNT_BEFORE
# words before it or COUNT_AFTER words after it. (Dev halves, issue 14: every answerable count
# question answered right kept its answer; eval3's "combien de places de parking place du
# Foirail" and "combien de logements sociaux dans le lotissement…", answered with a sentence that
# names the square or a lawyer's fees, are now not found: eval3 not-found recall 0.538 -> 0.692
# with TIME_ASKED; eval2's "combien de bio dans les repas", answered with the wrong sentence, is
# now declined, precision 0.545 -> 0.500 on its PDF form.)
COUNT_BEFORE, COUNT_AFTER = 2, 3
NUMBER_WORD = re.compile(
    r"^(?:\d[\d  ,.]*%?|%|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|"
    r"quatorze|quinze|seize|vingt|trente|quarante|cinquante|soixante|cent|cents|mille)$"
)
SUM_UNITS = frozenset(("€", "euro", "euros", "eur", "k€", "m€"))
# ...nor people, whom the minutes count by what they do ("164 demandes", "14 % des cas")
NOT_FOCUS = frozenset(("temps", "fois", "jours", "mois", "annees", "ans", "semaines", "heures",
                       "pourcents", "pourcent", "pourcentage", "monde", "gens"))  # fmt: skip
MAX_QUOTES = 3
# A year named in a question ("en 2024", "budget 2025") is what is asked about, not one word
# among others: a passage answers only if it, its deliberation's title or its meeting's date has it.
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# A date said as the start of a state ("fermé depuis 2022", "depuis le 1er mars"): it answers
# "depuis quand", not "quand" (the rest of its clause is left out).
SINCE = re.compile(
    r"\bdepuis\s+(?:(?:le|la|les|l'|début|fin|mi-|le mois de)\s*)?(?:\d|(?:janvier|"
    r"février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
    r"décembre)\b)[^,;.:]*",
    re.I,
)
SINCE_ASKED = re.compile(r"\bdepuis\b")
# A number after a noun, at the end of the question or before another word than a unit or a
# month: the label of one of several things ("tranche 3", "lot 2", "ligne 12").
NUMBERED = re.compile(
    r"\b(?!(?:en|le|la|les|du|de|des|au|aux|a|et|ou|sur)\b)[a-z]{2,} (\d{1,2})(?:\s*\?)?\s*$"
)
CODE = re.compile(r"\b([a-z]{1,2}\d{1,3})\b")
UNITS = frozenset(("m2", "m3", "km2", "co2", "h24"))
# A sentence that goes on from the one before it: a pronoun or a demonstrative.
REFERS_BACK = re.compile(NEEDS_CONTEXT.pattern + r"|^(?:Ce|Cet|Cette|Ces)\b")
PASSAGES_READ = 12
# What the gate reads of a quote: a negation ("n'ait pas été présentée", "aucun"), a request or a
# regret ("M. Besnier demande où en est le projet"): most often no answer.
NEGATION = re.compile(r"\b(?:ne|n')\b[^.]{0,40}\b(?:pas|plus|jamais|aucun|rien)\b|\bpas encore\b|"
                      r"\baucune?\b", re.I)  # fmt: skip
REQUEST = re.compile(r"\b(?:demande|demandent|interroge|souhaite|regrette|s'inquiète|questionne)\b")
MAYBE_USEFUL = 3
# Words of a question that say what is asked, not what about, left out as written (folded),
# with the forms they take: by their stem they took words that say what about with them
# ("conseil" took "conseillers": "combien de conseillers municipaux à Bérignac" was read as
# "combien Bérignac"; "partir" took "part", "devant" "devis", "commune" "communication",
# "maintenant" "maintenance"; dev halves, issue 14).
QUESTION_FORMS = frozenset(fold(w) for w in (
    "conseil", "conseils", "municipal", "municipale", "municipales", "municipaux", "ville",
    "villes", "commune", "communes", "décidé", "décidée", "décidées", "décidés", "décide",
    "décident", "décidera", "décision", "décisions", "décider", "fait", "faite", "faites",
    "faits", "faire", "font", "elu", "élue", "élues", "élus", "sujet", "sujets", "propos",
    "concernant", "savoir", "voudrais", "voudrait", "veux", "dire", "dit", "dits", "dites",
    "peut", "peux", "peuvent", "t", "il", "elle", "prevu", "prevue", "prevus", "prevues", "qui",
    "quoi", "est-ce", "ce", "etait", "etaient", "sera", "seront", "serait", "seraient", "va",
    "vont", "aller", "pendant", "vers", "devant", "ca", "faut", "chez", "mon", "ma", "mes",
    "partir", "veut", "veulent", "voulait", "vouloir", "si", "encore", "deja", "toujours",
    "donc", "alors", "chose", "choses", "truc", "trucs",
    # adverbs that say how a question is asked
    "maintenant", "actuellement", "exactement", "vraiment", "seulement",
))  # fmt: skip
# ...and the forms of its verbs, by their lemma ("font", "veulent", "décidera").
QUESTION_LEMMAS = ASKING_LEMMAS | {"decider"}
# The words of a sum ("le prix", "les tarifs"): of the kind of fact asked when a sum is asked.
AMOUNT_STEMS = frozenset(stem(w) for w in ("montant", "cout", "prix", "tarif"))
# Words that name the kind of fact asked for ("montant", "dates", "rapporteur"), not what it is
# about: like "adopté", they count half.
KIND_STEMS = frozenset(
    stem(w) for w in ("montant", "cout", "prix", "tarif", "date", "dates", "horaire", "delai",
                      "rapporteur", "rapporteuse", "nom", "nombre", "raison", "motif")
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


@dataclass(frozen=True)
class Quote:
    text: str
    meeting_date: date
    anchor: int
    deliberation: str | None
    item_title: str | None
    page: int | None
    kind: str  # answer, decision, vote
    # A table's row quoted (quotable_parts): its table's header row, verbatim, so that a page can
    # show the row under the names of its columns; "" for any other quote.
    header: str = ""

    @property
    def url(self) -> str:
        return urls.meeting(self.meeting_date, anchor=self.anchor)

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(column name, cell) of a table row quoted under its header; [] when the quote is not
        a row or its cells do not match its header's."""
        if not self.header:
            return []
        names, cells = table_cells(self.header), table_cells(self.text)
        return list(zip(names, cells, strict=True)) if len(names) == len(cells) else []


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
    # Share of the question's weight (its words by rarity) found in the best passage.
    coverage: float = 0.0
    # The heaviest share of the question's weight among the words the best passage lacks.
    missing: float = 0.0
    kind_found: bool = True  # a quoted sentence carries the kind of fact the question asks for
    # Share of the question's weight found in the best quoted sentence (with its title at half).
    sentence_coverage: float = 0.0
    # How the answer was decided: "quotes" (sentences quoted), "rules" (not found: no passage or
    # sentence met the rules above), "gate" (the rules found quotes, but the learned gate,
    # portal/council/gate.py, judged them unlikely to answer: not found, with the closest passages).
    decided_by: str = "rules"
    # What the gate read of a found answer (gate.FEATURES and more) and its estimated
    # probability that the quotes answer (None: the gate was not consulted).
    features: dict[str, float] = field(default_factory=dict)
    gate_probability: float | None = None
    # Not found by the rules or the gate after quotes were found: those quotes, for the record
    # (never shown as an answer).
    declined: list[Quote] = field(default_factory=list)
    # Which rule said "not found" (RULES), "" when found or decided by the gate.
    rule: str = ""


# The rules by which ask() says "not found", as Answer.rule names them.
RULES = {
    "no-words": "the question has no word to search for",
    "unknown-words": "most of the question's weight is in words no passage has",
    "no-passage": "no passage holds enough of the question (RELEVANT)",
    "fact-missing": "no quoted sentence gives the amount, count or date asked for",
    "focus-missing": "no chosen passage names the thing counted, priced or named",
    "count-missing": "no quoted sentence gives a number next to the thing counted",
    "amount-elsewhere": "no sum stands in a sentence that names the thing priced",
    "label-missing": "no quoted sentence has the number or code that tells the thing apart",
    "time-missing": "no quoted sentence gives an hour",
    "name-missing": "no quoted sentence gives a name",
    "role-missing": "no quoted sentence names a person with the role asked for",
    "reason-missing": "a question asking why is quoted only rows of a table",
}


# The commune the minutes are of, as their heading names it: "COMMUNE DE PLOUMAREC", "Ville de
# Hagondelle", "MAIRIE DE MONTCLAIR-SUR-LOIRE" (read in each meeting's first passages).
CITY_NAMED = re.compile(r"\b(?i:commune|ville|mairie)\s+(?i:de|d')\s*([A-ZÀ-Ý][\w'-]+)")
CITY_PASSAGES = 6
_cities: dict[str, tuple[tuple[tuple[int, str], ...], frozenset[str]]] = {}
_cities_lock = threading.Lock()


def minutes_city(session: Session) -> frozenset[str]:
    """The stems of the commune's name as the minutes' headings give it (the name most meetings
    give; none when no heading names one), read once per state of the index."""
    key = database_key(session)
    stamp = index_state(session).stamp
    known = _cities.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    named: dict[int, set[str]] = {}
    sql = "SELECT meeting_id, text FROM council_passage WHERE position < ?"
    for meeting_id, text_ in read_rows(session, sql, [CITY_PASSAGES]):
        named.setdefault(int(meeting_id), set()).update(fold(n) for n in CITY_NAMED.findall(text_))
    counts = Counter(n for names in named.values() for n in names)
    best = max(counts.values(), default=0)
    found = frozenset(w for n, c in counts.items() if c == best for w in terms(n))
    with _cities_lock:
        if len(_cities) >= 16:
            _cities.clear()
        _cities[key] = (stamp, found)
    return found


def question_terms(
    question: str, *, city: str = "", ignored_words: frozenset[str] = frozenset()
) -> tuple[list[Group], bool]:
    """The words to look for (each with its lemma), and whether the question asks about a
    decision. The city's own name (every passage is about it) says nothing of what is asked:
    `city` (the settings' name) and `ignored_words` (stems: the name the minutes give,
    minutes_city) are left out."""
    ignored = ignored_words | (frozenset(terms(city)) if city else frozenset())
    groups = query_groups(question, unaccented=True)
    stems = [s for g in groups for s in group_stems(g)]
    about_decision = any(DECISION_STEM.match(s) for s in stems) or bool(
        re.match(r"\s*quand\b", question, re.I)
    )
    wanted: list[Group] = []
    for group in groups:
        if (
            len(group[0]) < 2
            or group[0] in QUESTION_FORMS
            or (len(group) > 1 and group[1] in QUESTION_LEMMAS)
            or any(s in ignored for s in group_stems(group))
        ):
            continue
        synonyms = SYNONYMS.get(stem(group[0]))
        wanted += synonyms or [group]
    return list(dict.fromkeys(wanted)), about_decision


def _focus_group(question: str, groups: list[Group], corrections: dict[str, str]) -> Group | None:
    """The group of the thing the question counts, prices or names (FOCUS), if it has one."""
    folded = fold(question)
    match = FOCUS.search(folded)
    if match and match.group(1) in ("nom", "noms", "prix", "cout", "montant", "tarif"):
        # "quel est le nom de la directrice": what is named is the directrice
        match = FOCUS.search(folded, match.start(1)) or match
    if not match or match.group(1) in NOT_FOCUS or match.group(1) in STOP_WORDS:
        return None
    word = corrections.get(match.group(1), match.group(1))
    wanted = {stem(match.group(1)), stem(word)}
    for group in groups:
        # "logements sociaux / habitat social": a phrase of the thesaurus by its first word
        if any(stem(w.split()[0]) in wanted for w in group if w):
            return group
    return None


def _counted(question: str, groups: list[Group], focus: Group) -> list[Group]:
    """The groups a count is said of: the thing counted, and the word that follows it after
    "de" ("combien de places de bébés": places, bébés)."""
    counted = [focus]
    folded = fold(question)
    for word in focus:
        after = re.search(
            rf"\b{re.escape(word)}\s+(?:de |d'|des |du )(?:la |le |les |l'|l )?([a-z]{{3,}})",
            folded,
        )
        if after:
            counted += [g for g in groups if stem(after.group(1)) in {stem(w) for w in g}]
    return counted


def _says_count(told: str, counted: list[Group]) -> bool:
    """Whether a number stands next to a word of the thing counted (COUNT_BEFORE words before
    it, COUNT_AFTER after it)."""
    tokens = re.findall(r"\d[\d  ,.]*\d%?|\d%?|%|[^\W\d_]+|€", fold(told))
    stems = {stem(w) for g in counted for alternative in g for w in alternative.split()[:1]}

    def is_count(at: int, after: bool) -> bool:
        following = tokens[at + 1] if at + 1 < len(tokens) else ""
        if not NUMBER_WORD.match(tokens[at]) or following in SUM_UNITS:
            return False  # "520 € la semaine" is a price, not a count
        # after the thing counted, a number that counts another ("un mobil-home de quatre
        # places") does not count it
        return not (after and len(following) > 2 and following[0].isalpha()
                    and stem(following) not in stems)  # fmt: skip

    for n, token in enumerate(tokens):
        if token[0].isalpha() and stem(token) in stems:
            before = range(max(0, n - COUNT_BEFORE), n)
            after = range(n + 1, min(len(tokens), n + 1 + COUNT_AFTER))
            if any(is_count(at, False) for at in before) or any(is_count(at, True) for at in after):
                return True
    return False


def _pairs_close(groups: list[Group], told: str, lemmas: dict[str, str], window: int = 3) -> float:
    """Share of the question's consecutive word pairs found within `window` words of each
    other in `told` ("route du Mollard", "repas des aînés" as one thing, not two words apart)."""
    if len(groups) < 2:
        return 1.0
    tokens = [{stem(w), stem(lemmas.get(w, w))} for w in words(told)]
    where = [
        [n for n, own in enumerate(tokens) if any(s.split()[0] in own for s in group_stems(g))]
        for g in groups
    ]
    close = sum(any(abs(i - j) <= window for i in a for j in b) for a, b in pairwise(where))
    return close / (len(groups) - 1)


# "-re" only as a lemma or a verb of that class ("refaire", "reconstruire"): as a word it is as
# often a noun ("salaire", "centre", "titre").
INFINITIVE = re.compile(
    r"\w{3,}(?:er|ir)|\w*(?:faire|prendre|mettre|dire|ecrire|lire|vivre|suivre|[ae]ndre|ondre|"
    r"[uo]ire|eindre|oindre|aindre|battre|croire|boire|plaire|naitre|paraitre)"
)
VERB_LEMMA = re.compile(r"\w{2,}(?:er|ir|re|oir)")


# A conjugated verb or a participle, by its ending, whose lemma (spaCy's lookup table) is another
# word, a verb: "augmente" (augmenter), "abstenu" (abstenir), "refaites" (refaire); not
# "habitat" (which the table gives as "habiter"), "Flandre" nor "choix".
CONJUGATED = re.compile(r"(?:e|es|ent|ai|ais|ait|aient|ons|ez|era|eront|i|ie|is|it|u|ue|us|ues)$")


def conjugated(group: Group) -> bool:
    """Whether a question's word is a verb as conjugated or a participle (CONJUGATED)."""
    lemma = group[1] if len(group) > 1 else lemma_of_word(group[0])
    return (
        lemma is not None
        and lemma != group[0]
        and bool(VERB_LEMMA.fullmatch(lemma))
        and bool(CONJUGATED.search(group[0]))
    )


def looks_verbal(group: Group) -> bool:
    """Whether a question's word reads as a verb: an infinitive ("jeter", "refaire") or a form
    the lemmatizer's table reads as one ("regardees" -> "regarder", "paye" -> "payer")."""
    word = group[0]  # as typed: the group's other words are its lemma and synonyms
    lemma = lemma_of_word(word) or unaccented_lemma(word) or word
    return bool(INFINITIVE.fullmatch(word)) or (lemma != word and bool(VERB_LEMMA.fullmatch(lemma)))


def _key(group: Group) -> str:
    return stem(group[0])


def doc_freq(session: Session, groups: list[Group]) -> tuple[int, dict[str, int]]:
    """Passages in all, and passages with each group's words (fulltext.passage_counts: one
    statement for the groups not yet counted since the index last changed, none after)."""
    total, counts = passage_counts(session, groups)
    return total, {_key(g): counts[g] for g in groups}


MONTH_NAMES = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
               "septembre", "octobre", "novembre", "decembre")  # fmt: skip


def _date_stems(meeting_date: date) -> set[str]:
    """The meeting's month and year as words ("en décembre", "en 2023" in a question): like the
    title's words, they say what a passage is part of, not what it says."""
    return {stem(MONTH_NAMES[meeting_date.month - 1]), str(meeting_date.year)}


def _has(group: Group, own: set[str]) -> bool:
    return any(has_stems(s, own) for s in group_stems(group))


@lru_cache(maxsize=20_000)
def group_stems(group: Group) -> tuple[str, ...]:
    """text.group_stems, kept: a question's groups are read against every sentence it weighs."""
    return _group_stems(group)


@lru_cache(maxsize=4_096)
def _stemmed_words(sentence: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """A sentence's words' stems, and its distinct words (kept: the same passages and sentences
    are read by question after question). Whole passages too: about 12 KB an entry for a
    1,000-character passage (measured), so at most about 50 MiB a process."""
    distinct = tuple(dict.fromkeys(words(sentence)))
    return frozenset(stem(w) for w in distinct), distinct


def _own_stems(sentence: str, lemmas: dict[str, str]) -> set[str]:
    """The stems of a sentence's words and of their lemmas."""
    stems, distinct = _stemmed_words(sentence)
    found = set(stems)
    if lemmas:
        found.update(stem(lemmas[w]) for w in distinct if w in lemmas)
    return found


# A table's rows, as a passage holds them: "| 2026-31 | Création d'un poste … | 18 | 0 | 0 | … |"
# one after the other on a line (a Markdown table) or on lines of their own.
TABLE_ROW = re.compile(r"\|[^\n]*?\|(?=\s*\||\s*$)|\|[^\n]*\|$", re.MULTILINE)
RULE_ROW = re.compile(r"^\|[\s|:-]*\|$")


def quotable_parts(passage_text: str) -> list[str]:
    """The passage's sentences, each verbatim in it; a table (a passage that starts with "|")
    by its rows, the header and the line under it left out: a row is a fact of its own (a vote,
    a fare), and the whole table read as one sentence carried every row's facts, its dates and
    names answering questions on other rows (eval6's dev half: "nom de l'ATSEM recrutée"
    answered by the row of the vote that created the post and the initials of another)."""
    if not passage_text.lstrip().startswith("|"):
        return sentences(passage_text)
    rows = [m.group(0) for m in TABLE_ROW.finditer(passage_text)]
    body = [r for r in rows[1:] if not RULE_ROW.match(r)]
    return body or sentences(passage_text)


def table_cells(row: str) -> list[str]:
    """The cells of a table row, "| a | b |" -> ["a", "b"], each stripped."""
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def table_header(passage_text: str) -> str:
    """A table passage's first row ("" for any other passage)."""
    if not passage_text.lstrip().startswith("|"):
        return ""
    first = TABLE_ROW.search(passage_text)
    return first.group(0) if first else ""


def _with_context(passage_text: str, parts: list[str], n: int) -> str:
    """Sentence n, with the one before it when it starts with a pronoun: a verbatim slice."""
    sentence = parts[n]
    if n == 0 or not NEEDS_CONTEXT.match(sentence):
        return sentence
    start = passage_text.find(parts[n - 1])
    end = passage_text.find(sentence, start + len(parts[n - 1])) + len(sentence)
    return passage_text[start:end] if start >= 0 and end > start else sentence


def _span(passage_text: str, first: str, last: str) -> str:
    """The verbatim slice of a passage from `first` to the end of `last`, which follows it."""
    start = passage_text.find(first)
    end = passage_text.find(last, start + len(first))
    return passage_text[start : end + len(last)] if start >= 0 and end >= 0 else first


def _next_passage_quote(
    session: Session, passage: Passage, meeting_date: date, item: Item | None
) -> Quote | None:
    """The first sentence of the paragraph after `passage`, in the same deliberation."""
    following = session.scalar(
        select(Passage).where(
            Passage.meeting_id == passage.meeting_id, Passage.position == passage.position + 1
        )
    )
    if following is None or following.item_id != passage.item_id or following.kind == "heading":
        return None
    first = sentences(following.text)[0]
    return Quote(first, meeting_date, following.anchor, item.number if item else None,
                 item.title if item else None, following.page, "answer")  # fmt: skip


def _maybe_useful(session: Session, groups: list[Group], filters: Filters) -> list[Hit]:
    """The passages nearest to the question (any of its words), offered when nothing answers."""
    ranked = ranked_ids(session, groups, filters=filters, limit=MAYBE_USEFUL * 3, any_term=True)
    hits = load_hits(session, ranked, wanted_stems(groups))
    return [h for h in hits if h.kind != "heading"][:MAYBE_USEFUL]


def ask(
    session: Session,
    question: str,
    *,
    filters: Filters | None = None,
    city: str = "",
    use_gate: bool = False,
    explain: bool = False,
) -> Answer:
    """Quote the sentences of the minutes that answer `question`; `city` is the short name of
    the city whose minutes these are (settings), a word that narrows nothing.

    `explain`: a found answer says what the learned gate reads of it (Answer.features, its
    probability); `use_gate`: and the gate (portal/council/gate.py) may turn it into "not found".
    Neither is used by the portal's pages or API: out of set the gate gained nothing and its
    features cost a third of a question's time (gate.py says what was measured); its fit,
    bench/fit_answer_gate.py, reads them."""
    filters = filters or Filters()
    asked = question
    # read with the resident's shorthand spelled out ("pk", "cb", "qd"); answered as typed
    question = spelled_out(question)
    typed, about_decision = question_terms(question, city=city, ignored_words=minutes_city(session))
    kinds = question_kinds(question)
    if "count" not in kinds and (COUNT_TYPED.search(fold(question)) or bare_count(question, kinds)):
        kinds.append("count")
    decided = any(DECISION_STEM.match(s) for g in typed for s in group_stems(g))
    if decided and "date" in kinds:
        # "Quand le conseil a-t-il adopté…": the meeting's date answers it; the decision is the
        # sentence to quote, not another sentence that happens to hold a date.
        kinds = [k for k in kinds if k != "date"]
    if not typed:
        return Answer(asked, False, [], [], about_decision, kinds, rule="no-words")
    expansion: Expansion = expand(session, typed)
    groups = expansion.groups
    shown = [" / ".join(g) for g in groups]

    def not_found(rule: str) -> Answer:
        return Answer(asked, False, [], shown, about_decision, kinds,
                      _maybe_useful(session, groups, filters), expansion.corrections,
                      expansion.unknown, rule=rule)  # fmt: skip

    total, freq = doc_freq(session, groups)
    # The words by which the question names the kind of fact it asks for count half too; a
    # passage or sentence that gives such a fact answers them (coverage), so that the minutes
    # lack them ("temps" in "combien de temps") says nothing of whether they answer.
    kind_of = {stem(w): kind for w, kind in kind_words(question).items()}
    kind_stems = KIND_STEMS | set(kind_of)
    if "amount" not in kinds:
        # "les tarifs de la crèche ont été adoptés à l'unanimité ?": the fares are what the vote
        # was on, a word of the subject, not the kind of fact asked
        kind_stems -= AMOUNT_STEMS
    unknown = {w for w in expansion.unknown if stem(w) not in kind_of}
    # Rare words weigh more (the square root of BM25's IDF: in minutes of a few hundred
    # passages, the IDF of a word found in one or two of them, "facture", "lampes", "idée", is
    # twice that of the question's subject, and its absence from the passage that answers made
    # the question "not found"); "adopté", "voté" say what is asked more than what about, so they
    # count half.
    weight = {
        _key(g): math.sqrt(math.log(1 + (total - freq[_key(g)] + 0.5) / (freq[_key(g)] + 0.5)))
        * (0.5 if DECISION_STEM.match(_key(g)) or _key(g) in kind_stems else 1.0)
        * (UNKNOWN_SHARE if g[0] in unknown else 1.0)
        for g in groups
    }
    full = sum(weight.values())
    # ...unless those words are most of the question ("Quel temps fera-t-il demain à
    # Marseille ?"): then the minutes do not speak of what is asked.
    heard = {_key(g): math.log(1 + (total - freq[_key(g)] + 0.5) / (freq[_key(g)] + 0.5))
             for g in groups}  # fmt: skip
    # A verb the minutes do not use ("refaire", "regardées", "embauchée") says how the resident
    # puts it more than what about: it counts VERBAL_UNKNOWN of its weight here; not a verb of
    # money ("combien gagne le maire"): that sum is what is asked.
    share_of = {
        _key(g): VERBAL_UNKNOWN if looks_verbal(g) and not MONEY.search(g[0]) else 1.0
        for g in groups
        if weight[_key(g)] == 0  # only words no passage has are read for it
    }
    if sum(w * share_of.get(k, 1.0) for k, w in heard.items() if weight.get(k, 0) == 0) > (
        UNKNOWN_MAX * sum(w * share_of.get(k, 1.0) for k, w in heard.items())
    ):
        return not_found("unknown-words")
    ranked = kind_rerank(
        session,
        candidates(session, groups, filters=filters, limit=RERANK_POOL, own=expansion.own),
        kinds,
    )[:PASSAGES_READ]
    if not ranked or full <= 0:
        return not_found("no-passage")
    rows = {
        row[0].id: row
        for row in session.execute(
            select(Passage, Meeting.meeting_date, Item)
            .join(Meeting, col(Meeting.id) == Passage.meeting_id)
            .outerjoin(Item, col(Item.id) == Passage.item_id)
            .where(col(Passage.id).in_([i for i, _ in ranked]))
        ).all()
    }

    synonym_stems = {s for s, (_, route) in expansion.routes.items() if route == SYNONYM}

    def found_as(group: Group, own: set[str]) -> float:
        """1 when a word of the group is found as written, by its lemma or corrected; SYNONYM_SHARE
        when only a synonym of the thesaurus is found (the question's own words count more)."""
        share = 0.0
        for alternative in group_stems(group):
            if has_stems(alternative, own):
                if not set(alternative.split()) <= synonym_stems:
                    return 1.0
                share = SYNONYM_SHARE
        return share

    def coverage(own: set[str], title_stems: set[str], said: str = "") -> float:
        """Share of the question's weight found in `own`, words only in the title at half. A word
        that names the kind of fact asked for ("unanimité", "montant", "combien de temps") is
        found in a text that `said` such a fact ("adopté par 23 voix pour", "35 000 €",
        "quinze jours"), whatever its words."""
        score = 0.0
        for g in groups:
            kind = kind_of.get(_key(g))
            if kind and said and carries(said, [kind]):
                share = 1.0
            else:
                share = found_as(g, own) or 0.5 * found_as(g, title_stems)
            score += weight[_key(g)] * share
        return score / full

    # 1. Passages that answer: enough of the question's weight in the passage (with its
    # deliberation's title), in the search's order (which already puts the kind of fact asked
    # for first).
    answering = []
    years = set(YEAR.findall(question))
    # The words of what the question is about: not the kind of fact asked for, not "voté", not
    # a year, not a word no passage has.
    subject = [g for g in groups if weight[_key(g)] > 0 and not DECISION_STEM.match(_key(g))
               and _key(g) not in kind_stems and not YEAR.fullmatch(g[0])]  # fmt: skip
    # ...and of those, the things it names, not what they do ("augmente", "refaire"), when it
    # names some: a passage must hold one of them.
    things = [g for g in subject if not conjugated(g)]
    for rank, (passage_id, _) in enumerate(ranked):
        passage, meeting_date, item = rows[passage_id]
        if passage.kind == "heading":
            continue
        if years and not any(
            y in passage.text or (item and y in item.title) or y == str(meeting_date.year)
            for y in years
        ):
            # "subvention du bagad en 2024": a passage on 2025's subsidies, in minutes of 2025,
            # does not answer for 2024, however many of the question's words it has
            continue
        title_stems = (set(terms(item.title)) if item else set()) | _date_stems(meeting_date)
        own_stems = _own_stems(passage.text, passage.lemmas)
        if subject and not any(_has(g, own_stems | title_stems) for g in subject):
            # "qui a voté contre le budget 2025": the vote on Sunday opening in 2025 does not
            # answer, nor does any passage that has none of what the question is about, in
            # itself or its deliberation's title (its weight was the kind of fact, the vote,
            # the year)
            continue
        if (
            things
            and not any(_has(g, own_stems | title_stems) for g in things)
            and not ("vote" in kinds and passage.kind in ("vote", "decision"))
        ):
            # "pk le stationnement augmente": a passage where something else "augmente" (the
            # taxes, the pupils) does not answer; the rarer verb outweighed the parking. (A
            # deliberation's vote line answers "qui s'est abstenu" without naming its subject.)
            continue
        covered = coverage(own_stems, title_stems, passage.text)
        answering.append((covered, rank, passage, meeting_date, item, title_stems))
    best = max((a[0] for a in answering), default=0.0)
    if best < RELEVANT:
        return replace(not_found("no-passage"), coverage=best)
    # The best passages, and, for a question on a kind of fact, the good ones that carry it.
    focus = _focus_group(question, groups, expansion.corrections)
    if focus is not None and (
        kind_of.get(_key(focus), "count") != "count"
        or ("vote" in kinds and QUESTION_KINDS["vote"].search(focus[0]))
    ):
        # "combien d'abstentions": a word of the kind of fact asked for (a vote), not a thing
        # counted
        focus = None
    # ...and what it is of ("le nom du président DE LA SNSM", "le prix du repas DES AÎNÉS"):
    # the president of a football club does not answer.
    named = _counted(question, groups, focus) if focus is not None else []
    chosen = [
        a
        for a in answering
        if a[0] >= max(RELEVANT, KEEP * best)
        or (kinds and a[0] >= max(RELEVANT, KIND_KEEP * best) and carries(a[2].text, kinds))
    ]
    if named:
        # the passages that speak of the thing counted, priced or named come first ("combien de
        # bio": the share of organic produce, before the canteen's fares)
        chosen.sort(
            key=lambda a: (
                not all(found_as(g, _own_stems(a[2].text, a[2].lemmas) | a[5]) for g in named)
            )
        )
    chosen = chosen[:MAX_QUOTES]
    # 2. In each, the sentence that carries most of the question and the kind of fact asked for.
    picked: list[tuple[float, int, Quote, Quote | None]] = []
    sentence_best = 0.0
    # A question on an amount, a count or a date: the best share of its weight in a quote that
    # gives such a fact (the sentence, with the one before it or the reply that follows).
    facts = [k for k in kinds if k in FACT_KINDS]
    fact_said = 0.0
    tolds: list[str] = []  # the quotes' sentences that answer (without the one before)
    told_sources: list[tuple[str, dict[str, str], list[str], set[str]]] = []
    # "quand rouvre le point jeunes": "fermé depuis 2022" says since when, not when
    since_cut = "date" in facts and not SINCE_ASKED.search(fold(question))
    for _, rank, passage, meeting_date, item, title_stems in chosen:
        parts = quotable_parts(passage.text)
        header = table_header(passage.text)
        if header:
            # a row means what its table's header says ("| Fonctionnement | 781 200,00 € |"
            # under "| Section | Budget 2025 |"): the header's words count as the title's do
            title_stems = title_stems | _own_stems(header, passage.lemmas)
        scored_sentences = []
        for n, sentence in enumerate(parts):
            score = coverage(_own_stems(sentence, passage.lemmas), title_stems, sentence)
            score += KIND_BONUS * sentence_share(sentence, kinds)
            if about_decision and passage.kind == "decision":
                score += DECISION_BONUS
            scored_sentences.append((score, -n, n))
        sentence_score, _, n = max(scored_sentences)
        text_ = _with_context(passage.text, parts, n)
        follow_up = None
        if ASKED.search(parts[n]) or ASKED_QUESTION.match(parts[n]):
            # "Mme Ortiz demande si…": the answer is the reply that follows, in the same paragraph
            # or at the start of the next one; quote both.
            if n + 1 < len(parts):
                text_ = _span(passage.text, text_, parts[n + 1])
            else:
                follow_up = _next_passage_quote(session, passage, meeting_date, item)
        elif (
            "reason" in kinds
            and n + 1 < len(parts)
            and (carries(parts[n + 1], ["reason"]) or REFERS_BACK.match(parts[n + 1]))
        ):
            # "Pourquoi le gymnase est fermé ?": the sentence that names the gymnasium states the
            # fact, the one after it ("Elle a émis un avis défavorable en raison de…", "Cette
            # homonymie provoque…") gives the reason; quote both.
            text_ = _span(passage.text, text_, parts[n + 1])
        quote = Quote(text_, meeting_date, passage.anchor, item.number if item else None,
                      item.title if item else None, passage.page, "answer",
                      header if header and text_ == parts[n] else "")  # fmt: skip
        picked.append((sentence_score, rank, quote, follow_up))
        said = coverage(_own_stems(text_, passage.lemmas), title_stems, text_)
        sentence_best = max(sentence_best, said)
        # the fact must be in the sentence chosen or in the reply quoted after it, not in the
        # sentence before it quoted only to say who "il" is
        told = text_[text_.find(parts[n]) :] + (" " + follow_up.text if follow_up else "")
        told_stems = _own_stems(told, passage.lemmas)
        told_covered = coverage(told_stems, title_stems, told)
        if told_covered >= FACT_RELEVANT:
            # only a sentence about what is asked can answer it with a count, a name, an hour
            tolds.append(told)
            told_sources.append((told, passage.lemmas, parts, title_stems))
        if facts and carries(SINCE.sub("", told) if since_cut else told, facts):
            fact_said = max(fact_said, told_covered)
    # The best sentences first (the question's words and the kind of fact asked for), then the
    # search's order.
    picked.sort(key=lambda p: (-p[0], p[1]))
    quotes: list[Quote] = []
    for _, _, quote, follow_up in picked:
        for candidate in (quote, follow_up):
            if candidate and all(
                candidate.text not in q.text and q.text not in candidate.text for q in quotes
            ):
                quotes.append(candidate)
    top = max(answering, key=lambda a: (a[0], -a[1]))
    top_stems = _own_stems(top[2].text, top[2].lemmas) | top[5]
    missing = max((weight[_key(g)] / full for g in groups if not _has(g, top_stems)), default=0.0)
    features: dict[str, float] = {}
    if explain or use_gate:
        # What the gate reads of this answer (gate.FEATURES): how much of the question the best
        # passage and the best quoted sentence hold, how much of what it is about, how it was found.
        heard_total = sum(heard.values()) or 1.0
        corrected = set(expansion.corrections.values())
        subject_weight = sum(weight[_key(g)] for g in subject) or 1.0
        told_owns = [_own_stems(told, lemmas) | title_ for told, lemmas, _, title_ in told_sources]
        subject_told = max(
            (
                sum(weight[_key(g)] for g in subject if _has(g, own)) / subject_weight
                for own in told_owns
            ),
            default=0.0,
        )
        # the heaviest word of the question missing from the best quoted sentence (with its title)
        told_missing = min(
            (max((weight[_key(g)] / full for g in groups if not _has(g, own)), default=0.0)
             for own in told_owns),
            default=1.0,
        )  # fmt: skip
        top_text_stems = _own_stems(top[2].text, top[2].lemmas)
        heaviest = max(groups, key=lambda g: weight[_key(g)])
        others = [
            _own_stems(a[2].text, a[2].lemmas) | a[5] for a in answering if a[2] is not top[2]
        ]
        scores = [s for _, s in ranked]
        features = {
            "coverage": best,
            "sentence_best": sentence_best,
            "missing": missing,
            "fact_asked": float(bool(facts)),
            "fact_said": fact_said if facts else 0.0,
            "kind_found": float(not kinds or any(carries(q.text, kinds) for q in quotes)),
            "kinds": float(len(kinds)),
            "subject_words": float(len(subject)),
            "words": float(len(groups)),
            "subject_told": subject_told if subject else 1.0,
            "told_missing": told_missing,
            # what the question is about, in the best passage (with its title)
            "subject_passage": (
                sum(weight[_key(g)] for g in subject if _has(g, top_stems)) / subject_weight
                if subject
                else 1.0
            ),
            # the question's heaviest word: in no quoted sentence, but in another passage
            "heaviest_elsewhere": float(
                not any(_has(heaviest, own) for own in told_owns)
                and any(_has(heaviest, own) for own in others)
            ),
            # the first quote says something is not so, reports a request, or is a table's row
            "negation": float(bool(quotes) and bool(NEGATION.search(quotes[0].text))),
            "request": float(bool(quotes) and bool(REQUEST.search(quotes[0].text))),
            "table": float(bool(quotes) and quotes[0].text.lstrip().startswith("|")),
            # consecutive words of the question close together (3 words) in a quoted sentence
            "pairs_told": max(
                (_pairs_close(groups, told, lemmas) for told, lemmas, _, _ in told_sources),
                default=0.0,
            ),
            "unknown_share": sum(w for k, w in heard.items() if weight.get(k, 0) == 0)
            / heard_total,
            "corrected_share": sum(heard[_key(g)] for g in groups if corrected & set(g))
            / heard_total,
            "synonym_share": sum(
                weight[_key(g)] for g in groups if found_as(g, top_stems) == SYNONYM_SHARE
            )
            / full,
            "title_only_share": sum(
                weight[_key(g)]
                for g in groups
                if not found_as(g, top_text_stems) and found_as(g, top[5] - top_text_stems)
            )
            / full,
            "top_rank": float(top[1]),
            "score_ratio": scores[1] / scores[0] if len(scores) > 1 and scores[0] > 0 else 0.0,
            "answering": float(sum(a[0] >= RELEVANT for a in answering)),
            "told": float(len(tolds)),
            "focus": float(focus is not None),
            "about_decision": float(about_decision),
            **{
                f"asks_{k}": float(k in kinds)
                for k in ("amount", "date", "person", "vote", "reason")
            },
        }

    def declined(rule: str) -> Answer:
        """Not found by the rule named (RULES): with what the gate would have read, and the
        quotes declined."""
        return replace(not_found(rule), coverage=best, kind_found=False, features=features,
                       declined=quotes)  # fmt: skip

    # A question on an amount, a count or a date that no quoted sentence answers with one is not
    # answered, however well its words are found ("combien ont coûté les plaques" when the minutes
    # speak of the plaques but give no sum).
    if facts and (not any(carries(q.text, facts) for q in quotes) or fact_said < FACT_RELEVANT):
        return declined("fact-missing")
    if focus is not None and not any(
        all(found_as(g, _own_stems(a[2].text, a[2].lemmas) | a[5]) for g in named)
        and (not facts or carries(a[2].text, facts))
        for a in chosen
    ):
        return declined("focus-missing")
    # "Combien de places de parking place du Foirail ?": a count is a number next to the thing
    # counted, not a number in a sentence that names it ("place du Foirail") or speaks of it.
    if focus is not None and "count" in kinds:
        counted = _counted(question, groups, focus)
        if not any(_says_count(told, counted) for told in tolds):
            return declined("count-missing")
    # "le prix de l'eau": a sum in a sentence that names the thing priced (or after one that
    # does, or in a deliberation titled with it), not a sum for a
    # building in a quote that names water in its next sentence ("240 000 € … Il comprendra des
    # douches à économie d'eau")
    if (
        focus is not None
        and "amount" in kinds
        and "count" not in kinds
        and "reason" not in kinds
        and not any(
            carries(part, ["amount"])
            and (
                found_as(focus, _own_stems(part, lemmas) | title_)
                # "Le coût de la mesure est estimé…": the thing named in the sentence before
                or (m > 0 and found_as(focus, _own_stems(parts_[m - 1], lemmas)))
            )
            for told, lemmas, parts_, title_ in told_sources
            for m, part in enumerate(parts_)
            if part in told
        )
    ):
        return declined("amount-elsewhere")
    # "prix cantine tranche 3", "ligne 12": a number that tells one of several things apart is
    # what is asked about; a quote for another tranche does not answer
    label = NUMBERED.search(fold(question))
    if label and not any(
        # the number itself, not "3 500 €" nor "3,90 €"
        re.search(rf"(?<![\d,. \u00a0\u202f]){label.group(1)}(?![\d,]|[. \u00a0\u202f]\d)", told)
        for told in tolds
    ):
        return declined("label-missing")
    # "loyer d'un T3", "ligne A12": a code of letters and digits tells one thing from its
    # kind's others; a quote that does not have it (a T2's rent) does not answer
    codes = {c for c in CODE.findall(fold(question)) if c not in UNITS}
    if codes and not any(all(re.search(rf"\b{c}\b", fold(told)) for c in codes) for told in tolds):
        return declined("label-missing")
    # Opening hours are answered by an hour (TIME_ASKED).
    if TIME_ASKED.search(fold(question)) and not any(TIME_SAID.search(told) for told in tolds):
        return declined("time-missing")
    # A name, a brand, a company is answered by a name (NAME_ASKED).
    if NAME_ASKED.search(fold(question)) and not any(NAME_SAID.search(told) for told in tolds):
        return declined("name-missing")
    role = ROLE_ASKED.search(fold(question))
    if (
        role
        and ("person" in kinds or NAME_ASKED.search(fold(question)))
        and not any(
            NAME_SAID.search(told) and re.search(rf"\b{role.group(1)}", fold(told))
            for told in tolds
        )
    ):
        return declined("role-missing")
    # "Pourquoi Lacombe est contre les caméras ?": a table's row (a vote, a fare) says who voted
    # what, never why; a question asking why that only rows answer is not answered.
    if "reason" in kinds and quotes and all(TABLE_ROW.fullmatch(q.text) for q in quotes):
        return declined("reason-missing")
    if "person" in kinds and PRESENTED.search(fold(question)) and chosen[0][4] is not None:
        quotes += _rapporteur_quotes(session, chosen[0][4].id, quotes)
    kind_found = not kinds or any(carries(q.text, kinds) for q in quotes)
    first_item = chosen[0][4]
    if (about_decision or "vote" in kinds) and first_item is not None:
        quotes += _decision_quotes(session, first_item.id, quotes)
    probability = gate.probability(features) if features else None
    if use_gate and probability is not None and not gate.accepts(probability):
        return replace(not_found(""), coverage=best, missing=missing, kind_found=kind_found,
                       sentence_coverage=sentence_best, decided_by="gate", features=features,
                       gate_probability=probability, declined=quotes)  # fmt: skip
    return Answer(asked, True, quotes, shown, about_decision, kinds, [],
                  expansion.corrections, expansion.unknown, best, missing, kind_found,
                  sentence_best, "quotes", features, probability)  # fmt: skip


def _rapporteur_quotes(session: Session, item_id: int, already: list[Quote]) -> list[Quote]:
    """The "Rapporteur : …" line of a deliberation, for "who presented it"."""
    rows = session.execute(
        select(Passage, Meeting.meeting_date, Item)
        .join(Meeting, col(Meeting.id) == Passage.meeting_id)
        .join(Item, col(Item.id) == Passage.item_id)
        .where(Passage.item_id == item_id, col(Passage.text).like("Rapporteu%"))
        .order_by(Passage.position)
        .limit(1)
    ).all()
    return [
        Quote(passage.text, meeting_date, passage.anchor, item.number, item.title, passage.page,
              "answer")
        for passage, meeting_date, item in rows
        if all(q.anchor != passage.anchor for q in already)
    ]  # fmt: skip


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
