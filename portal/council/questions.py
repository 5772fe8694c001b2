"""What a question asks for, and which sentences or passages carry that kind of fact.

A resident's question is read for its kind (several may apply): an amount (combien, quel coût,
quel montant, prix), a date (quand, quelle date, depuis quand, à partir de quand), a person (qui,
quel élu, rapporteur), a vote (adopté, voté, unanimité, contre, abstention) or a reason
(pourquoi). A sentence carries an amount when it has a sum in euros or a percentage, a date when
it names a day, a month, a year or an hour, a person when it names someone ("M. Vasseur", "Mme
Ortiz", "Rapporteur :"), a vote when it is the vote line or says who voted how, a reason when it
says why ("car", "afin de", "en raison de"...). These are patterns, not a model: predictable and
explainable, and the same on every database.
"""

from __future__ import annotations

import re
from functools import lru_cache

from portal.council.nlp import AMOUNT
from portal.council.parse import FRENCH_DATE, VOTE, VOTE_TABLE
from portal.council.text import fold

KINDS = ("amount", "count", "date", "duration", "person", "vote", "reason")

# What "combien de" asks a sum of, not a count: money ("combien de subvention pour le club").
NOT_COUNTED = (r"(?!euros?\b|argent\b|subventions?\b|budget\b|loyers?\b|aides?\b|credits?\b|"
               r"dettes?\b|recettes?\b|depenses?\b)")  # fmt: skip
# What a question asks for, read on its folded text.
QUESTION_KINDS = {
    # "combien de pourcents": a percentage
    "amount": re.compile(r"\bcombien\b|\bmontants?\b|\bcout|\bcoute|\bprix\b|\btarifs?\b|"
                         r"\bpour ?cents?\b|\bpourcentages?\b"),
    # "combien de caméras": a count, not a sum ("combien de subvention": a sum)
    "count": re.compile(r"\bcombien (?:de |d')" + NOT_COUNTED + r"|\bnombre\b|\bquelle part\b"),
    "date": re.compile(r"\bquand\b|\bquelle date\b|\bdepuis quand\b|\bjusqu.a quand\b|"
                       r"\ba partir de quand\b|\bquel jour\b|\bquel mois\b|\bquelle annee\b|"
                       r"\ben quelle annee\b|\bdates?\b|\bdelais?\b|\bhoraires?\b"),
    # "combien de temps", "pendant combien de jours": a length of time, not a sum nor a count
    "duration": re.compile(r"\bcombien de (?:temps|jours|semaines|mois|annees|ans|heures|minutes)\b|"
                           r"\bpendant combien\b|\bduree\b"),
    "person": re.compile(r"^\s*qui\b|\bpar qui\b|\bqui (?:a|ont|est|sont|va|vont|etait)\b|"
                         r"\bquels? elus?\b|\bquelles? elues?\b|\brapporteu|\bnom\b|"
                         r"\bqui (?:presente|preside|porte|gere|dirige)|\bc(?:.?est)? qui\b"),
    # "adopté", "approuvé" ask about the decision (answered with it, and its vote); these ask
    # about the vote itself.
    "vote": re.compile(r"\bvot|\bunanimit|\bcontre\b|\babstenu|\babstention"),
    "reason": re.compile(r"\bpourquoi\b|\braisons?\b|\bmotifs?\b|\bjustifi|\bcause\b"),
}  # fmt: skip
MONTH_NAMES = (r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|"
               r"novembre|d[ée]cembre")  # fmt: skip
# A sum written in words, as registers and village minutes write them ("quatre cents euros",
# "trente-huit mille cinq cents euros", "cinq euros quarante", "deux millions d'euros").
NUMBER_WORDS = (r"(?:un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|"
                r"quatorze|quinze|seize|vingts?|trente|quarante|cinquante|soixante|cents?|mille|"
                r"millions?|milliards?)")  # fmt: skip
AMOUNT_IN_WORDS = re.compile(
    rf"\b{NUMBER_WORDS}(?:(?:[\s-]+et)?[\s-]+{NUMBER_WORDS})*\s+(?:d['’]\s*)?euros?\b", re.I
)
# What a sentence carries, read on its text as written.
SENTENCE_FACTS = {
    "amount": re.compile(AMOUNT.pattern + r"|\d\s*(?:€|k€|M€)|\d[\d  ,]*\s*%|\bmillions?\b|"
                         + AMOUNT_IN_WORDS.pattern, re.I),
    "count": re.compile(r"\d|\b(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|"
                        r"treize|quatorze|quinze|seize|vingt|trente|quarante|cinquante|soixante|"
                        r"cent|mille)\b", re.I),
    "date": re.compile(FRENCH_DATE.pattern + rf"|\b(?:{MONTH_NAMES})\b|\b(?:19|20)\d{{2}}\b|"
                       r"\b(?:printemps|été|automne|hiver|rentrée)\b|\b\d{1,2}\s*h\b|"
                       r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b|"
                       # school and public holidays, parts of a year, a time from now
                       r"\b(?:vacances|toussaint|noël|pâques|trimestre|semestre)\b|"
                       r"\b(?:fin|début|courant|milieu) (?:de l'année|d'année)\b|"
                       r"\b(?:l'an|l'année|le mois|la semaine) (?:prochaine?|dernière?)\b|"
                       r"\bdans (?:\d+|un|une|deux|trois|quatre|six|dix|quinze) (?:jours|semaines|mois|ans)\b", re.I),
    # a number of days, weeks, months, years or hours ("quinze jours", "30 ans", "deux mois")
    "duration": re.compile(r"(?:\b\d+|\b(?:un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|"
                           r"douze|treize|quatorze|quinze|seize|vingt|trente|quarante|cinquante|"
                           r"soixante|cent))\s+(?:jours?|semaines?|mois|ans|années?|heures?|minutes?)\b|"
                           r"\bdurée\b", re.I),
    "person": re.compile(r"\b(?:M\.|Mme|MM\.|Monsieur|Madame|Maître)\s+[A-ZÀ-Ý]|"
                         r"\bRapporteu(?:r|se)\b|(?<=[a-zà-ÿ,] )[A-ZÀ-Ý][a-zà-ÿ]+ [A-ZÀ-Ý][A-ZÀ-Ýa-zà-ÿ-]+|"
                         # a first name and a name, not "Le Conseil" nor "Madame la Maire"
                         r"\b(?!(?:Le|La|Les|Un|Une|Des|Du|De|Ce|Cette|Il|Elle|En|Au|Aux|Pour|"
                         r"Par|Sur|Dans|Madame|Monsieur|Vote|Conseil|Ville|Commune)\b)"
                         r"[A-ZÀ-Ý][a-zà-ÿ]{2,} [A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?\b"),
    "vote": re.compile(VOTE.pattern.lstrip("^") + "|" + VOTE_TABLE.pattern.lstrip("^") + r"|\bunanimit|\bpour\s*:\s*\d|\bcontre\s*:\s*\d|"
                       r"\babstentions?\b|\bs'abst|\bvot(?:e|é|ent|era|eront|ant)\b|"
                       r"\badopt|\brejet|\bcontre\b", re.I),
    "reason": re.compile(r"\bcar\b|\bparce qu|\ben raison\b|\bafin\b|\bdu fait\b|\bcompte tenu\b|"
                         r"\bà cause\b|\bjustifi|\bd[ûu]e? à\b|\bs'explique|\bmotif|\bobjectif|"
                         r"\bvise à\b|\bpour (?:permettre|éviter|limiter|réduire|répondre)\b|"
                         r"\ben effet\b|\bc'est pourquoi\b|\bsuite à\b|\bdès lors\b|\bmis en évidence\b|"
                         r"\brévél|\bconstat|\bdiagnostic|\bnécessit|\bvétust|\bdégrad|\bobligation|"
                         r"\bimpos|\bconformément\b|\bdoit être\b|\bdoivent être\b|\bpermettr|"
                         r"\bsécurité\b|\brisque|\bhausse\b|\bbaisse\b|\baugment", re.I),
}  # fmt: skip
# A sentence that starts this way needs the one before it to be understood.
NEEDS_CONTEXT = re.compile(
    r"^(?:Il|Elle|Ils|Elles|Celui-ci|Celle-ci|Ceux-ci|Celles-ci|Cela|Ceci|Ce dernier|"
    r"Cette dernière|Son|Sa|Ses|Leur|Leurs|Lui|Eux|Selon lui|Selon elle|En revanche|Toutefois|"
    r"Cependant|Pour sa part|De son côté)\b"
)


# Words that speak of money without asking a sum ("subvention", "euros", "cher"): they make an
# amount question only when no interrogative asks for something else ("subvention club de rugby
# 2024 ?" asks a sum; "pourquoi X n'a pas voté la subvention" asks a reason, "qui a demandé la
# subvention" a person, "quand la subvention sera versée" a date).
AMOUNT_TOPIC = re.compile(
    r"\bcher\b|\bsubvention|\beuros?\b|\bdeficits?\b|\bexcedents?\b|\brecettes?\b|"
    r"\bdepenses?\b|\bcautions?\b|\bloyers?\b|\bredevances?\b|\beconomies\b|\bdettes?\b|"
    r"\bfactures?\b|\bsalaires?\b"
)
# How a vote went: against, abstained, unanimous.
VOTE_OUTCOME = re.compile(r"\bcontre\b|\babstenu|\babstention|\bunanimit")
ASKS_OTHER = re.compile(
    r"\bpourquoi\b|\bquand\b|^\s*qui\b|\bpar qui\b|\bqui (?:a|ont|est|sont)\b|"
    r"\bcomment\b|\bou\b"
)


# Words of money: with them a bare "combien" asks a sum.
MONEY = re.compile(
    r"\bpa(?:ye|yes|yent|yee|yer|ie|ient)\b|\bcout|\bcoute|\bprix\b|\btarif|\beuro|"
    r"\bargent\b|\bsubvention|\bbudget|\bmontant|\bvend|\bachet|\btouch|\brecoi|"
    r"\bpercoi|\bdonne|\bverse|\bfinanc|\bempru|\bloyer|\bcher\b|\bfacture|\bdepens|\bgagn"
)


# Residents' shorthand, as typed on a phone ("pk il faut refaire les gradins", "cb ca coute",
# "qd rouvre la piscine"): the words they stand for, before a question is read. Whole words only,
# and only the common ones of French texting: none of them is a word of the minutes.
SHORTHAND = {
    "pk": "pourquoi", "pq": "pourquoi", "pkoi": "pourquoi", "pourkoi": "pourquoi",
    "qd": "quand", "cb": "combien", "cmb": "combien", "cbn": "combien",
    "ds": "dans", "pr": "pour", "bcp": "beaucoup", "tjrs": "toujours", "tjs": "toujours",
    "qqn": "quelqu'un", "qq": "quelques", "qqs": "quelques", "svp": "", "stp": "",
}  # fmt: skip
_SHORTHAND = re.compile(r"(?<![\w'’-])(" + "|".join(SHORTHAND) + r")(?![\w'’-])", re.I)


def spelled_out(question: str) -> str:
    """The question with residents' shorthand written out (SHORTHAND): "pk le centre aéré est
    fermé" -> "pourquoi le centre aéré est fermé"."""
    return _SHORTHAND.sub(lambda m: SHORTHAND[m.group(1).lower()], question)


def question_kinds(question: str) -> list[str]:
    """What the question asks for: amount, date, person, vote, reason (several may apply)."""
    folded = fold(question)
    kinds = [kind for kind, rx in QUESTION_KINDS.items() if rx.search(folded)]
    if "duration" in kinds:
        # its "combien" asks how long, not how much or how many
        kinds = [k for k in kinds if k not in ("amount", "count")]
    if "amount" not in kinds and AMOUNT_TOPIC.search(folded) and not ASKS_OTHER.search(folded):
        kinds.insert(0, "amount")
    if "vote" in kinds and VOTE_OUTCOME.search(folded):
        # "tarifs cantine vote contre", "tarifs ski combien se sont abstenus": who voted how, the
        # fares being what the vote was on; not a sum
        kinds = [k for k in kinds if k != "amount"]
    return kinds


def bare_count(question: str, kinds: list[str]) -> bool:
    """Whether a "combien" without "de" and without money asks how many as much as how much
    ("hlm dans le lotissement du breuil combien", "bus pour brest combien par jour"); the
    answers read it so, the search keeps the kinds above."""
    folded = fold(question)
    return (
        "amount" in kinds and "count" not in kinds and "duration" not in kinds
        and COMBIEN.search(folded) is not None and not MONEY.search(folded)
    )  # fmt: skip


WORD_END = re.compile(r"\w*")
COMBIEN = re.compile(r"\bcombien\b")
PAID = re.compile(
    r"\bpa(?:ye|yes|yent|yee|yees|yer|ie|ies|ient)\b|\btouch(?:e|ent|era|eront|er)\b|"
    r"\b(?:re|per)c(?:oit|oivent|evra|evront|evoir)\b"
)


def kind_words(question: str) -> dict[str, str]:
    """The folded words by which the question says what kind of fact it asks for ("temps" in
    "combien de temps", "unanimite", "montant", "horaires", "rapporteur"), each with that kind:
    they say what is asked, not what about."""
    folded = fold(question)
    kinds = question_kinds(question)
    found: dict[str, str] = {}
    for kind, rx in QUESTION_KINDS.items():
        if kind not in kinds:
            continue
        for match in rx.finditer(folded):
            rest = WORD_END.match(folded, match.end())
            end = rest.end() if rest else match.end()
            for word in re.findall(r"\w+", folded[match.start() : end]):
                found.setdefault(word, kind)
    if "amount" in kinds and COMBIEN.search(folded):
        # "combien paye la commune", "c payé combien", "combien touche l'harmonie": paying or
        # being paid says a sum is asked for ("les
        # clubs paient-ils le gymnase" asks whether, about paying)
        for word in PAID.findall(folded):
            found.setdefault(word, "amount")
    return found


@lru_cache(maxsize=50_000)
def _carries(text: str, kind: str) -> bool:
    """Whether `text` carries a fact of this kind (kept: the same passages and sentences are
    read by question after question)."""
    return SENTENCE_FACTS[kind].search(text) is not None


def carries(text: str, kinds: list[str]) -> bool:
    """Whether a sentence or a passage carries a fact of one of these kinds."""
    return any(_carries(text, k) for k in kinds)


# A date a resident asking "quand" can act on: a day and its month, a month and its year, a
# month's part ("courant avril"), a school holiday, a date in figures. A year, a season or a
# weekday alone says when only roughly ("312 arbres plantés au printemps" against "les 138
# restants seront plantés entre le 16 et le 27 novembre").
PRECISE_DATE = re.compile(
    rf"\b\d{{1,2}}(?:er)?\s+(?:(?:et|au|-)\s+(?:le\s+)?\d{{1,2}}\s+)?(?:{MONTH_NAMES})\b|"
    rf"\b(?:{MONTH_NAMES})\s+(?:19|20)\d{{2}}\b|"
    rf"\b(?:courant|début|fin|mi-?)\s*(?:{MONTH_NAMES})\b|"
    r"\b(?:vacances|toussaint|noël|pâques)\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    re.I,
)


@lru_cache(maxsize=50_000)
def _precise_date(text: str) -> bool:
    return PRECISE_DATE.search(text) is not None


def sentence_share(text: str, kinds: list[str]) -> float:
    """`carried_share` for choosing a passage's sentence: a date counts in full when precise
    (PRECISE_DATE), half when only a year, a season or a weekday."""
    if not kinds:
        return 0.0
    total = 0.0
    for k in kinds:
        if _carries(text, k):
            total += 1.0 if k != "date" or _precise_date(text) else 0.5
    return total / len(kinds)


def carried_share(text: str, kinds: list[str]) -> float:
    """The share of the kinds asked for that a sentence or passage carries ("qui a voté
    contre" asks a person and a vote: a sentence naming who votes against carries both)."""
    if not kinds:
        return 0.0
    return sum(1 for k in kinds if _carries(text, k)) / len(kinds)
