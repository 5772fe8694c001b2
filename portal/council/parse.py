"""Turn a minutes file into a meeting, its items (deliberations) and its passages.

Two layouts are read:
- Markdown/text with a front matter (the sources of content/council/): the meeting's facts between
  two `---` lines, one `## Délibération n° …` heading per item;
- the layout of real French minutes, as found in PDF (text layer, read with pypdf), HTML or plain
  text: a title naming the date, "Lieu :", "Présidence :", "Présents :", "Absents :", "Pouvoirs :"
  lines, then "Délibération n° 2024-05-12 : titre", "Rapporteur : …", the debate, "Le Conseil
  municipal, après en avoir délibéré, …" and a "Vote :" line.

In both, lines wrapped inside a paragraph are joined and words hyphenated at a line end are mended;
in PDFs the header and footer repeated on each page and the page numbers are removed, and a
paragraph cut by a page break is put back together (keeping the page where it starts).

Passages are paragraph-sized so that a citation points at something a reader can check: where the
source has no blank line between paragraphs (text extracted from a PDF), a wrapped line much
shorter than the others ends its paragraph; a paragraph longer than MAX_PASSAGE characters is cut
at sentence ends into nearly equal parts (never inside a sentence, never across a deliberation).
Text files have pages too when they carry form feeds or "Page N/M" footers: they go through the
same cleaning as PDF pages (running headers and footers out, a sentence cut by a page break
joined, the page of each passage kept).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from portal.council.text import ABBREVIATION, fold, sentences

# The reader's version: raise it whenever a change to this module's rules changes what is read from
# minutes already stored (dates, items, votes, passages), so that stored minutes are read again
# from their source with today's rules.
READER_VERSION = 18

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
# ...possibly after the meeting's date, as each of a series of extracts of the register heads
# its deliberation: "Séance du 13 février 2025 — Délibération n° 2025-002" (its title on an
# "Objet :" line below: _build).
ITEM_HEADING = re.compile(
    r"^(?:#{1,3}\s*)?(?:Séance du [^–—:]{6,40}?\s*[–—-]\s*)?"
    r"(?:Délibération|Deliberation|DÉLIBÉRATION)\s+n\s*[°o]\s*([\w-]+)\s*[:–—-]?\s*(.*)$",
    re.I,
)
# Markdown headings of other hands: "#### Délibération n° 24/011 — Budget", "### 4. Délibération
# n° 24/052 — Éclairage", "### 9 bis. Délibération…", "#### Délib. n° 24/034 — …" (numbers with a
# slash, up to six #, the agenda's number before), and "## Affaire n°5 — Tarifs 2025
# (délibération n° 24/071)" (the deliberation's number after the title; without one, an agenda
# item that is not a deliberation, as POINT N°… is). Numbered headings without either ("### 10.
# Vœu…") are agenda items without a number (MD_NUMBERED).
MD_ITEM_HEADING = re.compile(
    r"^#{1,6}\s*(?:\d{1,3}\s*(?:bis|ter)?\s*[.)]\s*)?(?:Délibération|Délib\.)\s+n\s*[°o]\s*"
    r"(\d[\w/-]*)\s*[:–—-]?\s*(.*)$",
    re.I,
)
AFFAIRE_HEADING = re.compile(
    r"^#{1,6}\s*Affaire\s+n\s*[°o]\s*\d+\s*[–—:-]\s*(.*?)"
    r"(?:\s*\((?:délibération|délib\.)\s+n\s*[°o]\s*(\d[\w/-]*)\))?\s*$",
    re.I,
)
# "POINT N°3 – DÉLIBÉRATION 2023-002 – OBJET : CENTRE AQUATIQUE…" (a point of the agenda, a
# deliberation when it has a number).
POINT_HEADING = re.compile(
    r"^(?:#{1,3}\s*)?POINT\s+(?:N\s*[°o]\s*)?(\d+)\s*[–—:-]\s*"
    r"(?:D[ÉE]LIB[ÉE]RATION\s+(?:N\s*[°o]\s*)?([\w-]+)\s*[–—:-]\s*)?(?:OBJET\s*:\s*)?(.*)$",
    re.I,
)
# "2.1 OBJET : COMPTE ADMINISTRATIF 2024", "3. OBJET : PORT DE PLAISANCE – TARIFS 2025": an
# agenda point's number, then the object of its deliberation.
NUMBERED_OBJECT = re.compile(r"^\d{1,2}(?:\.\d{1,2})?\.?\s+OBJET\s*:\s*(\S.*)$")
# The deliberation's number after its title: "Tarifs communaux 2026 (délibération n° 2025-082)".
TRAILING_NUMBER = re.compile(r"\s*\((?:délibération|délib\.)\s+n\s*[°o]\s*(\d[\w/-]*)\)\s*$", re.I)
OBJECT_PREFIX = re.compile(r"^OBJET\s*:\s*", re.I)
# Agenda points of other hands: "9. ACQUISITION DE LA FRICHE KIEFFER" (a numbered title in
# capitals, no lower-case letter; numbered in Roman figures, "VI. CENTRE DE SANTÉ :
# RECRUTEMENT"; possibly with a subtitle in lower case after a dash, "1. THERMES MUNICIPAUX —
# renouvellement de la délégation", no sentence), "N° 3 – D-2026-060 – Emprunt 2026" (the
# point's number, then the deliberation's), "## 4. Navette urbaine — prolongation" (a numbered
# Markdown heading).
NUMBERED_CAPS = re.compile(
    r"^(?:\d{1,2}|[IVXL]{1,6})\s*[.)]\s+((?=(?:[^a-zà-ÿ]*[A-ZÀ-Ý]{2,}){2})[^a-zà-ÿ]{5,160}"
    r"(?:\s[–—-]\s[^.;:!?]{2,100}(?<![.;:!?]))?)$"
)
NUMBERED_POINT = re.compile(
    r"^N\s*[°o]\s*\d{1,3}\s*[–—:-]\s*(?:([A-Z]{0,3}-?\d[\w/-]*\d)\s*[–—:-]\s*)?(\S.{2,})$"
)
MD_NUMBERED = re.compile(r"^#{1,6}\s*\d{1,3}\s*(?:bis|ter)?\s*[.)]\s+(\S.*)$")
# An agenda point set off by rules, as a mail's text writes it: "--- Point 1 ---", its object
# on the next line ("Objet : Débat d'orientation budgétaire 2026", joined to it by _build);
# "--- Questions orales ---" is a section of the minutes that is no point (DECORATED).
DECORATED_POINT = re.compile(
    r"^[-=*~_]{3,}\s*((?:Point|Affaire|Dossier)\s+(?:n\s*[°o]\s*)?\d{1,3}(?:\s*(?:bis|ter))?)"
    r"\s*[-=*~_]{3,}(?:\s*(?:Objet\s*:\s*)?(\S.*))?$",
    re.I,
)
DECORATED = re.compile(r"^[-=*~_]{3,}\s*([^-=*~_\s].*?)\s*[-=*~_]{3,}$")
# A register's items, counted in words: "Premier objet — Décision modificative", "Troisième
# objet : Éclairage public", "2e point – Tarifs" (an agenda item without a deliberation number).
ORDINAL_HEADING = re.compile(
    r"^(?:#{1,6}\s*)?(?:Premi[eè]re?|Seconde?|[A-Za-zÀ-ÿ-]+i[eè]me|\d{1,2}\s*(?:er|re|e|ème))\s+"
    r"(?:objet|point|affaire|dossier)\s*[:–—-]\s*(\S.*)$",
    re.I,
)
OTHER_HEADING = re.compile(r"^#{1,3}\s+(.*)$")
# A whole line in bold (Markdown): "**Délibération n° 2024-05-12 — Objet**", "__12. Objet__".
BOLD_LINE = re.compile(r"^(?:#{1,4}\s*)?(\*\*|__)(.+?)\1\s*:?\s*$")
NUMBERED_TITLE = re.compile(r"^(\d{1,3})\s*[.)]\s+(\S.*)$")
# Emphasis inside a line of Markdown: **bold**, __bold__, *italic* (the text is kept).
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
RAPPORTEUR = re.compile(r"^Rapporteu(?:r|se|re)\s*:\s*(.+)$", re.I)
# The rapporteur named otherwise, on a line of its own: "Exposé de Mme Solène Baudouin, première
# adjointe", "Rapport de M. Azéma" (a person's title after "de": not "Rapport de la commission").
PRESENTER = re.compile(
    r"^(?:Exposé|Rapport)\s+(?:de|par)\s+((?:M\.|Mme|MM\.|Monsieur|Madame)\s.+)$"
)
VOTE = re.compile(
    r"^Vote\s*:\s*pour\s+(\d+)\s*,\s*contre\s+(\d+)\s*,\s*abstentions?\s+(\d+)\s*[—–-]+\s*(.+)$",
    re.I,
)
# "POUR : 28 / CONTRE : 2 (M. Vasseur, Mme Ortiz) / ABSTENTIONS : 2 (…) — Adopté", possibly
# after "Vote sur … :".
VOTE_TABLE = re.compile(
    r"^(?:Vote\b[^:]*:\s*)?POUR\s*:\s*(\d+)[^/]*/\s*CONTRE\s*:\s*(\d+)[^/]*/\s*"
    r"ABSTENTIONS?\s*:\s*(\d+)(.*)$",
    re.I,
)
# A word cut at a line's end ("regroup-" / "ement") is joined without its hyphen; a compound
# cut at its own hyphen keeps it when its first part is one that only begins compounds, never a
# word cut in two: "demi-" / "journées", "mieux-" / "disante", "vingt-" / "cinq", "peut-" /
# "être" ("sous-" / "crit" may be "souscrit", "mi-" / "nistre" "ministre", "au-" / "tomne"
# "automne": not in the list).
COMPOUND_FIRST = frozenset(
    {"demi", "semi", "mieux", "peut", "vingt", "trente", "quarante", "cinquante", "soixante",
     "quatre", "c'est-à", "là"}
)  # fmt: skip
_WORD_BEFORE_BREAK = re.compile(r"([\w'’-]*[a-zà-ÿ])-\n([a-zà-ÿ])")
# "Rueil-\nMalmaison": a compound name cut at its own hyphen keeps the hyphen, without a space.
COMPOUND_BREAK = re.compile(r"(\w)-\n(?=[A-ZÀ-Ý])")
MAX_PASSAGE = 1200
# Lines longer than this (their 90th centile) are paragraphs that were never wrapped.
UNWRAPPED_WIDTH = 160
SOFT_BREAK = re.compile(r"(?<!\n)\n(?!\n)")
PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}\s*(?:/|sur|of)\s*\d{1,4}$", re.I)
# A footer line that carries the page number ("Page 3/12", "PV du 12 mars 2024 - page 3 sur 12").
PAGE_FOOTER = re.compile(r"(?:^|[\s–—|-])page\s*(\d{1,4})\s*(?:/|sur|of)\s*\d{1,4}\s*$", re.I)
BARE_NUMBER = re.compile(r"^[-–—]?\s*\d{1,4}\s*[-–—]?$")
MONTHS = {
    "janvier": 1, "fevrier": 2, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "août": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "decembre": 12, "décembre": 12,
}  # fmt: skip
FRENCH_DATE = re.compile(r"\b(\d{1,2})(?:er)?\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.I)
# Dates written in words, as French minutes often give the meeting's ("séance du mardi douze mars
# deux mille vingt-quatre", "le premier octobre deux mil vingt-quatre"): days 1 to 31, years 2000
# to 2099.
_DATE_UNITS = {"un": 1, "une": 1, "premier": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
               "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
               "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}  # fmt: skip
_DATE_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
_DATE_WORD = r"(?:" + "|".join(
    sorted([*_DATE_UNITS, *_DATE_TENS, "et", "quatre-vingt", "quatre-vingts"], key=len, reverse=True)
) + r")"  # fmt: skip
_DATE_NUMBER = rf"{_DATE_WORD}(?:[\s-]+{_DATE_WORD})*"
# A register may name the month as "du mois de": "le vingt-sept du mois de novembre".
_OF_MONTH = r"(?:du\s+mois\s+d(?:e\s+|['’]\s*))?"
FRENCH_DATE_WORDS = re.compile(
    rf"\b({_DATE_NUMBER}|1er|\d{{1,2}})\s+{_OF_MONTH}("
    + "|".join(MONTHS)
    + rf")\s+(?:de\s+l['’]an\s+)?deux\s+mil(?:le)?(?:[\s-]+({_DATE_NUMBER}))?\b",
    re.I,
)
# The registers' form, the year first: "L'an deux mille vingt-cinq, le vingt-cinq septembre",
# "L'an deux mille vingt-cinq, le vingt-sept du mois de novembre".
FRENCH_DATE_YEAR_FIRST = re.compile(
    rf"\bl['’]an\s+deux\s+mil(?:le)?(?:[\s-]+({_DATE_NUMBER}))?\s*,?\s+le\s+"
    rf"({_DATE_NUMBER}|1er|\d{{1,2}})\s+{_OF_MONTH}(" + "|".join(MONTHS) + r")\b",
    re.I,
)
# A date in figures: "tenue le 19/06/2025", "séance du 19.06.2025".
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](20\d{2})\b")
# A register's hand: the month in Roman numerals, "26/III/2026".
ROMAN_MONTHS = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9,
                "X": 10, "XI": 11, "XII": 12}  # fmt: skip
ROMAN_DATE = re.compile(
    r"\b(\d{1,2})[/.]("
    + "|".join(sorted(ROMAN_MONTHS, key=len, reverse=True))
    + r")[/.](20\d{2})\b"
)
# The date of a file's name, "2026-03-26.txt", as clerks name minutes: used when the text gives none.
FILE_DATE = re.compile(r"(?<!\d)(20\d{2})-(\d{2})-(\d{2})(?!\d)")


def number_in_words(text: str) -> int | None:
    """A number from 1 to 99 written in French words ("vingt-quatre", "trente et un",
    "soixante-dix-neuf", "quatre-vingt-deux"); None when the words are not one."""
    parts = [w for w in re.split(r"[\s-]+", text.lower().replace("quatre-vingt", "quatrevingt"))
             if w and w != "et"]  # fmt: skip
    total = 0
    for n, word in enumerate(parts):
        value = (
            80 if word.startswith("quatrevingt") else _DATE_TENS.get(word, _DATE_UNITS.get(word))
        )
        if value is None or (n and value >= 20) or (n and total % 10 and value):
            return None
        total += value
    return total or None


FACTS = {
    "place": re.compile(r"^Lieu\s*:\s*(.+?)\.?$", re.I),
    "chair": re.compile(r"^(?:Présidence|Présidente?)\s*:\s*(.+?)\.?$", re.I),
    # "Secrétaire de séance : …", a register's "Secrétaire : Monsieur Pascal Dupouy."
    "secretary": re.compile(r"^Secrétaire(?: de (?:la )?séance)?\s*:\s*(.+?)\.?$", re.I),
    "present": re.compile(r"^(?:Présents|Étaient présents)\s*:\s*(.+?)\.?$", re.I),
    "absent": re.compile(
        r"^(?:Absents?|Absents? excusés?|Excusés?(?: sans (?:pouvoir|procuration))?)\s*:\s*(.+?)\.?$",
        re.I,
    ),
    # "Pouvoirs : …", "Procurations : …", "Absent excusé ayant donné pouvoir : M. X à Mme Y",
    # "Absents représentés : M. X (procuration à Mme Y), …"
    "proxies": re.compile(
        r"^(?:Pouvoirs?|Procurations?|Représentés|(?:Avaient|Ont|A) donné (?:pouvoir|procuration)|"
        r"(?:Absents?|Excusés?)(?:\s+excusés?)?\s+"
        r"(?:ayant donné (?:pouvoir|procuration)|représentés?))\s*:\s*(.+?)\.?$",
        re.I,
    ),
}
# The chair named in the opening sentence: "…s'est réuni… sous la présidence de Madame Hélène
# Darracq, maire.", "La séance est ouverte à 20 h 30 sous la présidence de Mme X, maire."
CHAIR_IN_TEXT = re.compile(
    r"\bsous la présidence de ((?:M\.|Mme|Monsieur|Madame)\s+[^,.;()]+?(?:,\s*maire)?)"
    r"(?=\s*[,.;(]|$)"
)
# A proxy written after the giver's name: "M. Laurent Tauzin (procuration à Mme Bats)".
PROXY_IN_BRACKETS = re.compile(
    r"([^,;()]+?)\s*\((?:procuration|pouvoir)\s+(?:donnée?\s+)?à\s+([^)]+)\)", re.I
)
# The council addressed as a whole before the names: "Mesdames et Messieurs Darracq, Labat…".
COLLECTIVE_ADDRESS = re.compile(
    r"^(?:Mesdames(?:\s+et\s+|,\s*)Messieurs|Messieurs(?:\s+et\s+|,\s*)Mesdames|Mesdames|"
    r"Messieurs|Mmes|MM\.)\s+"
)
TEXT_FORMATS = {".md", ".txt", ".markdown"}
HTML_FORMATS = {".html", ".htm"}
SUPPORTED = TEXT_FORMATS | HTML_FORMATS | {".pdf"}
MAX_PDF_PAGES = 2000
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a PDF may cost to read: its pages, and what their content streams inflate to in all
    (a few kB of zlib can inflate to hundreds of MB). Uploads take them from the settings
    (PORTAL_COUNCIL_MAX_PAGES, PORTAL_COUNCIL_MAX_INFLATED_MB); the time and memory of the
    reading process are capped around the parse (see uploads.py)."""

    max_pages: int = MAX_PDF_PAGES
    max_inflated_bytes: int = 64 * MB


DEFAULT_LIMITS = Limits()


class MinutesError(ValueError):
    """A file that cannot be read as minutes; the French message names the file and the reason."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename} : {reason}")
        self.filename = filename
        self.reason = reason

    def __reduce__(self) -> tuple[type[MinutesError], tuple[str, str]]:
        # Parsing may run in another process (ingest --workers): the error travels back whole.
        return (MinutesError, (self.filename, self.reason))


@dataclass(frozen=True)
class Vote:
    """A deliberation's vote as the minutes give it: a count the minutes do not give is None
    (never guessed). `voters` is the number who took part ("Votants : 43") and `members` the
    council's members in office ("Conseillers en exercice : 33"), when written."""

    for_: int | None
    against: int | None
    abstentions: int | None
    unanimous: bool
    voters: int | None = None
    members: int | None = None


@dataclass(frozen=True)
class Item:
    number: str | None
    title: str
    rapporteur: str | None
    vote: Vote | None
    adopted: bool | None
    first_passage: int
    last_passage: int


@dataclass(frozen=True)
class Passage:
    index: int
    text: str
    item_index: int | None
    kind: str  # heading, paragraph, decision, vote
    page: int | None = None


@dataclass(frozen=True)
class ParsedMinutes:
    title: str
    meeting_date: date
    place: str | None
    chair: str | None
    secretary: str | None
    present: list[str]
    absent: list[str]
    proxies: list[tuple[str, str]]
    items: list[Item]
    passages: list[Passage] = field(default_factory=list)
    source_sha256: str = ""
    source_format: str = "md"
    pages: int = 0


@dataclass
class Block:
    """A paragraph of the source, before it is recognised as a heading, a fact or a passage."""

    text: str
    page: int | None = None
    heading: bool = False


def _mend_break(match: re.Match[str]) -> str:
    first = match.group(1)
    last_part = (
        first.replace("’", "'").rsplit("-", 1)[-1].lower() if "-" in first else first.lower()
    )
    joiner = "-" if last_part in COMPOUND_FIRST or first.lower() in COMPOUND_FIRST else ""
    return f"{first}{joiner}{match.group(2)}"


def _clean(paragraph: str) -> str:
    mended = COMPOUND_BREAK.sub(r"\1-", _WORD_BEFORE_BREAK.sub(_mend_break, paragraph))
    return re.sub(r"\s+", " ", SOFT_BREAK.sub(" ", mended)).strip()


def split_long(text: str, limit: int = MAX_PASSAGE) -> list[str]:
    """A paragraph over `limit` characters cut at sentence ends into nearly equal parts (a single
    sentence longer than `limit` stays whole). Each part is a verbatim piece of the paragraph."""
    if len(text) <= limit:
        return [text]
    parts = sentences(text)
    if len(parts) < 2:
        return [text]
    count = -(-len(text) // limit)
    target = len(text) / count
    chunks: list[str] = []
    current = ""
    for sentence in parts:
        joined = f"{current} {sentence}" if current else sentence
        # Close the chunk when adding the sentence would overshoot the target more than
        # stopping short of it does, or would break the limit.
        if current and (
            len(joined) > limit or abs(len(joined) - target) > abs(len(current) - target)
        ):
            chunks.append(current)
            current = sentence
        else:
            current = joined
    chunks.append(current)
    return chunks


def _paragraphs(body: str) -> list[str]:
    body = body.replace("\r\n", "\n")
    return [_clean(p) for p in re.split(r"\n\s*\n", body) if p.strip()]


def _names(value: object, filename: str, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MinutesError(filename, f"le champ « {key} » doit être une liste de noms")
    return [v.strip() for v in value]


def item_heading(line: str) -> tuple[str | None, str] | None:
    """(number, title) when the line opens an agenda item: "Délibération n° 2024-05-12 : titre"
    or "POINT N°3 – DÉLIBÉRATION 2023-002 – OBJET : titre" (no number for a point that is not a
    deliberation), "POINT 1 – titre", "2.1 OBJET : titre"; in Markdown, the same in bold, or a
    bold numbered title ("**12. Objet**"). A title's "OBJET :" is left out, and a deliberation's
    number written after it, "(délibération n° 2025-082)", is its number."""
    found = _item_heading(line)
    if found is None:
        return None
    number, title = found
    title = OBJECT_PREFIX.sub("", title)
    if number is None and (trailing := TRAILING_NUMBER.search(title)):
        number, title = trailing.group(1), title[: trailing.start()]
    return number, title.strip()


def _item_heading(line: str) -> tuple[str | None, str] | None:
    if match := NUMBERED_OBJECT.match(line):
        return None, match.group(1).strip()
    if match := BOLD_LINE.match(line):
        inner = match.group(2).strip().rstrip(":").strip()
        if numbered := NUMBERED_TITLE.match(inner):
            return numbered.group(1), numbered.group(2).strip()
        return _item_heading(inner) if not BOLD_LINE.match(inner) else None
    if match := ITEM_HEADING.match(line):
        return match.group(1), match.group(2).strip()
    if match := POINT_HEADING.match(line):
        return match.group(2), match.group(3).strip()
    if match := MD_ITEM_HEADING.match(line):
        return match.group(1), match.group(2).strip()
    if match := AFFAIRE_HEADING.match(line):
        return match.group(2), match.group(1).strip()
    if match := NUMBERED_CAPS.match(line):
        return None, match.group(1).strip()
    if match := NUMBERED_POINT.match(line):
        return match.group(1), match.group(2).strip()
    if match := MD_NUMBERED.match(line):
        return None, match.group(1).strip()
    if match := ORDINAL_HEADING.match(line):
        return None, match.group(1).strip()
    if match := DECORATED_POINT.match(line):
        return None, (match.group(2) or match.group(1)).strip()
    return None


def vote_line(line: str) -> tuple[Vote, bool] | None:
    """The vote and whether the item was adopted, from a "Vote :" line or a vote table."""
    if vote_start(line) and not VOTE.match(line) and not VOTE_TABLE.match(line):
        read = read_vote(line)
        if read is not None and read[1] is not None:
            return read[0], read[1]
        return None
    if match := VOTE.match(line):
        outcome = match.group(4).lower()
        for_, against, abstentions = (int(match.group(i)) for i in (1, 2, 3))
        vote = Vote(for_, against, abstentions, "unanimit" in outcome)
        return vote, not outcome.startswith("rejet")
    if match := VOTE_TABLE.match(line):
        for_, against, abstentions = (int(match.group(i)) for i in (1, 2, 3))
        rest = match.group(4).lower()
        unanimous = "unanimit" in rest or (against == 0 and abstentions == 0)
        return Vote(for_, against, abstentions, unanimous), "rejet" not in rest and for_ > against
    return None


# --- votes written in words or as tables ----------------------------------------------------------

_NUMBER_WORDS = {"aucun": 0, "aucune": 0, "zéro": 0, "zero": 0}
# Counts in words up to 99, as registers write them: "onze voix pour", "Pour : quatorze",
# "par quatorze voix et une abstention", "vingt-deux", "trente et un".
_UNITS_W = (
    "une|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize"
)
_TEENS_W = "dix-sept|dix-huit|dix-neuf"
_NUM = (
    r"(\d{1,4}|(?:vingt|trente|quarante|cinquante|soixante|quatre-vingts?)"
    rf"(?:(?:-|\s+et\s+)(?:{_TEENS_W}|{_UNITS_W}))?|{_TEENS_W}|{_UNITS_W}|aucune?|z[ée]ro)"
)
# After a key: "Pour : 39", "Pour ........ 26", "POUR = 3", "pour 41" (this one only in a line
# that is a vote statement: "pour 3 ans" in a decision is not a count).
_LEADER = r"\s*(?::|=|\.{2,}|…+)\s*"
_KEYS = {
    "voters": r"votants?",
    "for_": r"pour",
    "against": r"contre",
    "abstentions": r"abstention(?:s|\(s\))?",
}
_KEY_FIRST = {k: re.compile(rf"\b{v}{_LEADER}{_NUM}\b", re.I) for k, v in _KEYS.items()}
_KEY_FIRST_BARE = {k: re.compile(rf"\b{v}\s+(\d{{1,4}})\b", re.I) for k, v in _KEYS.items()}
# "35 voix pour", "4 contre", "2 abstentions", "des 41 votants", "une abstention".
_NUMBER_FIRST = {
    "voters": re.compile(rf"\b{_NUM}\s+(?:conseillers\s+|membres\s+)?votants\b", re.I),
    "for_": re.compile(rf"\b{_NUM}\s+(?:voix\s+|suffrages\s+)?pour\b(?!\s+cent)", re.I),
    "against": re.compile(rf"\b{_NUM}\s+(?:voix\s+)?contre\b(?!\s+\d)", re.I),
    "abstentions": re.compile(rf"\b{_NUM}\s+abstentions?\b", re.I),
}
# A statement's counts abbreviated, as a register of decisions writes them ("Abréviations : P =
# pour, C = contre, Abs = abstention"): "Vote : 29 P – 4 C (…) – 1 Abs (…)", "unanimité (33 P)".
_ABBREVIATED = {
    "for_": re.compile(r"\b(\d{1,4})\s*P\b"),
    "against": re.compile(r"\b(\d{1,4})\s*C\b"),
    "abstentions": re.compile(r"\b(\d{1,4})\s*Abs\b"),
}
# "adopté par 30 voix contre 9", "votée par onze voix contre zéro": the first number is for,
# the second against; "par quatorze voix et une abstention": the number for.
_FOR_AGAINST = re.compile(rf"\bpar\s+{_NUM}\s+voix\s+contre\s+{_NUM}\b", re.I)
_FOR_BY = re.compile(rf"\bpar\s+{_NUM}\s+voix\b(?!\s+contre)", re.I)
# "à l'unanimité moins une voix": not unanimous; "sans opposition": nobody against, "sans
# opposition ni abstention": nobody abstaining either.
_ALL_BUT = re.compile(
    rf"\bunanimité(?:\s+des\s+\w+)?\s+moins\s+{_NUM}\s+(voix|abstentions?)\b", re.I
)
_NO_OPPOSITION = re.compile(r"\bsans\s+(?:opposition|vote contre)\b", re.I)
_NO_ABSTENTION = re.compile(r"\b(?:sans|ni)\s+abstention\b", re.I)
MEMBERS = re.compile(
    r"\ben exercice\s*(?::|\.{2,}|…+)?\s*(\d{1,3})\b|\b(\d{1,3})\s+(?:conseillers|membres)"
    r"(?:\s+municipaux)?\s+en exercice\b",
    re.I,
)
# A line that opens the attendance of the meeting or of an item.
ATTENDANCE = re.compile(
    r"^(?:Nombre de )?(?:conseillers|membres)(?: municipaux)? en exercice\b", re.I
)
ATTENDANCE_VOTERS = re.compile(r"\bvotants\s*(?::|\.{2,}|…+)\s*(\d{1,3})\b", re.I)
# Lines that open a vote statement (checked on lines starting with a capital letter only, so
# that a wrapped sentence going on with "adoptée par…" is not one).
VOTE_KEYS = re.compile(
    r"^(?:Vote(?:\s+à main levée|\s+à bulletins? secrets?)?\s*:|Votes?\s+sur\b|Votants?\b|"
    r"Nombre de votants\b|R[ée]sultat du (?:scrutin|vote)\b|"
    r"Scrutin\s*:|(?:Pour|Contre|Abstentions?)" + _LEADER + rf"(?:\d|{_NUM}\b)|"
    # "Onze voix pour ; MM. Castets et Lalanne contre ; …"
    rf"{_NUM}\s+voix\s+pour\b|"
    # "Pour 22 – Contre 0 – Abstention 4"
    r"Pour\s+\d{1,4}\s*[–—,;/-]\s*Contre\s+\d)",
    re.I,
)
# A vote as a table of columns (tab-separated in a word processor's export): a row of the vote's
# keys, "Votants Exprimés Pour Contre Abstentions", then a row of as many numbers, "26 22 20 2 4".
_COLUMN_KEYS = {"votants": "voters", "pour": "for_", "contre": "against", "abstention": "abstentions",
                "abstentions": "abstentions", "exprimes": None, "exprimés": None, "blancs": None,
                "nuls": None, "présents": None, "presents": None}  # fmt: skip
VOTE_COLUMNS = re.compile(r"^(?:(?:" + "|".join(_COLUMN_KEYS) + r")\s*){2,}$", re.I)
NUMBER_ROW = re.compile(r"^\d{1,4}(?:\s+\d{1,4})+$")
VERDICT = re.compile(
    r"^(?:(?:La|Cette) délibération (?:est )?|Le projet de délibération (?:est )?|"
    r"La proposition (?:est )?|Le rapport (?:est )?)?(?:[Aa]dopt|[Aa]pprouv|[Rr]ejet|ADOPT|APPROUV|"
    r"REJET)[ée]e?s?\b|^(?:À|A) l'unanimité\b|^Unanimité\b|"
    # a register's "Délibération adoptée à l'unanimité…", "Motion votée par onze voix…",
    # "Décision prise à l'unanimité moins une voix…"
    r"^(?:Délibération|Motion|Décision|Proposition)\s+(?:est\s+)?(?:adoptée|approuvée|rejetée|"
    r"votée|prise)\b"
)
# A verdict that names what is adopted, at the end of a paragraph: "…Le projet est adopté par 12
# voix pour, 2 contre…", "Le procès-verbal est approuvé à l'unanimité." Its vote is the item's;
# the paragraph stays whole (what the sentence before says of the vote, "M. le Maire ayant
# quitté la salle, la présidence est assurée par…", keeps the vote's words).
SUBJECT_VERDICT = re.compile(
    r"^(?:Le|La|Les|L['’])\s*[^.;:!?]{0,60}?\b(?:est|sont)\s+(?:adopt|approuv|rejet)[ée]e?s?\s+"
    r"(?:par|à)\s"
)
# A row of a vote table that goes on the statement it belongs to.
VOTE_ROW = re.compile(
    r"^(?:Votants|Pour|Contre|Abstentions?|(?:Suffrages )?exprimés|Blancs?(?: et nuls)?|Nuls|"
    r"Ne prend(?:nent)? pas part au vote)" + _LEADER + r"\d",
    re.I,
)
_REJECTED = re.compile(r"\b(?:rejet|repouss|non adopt|n'est pas adopt|n'est pas approuv)", re.I)
_ADOPTED = re.compile(r"\b(?:adopt|approuv)", re.I)


def vote_start(line: str) -> bool:
    """Whether a line opens a vote statement: "Vote :", "Votants : 43 ; Pour : 39 …",
    "Résultat du scrutin", "POUR : 28 / …", "Adopté à l'unanimité.", "Rejetée par …"."""
    return line[:1].isupper() and bool(VOTE_KEYS.match(line) or VERDICT.match(line))


def column_vote(text: str) -> tuple[Vote, bool | None] | None:
    """The vote of a table of columns, its keys then its numbers ("Votants Pour Contre
    Abstentions 27 22 4 1"), None when it is not one (not as many numbers as keys, or no count
    for or against)."""
    tokens = text.split()
    keys = [t.lower() for t in tokens if not t.isdigit()]
    numbers = [int(t) for t in tokens if t.isdigit()]
    if len(keys) != len(numbers) or not VOTE_COLUMNS.match(" ".join(keys)):
        return None
    counts = {_COLUMN_KEYS[k]: n for k, n in zip(keys, numbers, strict=True) if _COLUMN_KEYS[k]}
    for_, against = counts.get("for_"), counts.get("against")
    if for_ is None and against is None:
        return None
    abstentions = counts.get("abstentions")
    unanimous = against == 0 and not abstentions
    adopted = None if for_ is None or against is None else for_ > against
    return Vote(for_, against, abstentions, unanimous, counts.get("voters")), adopted


def _objects(blocks: list[Block]) -> list[Block]:
    """A point's heading set off by rules ("--- Point 1 ---") and the "Objet : …" line after
    it, one block: the point's title is its object."""
    merged: list[Block] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and re.match(r"Objet\s*:", block.text, re.I)
            and (match := DECORATED_POINT.match(previous.text))
            and not match.group(2)
        ):
            merged[-1] = replace(previous, text=f"{previous.text} {block.text}", heading=False)
            continue
        merged.append(block)
    return merged


def _vote_columns(blocks: list[Block]) -> list[Block]:
    """A row of a vote's keys and the row of numbers after it, one block (column_vote)."""
    merged: list[Block] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and NUMBER_ROW.match(block.text)
            and VOTE_COLUMNS.match(previous.text)
            and column_vote(f"{previous.text} {block.text}") is not None
        ):
            merged[-1] = replace(previous, text=f"{previous.text} {block.text}", heading=False)
            continue
        merged.append(block)
    return merged


def _count(value: str) -> int | None:
    word = value.lower()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    return int(value) if value.isdigit() else number_in_words(word)


_TABLE_KEYS = {"pour": "for", "contre": "against", "abstention": "abstentions",
               "abstentions": "abstentions", "votants": "voters"}  # fmt: skip


def markdown_vote(text: str) -> tuple[Vote, bool] | None:
    """The vote of a Markdown table, one row per choice ("| Contre | 2 | Mme Sabatier |",
    "| Pour | 19 |") or one column per choice ("| Votants | Pour | Contre | Abstentions |" over
    "| 28 | 22 | 2 | 4 |"), its rows joined into one paragraph; None when the table is not a vote
    (no "Pour" and "Contre" counts)."""
    if not text.startswith("|"):
        return None
    cells = [c.strip() for c in text.split("|")]
    cells = [c for c in cells if c and not re.fullmatch(r":?-{3,}:?", c)]
    counts: dict[str, int] = {}
    for n, cell in enumerate(cells[:-1]):  # rows: "Pour", then its count
        key = _TABLE_KEYS.get(cell.lower())
        number = re.match(r"(\d+)\b", cells[n + 1])
        if key and number and key not in counts:
            counts[key] = int(number.group(1))
    if not ("for" in counts and "against" in counts):
        # columns: the header's names, then as many counts
        header = [_TABLE_KEYS.get(c.lower()) for c in cells]
        width = next((n for n, k in enumerate(header) if k is None), len(header))
        row = cells[width : 2 * width]
        if width >= 2 and len(row) == width and all(re.fullmatch(r"\d+", c) for c in row):
            counts = {str(k): int(v) for k, v in zip(header[:width], row, strict=True)}
    if not ("for" in counts and "against" in counts):
        return None
    vote = Vote(counts["for"], counts["against"], counts.get("abstentions"), False,
                counts.get("voters"))  # fmt: skip
    return vote, counts["for"] > counts["against"]


def read_vote(text: str, *, statement: bool = True) -> tuple[Vote, bool | None] | None:
    """The counts a vote statement gives (None for those it does not give) and whether the
    item was adopted (None when it does not say). `statement` False reads a decision paragraph
    ("Le Conseil municipal, après en avoir délibéré, à l'unanimité, approuve…"): there only
    counts written as "35 voix pour", "à l'unanimité" and the like are read, not "pour 3 ans".
    A unanimous vote has nobody against; its count for is the number of voters less the
    abstentions when the minutes give the voters, and unknown otherwise."""
    counts: dict[str, int | None] = dict.fromkeys(_KEYS)
    if match := _FOR_AGAINST.search(text):
        counts["for_"], counts["against"] = _count(match.group(1)), _count(match.group(2))
    elif match := _FOR_BY.search(text):
        counts["for_"] = _count(match.group(1))
    if but := _ALL_BUT.search(text):
        # "à l'unanimité moins une voix (Mme X contre)": so many against (or abstaining)
        key = "abstentions" if but.group(2).lower().startswith("abstention") else "against"
        counts[key] = _count(but.group(1))
    if _NO_OPPOSITION.search(text):
        counts["against"] = 0
        if _NO_ABSTENTION.search(text):
            counts["abstentions"] = 0
    tables = (
        (_KEY_FIRST, _KEY_FIRST_BARE, _NUMBER_FIRST, _ABBREVIATED)
        if statement
        else (_NUMBER_FIRST,)
    )
    for table in tables:
        for key, rx in table.items():
            if counts[key] is None and (match := rx.search(text)):
                counts[key] = _count(match.group(1))
    unanimous = ("unanimit" in text.lower() and not but) or bool(
        _NO_OPPOSITION.search(text) and _NO_ABSTENTION.search(text)
    )
    if not unanimous and counts["for_"] is None and counts["against"] is None:
        if not statement:
            return None
        if all(v is None for v in counts.values()):
            if VERDICT.match(text):
                return Vote(None, None, None, False), not _REJECTED.search(text)
            return None
    for_, against, abstentions, voters = (
        counts[k] for k in ("for_", "against", "abstentions", "voters")
    )
    if unanimous:
        against = 0 if against is None else against
        if voters is not None:
            abstentions = 0 if abstentions is None else abstentions
            if for_ is None:
                for_ = voters - against - abstentions
    elif against == 0 and abstentions == 0 and for_ is not None:
        unanimous = True
    if _REJECTED.search(text):
        adopted: bool | None = False
    elif _ADOPTED.search(text) or unanimous or but:
        adopted = True
    elif for_ is not None and against is not None:
        adopted = for_ > against
    else:
        adopted = None
    return Vote(for_, against, abstentions, unanimous, voters), adopted


def merge_votes(first: Vote | None, second: Vote) -> Vote:
    """Two statements on one deliberation (a table, then "Adopté à l'unanimité."): what each
    gives, the first one's counts first."""
    if first is None:
        return second
    pick = lambda a, b: a if a is not None else b  # noqa: E731
    unanimous = first.unanimous or second.unanimous
    for_ = pick(first.for_, second.for_)
    against = pick(first.against, second.against)
    abstentions = pick(first.abstentions, second.abstentions)
    voters = pick(first.voters, second.voters)
    if unanimous:
        against = 0 if against is None else against
        if voters is not None:
            abstentions = 0 if abstentions is None else abstentions
            if for_ is None:
                for_ = voters - against - abstentions
    return Vote(for_, against, abstentions, unanimous, voters, pick(first.members, second.members))


def french_date(text: str) -> date | None:
    """'jeudi 28 mars 2024' -> date(2024, 3, 28), in figures: 'le 19/06/2025', and in words:
    'mardi douze mars deux mille vingt-quatre' -> date(2024, 3, 12), 'L'an deux mille
    vingt-cinq, le vingt-cinq septembre'; None when no valid date is written."""
    match = FRENCH_DATE.search(text)
    if match:
        try:
            return date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
        except ValueError:
            return None
    match = NUMERIC_DATE.search(text)
    if match:
        try:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
    match = ROMAN_DATE.search(text)
    if match:
        try:
            return date(int(match.group(3)), ROMAN_MONTHS[match.group(2)], int(match.group(1)))
        except ValueError:
            return None
    match = FRENCH_DATE_WORDS.search(text)
    if match:
        day_words, month, year_words = match.group(1).lower(), match.group(2), match.group(3)
    elif match := FRENCH_DATE_YEAR_FIRST.search(text):
        day_words, month, year_words = match.group(2).lower(), match.group(3), match.group(1)
    else:
        return None
    if day_words == "1er":
        day: int | None = 1
    else:
        day = int(day_words) if day_words.isdigit() else number_in_words(day_words)
    year = 2000 + ((number_in_words(year_words) or 0) if year_words else 0)
    try:
        return date(year, MONTHS[month.lower()], day) if day else None
    except ValueError:
        return None


def _unemphasised(line: str) -> str:
    return _EMPHASIS.sub(r"\1", _STRONG.sub(r"\2", line))


BLOCK_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
SETEXT = re.compile(r"^ {0,3}(={3,}|-{3,})\s*$")


def _titles(line: str) -> bool:
    """Whether a line over a setext underline is a title: text, not a table row, a heading, a
    quote or a list item (whose "---" below is a rule)."""
    return bool(line.strip()) and not line.lstrip().startswith(("|", "#", ">", "- ", "* "))


def markdown_text(body: str) -> str:
    """A Markdown body as the readers of text take it: a line in bold that opens a
    deliberation keeps its asterisks (item_heading knows them) and stands as a paragraph of its
    own; elsewhere bold and italics are taken off ("**Rapporteur :** Mme Roux" is a rapporteur
    line, "*Adopté à l'unanimité.*" a vote); a line that opens a paragraph (rapporteur, vote,
    decision) does so even without a blank line before it."""
    out: list[str] = []
    table: list[str] = []  # the rows of the table being read
    lines = body.split("\n")
    for n, quoted in enumerate(lines):
        # A setext heading: its text over a line of "=" (a title) or "-" (a section): read as
        # "# …" or "## …", its underline dropped.
        if n + 1 < len(lines) and (underline := SETEXT.match(lines[n + 1])) and _titles(quoted):
            quoted = ("# " if underline.group(1)[0] == "=" else "## ") + quoted.strip()
        elif n and SETEXT.match(quoted) and _titles(lines[n - 1]):
            continue
        # A block quote ("> Délibération 2025-33 — …", a decision set apart): its text, without
        # the marks, read as any other paragraph ("> " alone: a blank line inside the quote).
        raw = BLOCK_QUOTE.sub("", quoted)
        line = raw.strip()
        if BOLD_LINE.match(line) and item_heading(line):
            out += ["", line, ""]
            continue
        plain = _unemphasised(raw)
        if line.startswith("|") and out and out[-1].startswith("|"):
            # a table's rows: one paragraph (a vote table is read whole, see markdown_vote);
            # one too long for a passage goes on in another, after the table's header
            header = table[:2] if len(table) > 1 and TABLE_SEPARATOR.match(table[1]) else table[:1]
            if len(out[-1]) + 1 + len(line) > MAX_PASSAGE and len(table) > len(header):
                out += ["", " ".join([*header, line])]
            else:
                out[-1] += " " + line
            table.append(line)
            continue
        table = [line] if line.startswith("|") else []
        if out and out[-1].strip() and _starts_paragraph(plain.strip()):
            out.append("")
        out.append(plain.strip() if line.startswith("|") else plain)
        if RAPPORTEUR.match(plain.strip()) or OTHER_HEADING.match(plain.strip()):
            out.append("")  # a line of its own: the debate starts after it
    return "\n".join(out)


# --- building items and passages from blocks ---------------------------------------------------


# A decision that opens with the deliberation's number (no "n°"), inside an item already
# opened by its heading: "Délibération 2025-33 — subvention exceptionnelle de 1 000 €…".
NUMBERED_DECISION = re.compile(
    r"^(?:Délibération|Délib\.)\s+(\d{2,4}[-/.]\d{1,4}[A-Za-z]?)\s*[—–:-]\s*\S", re.I
)
DECISION_OPENING = re.compile(
    # "Le conseil municipal approuve…", "Le conseil, par quatorze voix et une abstention
    # (Mme X), approuve le programme."
    r"^(?:(?:Le [Cc]onseil municipal(?:,? à l'unanimité,?)?|Le [Cc]onseil(?: municipal)?, par "
    r"[^,]{1,80},) "
    r"(?:approuve|adopte|décide|autorise|"
    r"accorde|fixe|prend acte|émet|rejette|désigne|attribue|valide|arrête|sollicite)|"
    r"(?:DÉCIDE|DECIDE)\b)"
)


def _finished_vote(item: dict[str, object]) -> Vote | None:
    """The item's vote with the members in office and, for a unanimous vote that gives no
    number, the voters the minutes' attendance gave (at the time of the vote)."""
    vote = item["vote"]
    if not isinstance(vote, Vote):
        return None
    members, voters = item.get("members"), item.get("attendance")
    if vote.members is None and isinstance(members, int):
        vote = replace(vote, members=members)
    if vote.unanimous and vote.voters is None and vote.for_ is None and isinstance(voters, int):
        vote = merge_votes(vote, Vote(None, None, None, True, voters))
    return vote


OBJECT_LINE = re.compile(r"^Objet\s*:\s*(\S.{2,200})$", re.I)
SECTION_HEADING = re.compile(r"^#{2,3}\s+(\S.*)$")


def build(
    blocks: list[Block],
    filename: str,
    *,
    members: int | None = None,
    voters: int | None = None,
) -> tuple[list[Item], list[Passage], str | None]:
    """_build; and for minutes in which no line opens an item but at least two Markdown sections
    do ("## Thermes : attribution de la concession", or the same title underlined with dashes,
    as some clerks write them without numbers), each section is an item: what is said and voted
    under it is its debate, not a text of no deliberation. Then the votes of a closing table of
    the deliberations (`with_recap`)."""
    found = _build(blocks, filename, members=members, voters=voters)
    if not found[0] and sum(bool(SECTION_HEADING.match(b.text)) for b in blocks) >= 2:
        found = _build(blocks, filename, members=members, voters=voters, sections=True)
    items, passages, title = found
    return (*with_recap(items, passages), title)


# A closing table's columns: a vote table's (_TABLE_KEYS), and the deliberation's number, object
# and result.
_RECAP_COLUMNS = {**_TABLE_KEYS, "abst.": "abstentions", "n°": "number", "no": "number",
                  "numéro": "number", "délibération": "number", "objet": "object",
                  "intitulé": "object", "résultat": "result"}  # fmt: skip
# A row's object names an item when rapidfuzz's token_set_ratio (0-100) of the two is at least
# RECAP_MATCH and RECAP_MARGIN above any other item's (on the two sets of minutes that have such
# tables, the rows' own items scored 66-100, any other item 49 or less).
RECAP_MATCH = 60
RECAP_MARGIN = 15


@dataclass(frozen=True)
class RecapRow:
    number: str | None
    subject: str
    vote: Vote
    adopted: bool | None
    text: str  # the table's header and this row, as the minutes write them


RECAP_COUNTS = ("for", "against", "abstentions")


def _cell_count(cell: str | None) -> int | None:
    """A table cell's count: "17", "1 (L.L.)" (who, after it); None without one."""
    found = re.match(r"(\d{1,3})\b", cell or "")
    return int(found.group(1)) if found else None


def recap_rows(text: str) -> list[RecapRow]:
    """The rows of a table that gives each deliberation's vote, one a row ("| N° | Objet | Pour
    | Contre | Abstention |", then "| 2025-031 | Concession des thermes | 17 | 4 | 2 |"), its
    rows joined into one paragraph as the reader keeps tables; nothing for any other text."""
    if not text.startswith("|"):
        return []
    cells = [c.strip() for c in text.strip().strip("|").split("|")]
    width = cells.index("") if "" in cells else 0
    keys = [_RECAP_COLUMNS.get(c.lower()) for c in cells[:width]]
    if not {"object", "for", "against"} <= set(keys):
        return []
    header = "| " + " | ".join(cells[:width]) + " |"
    rows: list[RecapRow] = []
    for start in range(width + 1, len(cells), width + 1):
        row = cells[start : start + width]
        if len(row) < width or all(re.fullmatch(r":?-{3,}:?", c) for c in row):
            continue
        values = dict(zip(keys, row, strict=True))
        for_, against, abstentions = (_cell_count(values.get(k)) for k in RECAP_COUNTS)
        if for_ is None or against is None:
            continue
        result = (values.get("result") or "").lower()
        adopted = (
            False if _REJECTED.search(result) else True if _ADOPTED.search(result) else
            for_ > against
        )  # fmt: skip
        unanimous = against == 0 and not abstentions
        rows.append(RecapRow(values.get("number") or None, values.get("object") or "",
                             Vote(for_, against, abstentions, unanimous), adopted,
                             f"{header} | {' | '.join(row)} |"))  # fmt: skip
    return rows


def _named_item(subject: str, titles: list[str], own: int | None) -> int | None:
    """The item whose title a table row's object names (RECAP_MATCH, RECAP_MARGIN), never the
    item the table stands in ("Votes", "Tableau récapitulatif")."""
    scores = [
        (fuzz.token_set_ratio(subject, title), n) for n, title in enumerate(titles) if n != own
    ]
    scores.sort(reverse=True)
    if not scores or scores[0][0] < RECAP_MATCH:
        return None
    if len(scores) > 1 and scores[0][0] - scores[1][0] < RECAP_MARGIN:
        return None
    return scores[0][1]


def with_recap(items: list[Item], passages: list[Passage]) -> tuple[list[Item], list[Passage]]:
    """Minutes that give the votes in a closing table (Markdown's "Votes" section, a
    "Tableau récapitulatif des délibérations"): each row's vote is its deliberation's, found by
    its number or else by its title (RECAP_MATCH), when the item has none of its own; the row
    is a passage of its own, the item's vote, under the table's header (a question on one
    deliberation's vote finds its row, not a table of ten). The table stays as it is when no
    row names an item."""
    if not items:
        return items, passages
    folded_titles = [fold(i.title) for i in items]
    out: list[Passage] = []
    items = list(items)
    span: list[tuple[int, int]] = []  # each passage's first and last index among `out`
    for passage in passages:
        rows = recap_rows(passage.text) if passage.kind != "heading" else []
        matched: list[tuple[RecapRow, int | None]] = []
        for row in rows:
            index = next((n for n, i in enumerate(items) if row.number and i.number == row.number),
                         None)  # fmt: skip
            if index is None:
                index = _named_item(fold(row.subject), folded_titles, passage.item_index)
            matched.append((row, index))
        first = len(out)
        if not any(index is not None for _, index in matched):
            out.append(replace(passage, index=first))
        for row, index in matched if len(out) == first else []:
            if index is not None and items[index].vote is None:
                items[index] = replace(items[index], vote=row.vote, adopted=row.adopted,
                                       number=items[index].number or row.number)  # fmt: skip
            out.append(Passage(len(out), row.text,
                               passage.item_index if index is None else index,
                               passage.kind if index is None else "vote", passage.page))  # fmt: skip
        span.append((first, len(out) - 1))
    if len(out) == len(passages):
        return items, passages
    items = [replace(i, first_passage=span[i.first_passage][0],
                     last_passage=span[i.last_passage][1]) for i in items]  # fmt: skip
    return items, out


def _build(
    blocks: list[Block],
    filename: str,
    *,
    members: int | None = None,
    voters: int | None = None,
    sections: bool = False,
) -> tuple[list[Item], list[Passage], str | None]:
    """Recognise items, rapporteurs, decisions and votes in the blocks; return the title too.
    `members` and `voters` are the counts the preamble gave (members in office, voters). With
    `sections`, a Markdown section ("## Thermes : attribution de la concession") opens an item
    (see `build`)."""
    title: str | None = None
    passages: list[Passage] = []
    items: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    for block in _vote_columns(_objects(blocks)):
        line = block.text
        statement = vote_start(line)
        numbered = None
        if match := MEMBERS.search(line):
            members = int(match.group(1) or match.group(2))
        if not statement and (match := ATTENDANCE_VOTERS.search(line)):
            voters = int(match.group(1))
        if heading := item_heading(line) or (
            (None, section.group(1).strip())
            if sections and (section := SECTION_HEADING.match(line))
            else None
        ):
            number, item_title = heading
            current = {"number": number, "title": item_title, "rapporteur": None,
                       "vote": None, "adopted": None, "first": len(passages)}  # fmt: skip
            items.append(current)
            plain = _unemphasised(line)
            text = (
                f"Délibération n° {number} : {item_title}"
                if ITEM_HEADING.match(plain)
                else plain.lstrip("#").strip()
            )
            passages.append(Passage(len(passages), text, len(items) - 1, "heading", block.page))
            continue
        if current is not None and block.heading and (rap := PRESENTER.match(line)):
            # a rapporteur's line that looks like a heading (short, no full stop)
            current["rapporteur"] = rap.group(1).strip().rstrip(".")
            passages.append(Passage(len(passages), line, len(items) - 1, "paragraph", block.page))
            current["last"] = len(passages) - 1
            continue
        if (
            (block.heading and not statement)
            or (other := OTHER_HEADING.match(line))
            or (other := DECORATED.match(line))
        ):
            heading_text = line if block.heading else other.group(1).strip()
            if title is None and (line.startswith("# ") or (block.heading and not passages)):
                title = heading_text
            # A heading that is not a deliberation (an oral question, a communication) closes
            # the current item: what follows is not part of its debate.
            current = None
            passages.append(Passage(len(passages), heading_text, None, "heading", block.page))
            continue
        if current is not None and not current["title"] and (obj := OBJECT_LINE.match(line)):
            # "Séance du 13 février 2025 — Délibération n° 2025-002", then "Nombre de
            # conseillers : …", then "Objet : Buron de la Croix-Blanche — maîtrise d'œuvre": the
            # deliberation's title
            current["title"] = obj.group(1).strip()
            first = int(current["first"])
            heading_passage = passages[first]
            passages[first] = replace(
                heading_passage, text=f"{heading_passage.text.rstrip(' :')} : {current['title']}"
            )
            continue
        kind = "paragraph"
        if line.startswith("La séance est levée"):
            current = None
        elif current is not None and (rap := RAPPORTEUR.match(line)):
            current["rapporteur"] = rap.group(1).strip().rstrip(".")
        elif current is not None and (columns := column_vote(line)) is not None:
            _record_vote(current, columns, members, voters)
            kind = "vote"
        elif current is not None and statement and (read := read_vote(line)) is not None:
            _record_vote(current, read, members, voters)
            kind = "vote"
        elif current is not None and (table := markdown_vote(line)) is not None:
            _record_vote(current, table, members, voters)
            kind = "vote"
        elif current is not None and VOTERS_LINE.match(line):
            kind = "vote"  # who voted how, after the counts: part of the item's vote
        elif current is not None and (numbered := NUMBERED_DECISION.match(line)):
            # "Délibération 2025-33 — subvention exceptionnelle… Onze voix pour ; …": the
            # item's decision, giving its number (its vote, when it ends with one, split off)
            kind = "decision"
            if current["number"] is None:
                current["number"] = numbered.group(1)
        elif "après en avoir délibéré" in line or (
            current is not None and DECISION_OPENING.match(line)
        ):
            kind = "decision"
            if current is not None and (read := read_vote(line, statement=False)) is not None:
                _record_vote(current, read, members, voters)
        item_index = len(items) - 1 if current is not None else None
        if (
            (kind == "paragraph" or (kind == "decision" and numbered))
            and current is not None
            and (tail := _trailing_vote(line))
        ):
            # "M. HOFFMANN répond que… Vote : pour 29 ; contre 2 (…). La délibération est
            # adoptée.": the vote, at the end of a paragraph of hard-wrapped minutes, is a
            # passage of its own, the item's vote
            head, vote_text, rest, read = tail
            for piece in split_long(head):
                passages.append(Passage(len(passages), piece, item_index, kind, block.page))
            _record_vote(current, read, members, voters)
            passages.append(Passage(len(passages), vote_text, item_index, "vote", block.page))
            for piece in split_long(rest) if rest else []:
                passages.append(Passage(len(passages), piece, item_index, "paragraph", block.page))
            current["last"] = len(passages) - 1
            continue
        if kind == "paragraph" and current is not None and (verdict := _subject_verdict(line)):
            _record_vote(current, verdict, members, voters)
        for piece in split_long(line) if kind == "paragraph" else [line]:
            passages.append(Passage(len(passages), piece, item_index, kind, block.page))
        if current is not None:
            current["last"] = len(passages) - 1
    if not any(p.kind != "heading" for p in passages):
        raise MinutesError(filename, "aucun texte de procès-verbal n'a été trouvé")
    parsed_items = [
        Item(
            number=None if i["number"] is None else str(i["number"]),  # "Questions diverses"
            title=str(i["title"]),
            rapporteur=i["rapporteur"],
            vote=_finished_vote(i),
            adopted=i["adopted"],
            first_passage=int(i["first"]),
            last_passage=int(i.get("last", i["first"])),
        )
        for i in items
    ]
    return parsed_items, passages, title


def _subject_verdict(line: str) -> tuple[Vote, bool | None] | None:
    """The vote of a paragraph's sentence "Le projet est adopté par 12 voix pour…" (from there
    to the paragraph's end), when it gives counts or unanimity; None otherwise."""
    position = 0
    for part in sentences(line):
        start = line.find(part, position)
        if start < 0:
            return None
        position = start + len(part)
        if SUBJECT_VERDICT.match(part):
            read = read_vote(line[start:])
            if read is not None and (
                read[0].for_ is not None or read[0].against is not None or read[0].unanimous
            ):
                return read
    return None


# A sentence after a vote statement that still speaks of the vote.
VOTE_TAIL = re.compile(
    r"\b(?:votes?|voté|votants?|vot(?:ent|ait)|s'abst\w+|abstentions?|unanimité|procurations?|"
    r"pouvoirs?|contre)\b",
    re.I,
)


# A paragraph's number in minutes that number their paragraphs ("§ 15.", "n° 4 -").
PARAGRAPH_LABEL = re.compile(r"^(?:§|n\s*°|No)\s*\d{1,4}(?:\s*(?:bis|ter))?\s*[.):-]?$", re.I)


def _trailing_vote(line: str) -> tuple[str, str, str, tuple[Vote, bool | None]] | None:
    """(the paragraph before, the vote statement, the paragraph after, its reading) when a
    paragraph holds, after its first sentence, a vote that gives counts or unanimity ("Vote :
    pour 29 ; contre 2…", "Adopté par 29 voix pour et 4 voix contre…"), each a verbatim piece
    of the line; None otherwise."""
    parts = sentences(line)
    position = 0
    for n, part in enumerate(parts):
        start = line.find(part, position)
        if start < 0:
            return None
        position = start + len(part)
        if n == 0 or not vote_start(part) or PARAGRAPH_LABEL.match(line[:start].strip()):
            # "§ 15. Adopté à l'unanimité.": the paragraph's number is no sentence before it
            continue
        # The statement runs on over the sentences that speak of the vote ("Mme B et M. D…
        # ne prennent pas part au vote."), not over the debate that follows it ("Adopté à
        # l'unanimité. Mme Dufau signale aussi que la toiture…": a paragraph of its own).
        end = position
        for following in parts[n + 1 :]:
            at = line.find(following, end)
            if at < 0 or not (
                vote_start(following) or VOTERS_LINE.match(following) or VOTE_TAIL.search(following)
            ):
                break
            end = at + len(following)
        read = read_vote(line[start:end])
        if read is not None and (
            read[0].for_ is not None or read[0].against is not None or read[0].unanimous
        ):
            return line[:start].rstrip(), line[start:end], line[end:].strip(), read
    return None


def _record_vote(
    item: dict[str, object],
    read: tuple[Vote, bool | None],
    members: int | None,
    voters: int | None,
) -> None:
    vote, adopted = read
    previous = item["vote"]
    item["vote"] = merge_votes(previous if isinstance(previous, Vote) else None, vote)
    if adopted is not None:  # the last statement that says it (a table, then "Rejeté")
        item["adopted"] = adopted
    item["members"], item["attendance"] = members, voters


# --- Markdown with a front matter ---------------------------------------------------------------


def _parse_front_matter(text: str, data: bytes, filename: str, fmt: str) -> ParsedMinutes:
    match = FRONT_MATTER.match(text)
    if not match:
        raise MinutesError(
            filename, "en-tête manquant (date, lieu, présidence entre deux lignes ---)"
        )
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise MinutesError(filename, "en-tête illisible") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("date"), date):
        raise MinutesError(
            filename, "la date de la séance manque ou n'est pas au format AAAA-MM-JJ"
        )
    proxies = []
    for proxy in meta.get("proxies") or []:
        if not isinstance(proxy, dict) or "from" not in proxy or "to" not in proxy:
            raise MinutesError(filename, "chaque pouvoir doit indiquer « from » et « to »")
        proxies.append((str(proxy["from"]), str(proxy["to"])))
    blocks = [Block(p) for p in _paragraphs(match.group(2))]
    items, passages, title = build(blocks, filename)
    return ParsedMinutes(
        title=title or f"Séance du conseil municipal du {meta['date']:%d/%m/%Y}",
        meeting_date=meta["date"],
        place=meta.get("place"),
        chair=meta.get("chair"),
        secretary=meta.get("secretary"),
        present=_names(meta.get("present"), filename, "present"),
        absent=_names(meta.get("absent"), filename, "absent"),
        proxies=proxies,
        items=items,
        passages=passages,
        source_sha256=hashlib.sha256(data).hexdigest(),
        source_format=fmt,
    )


# --- the layout of real minutes (PDF, HTML, plain text) ------------------------------------------


# A dated line longer than this is a sentence of the minutes, not their title.
TITLE_MAX = 200
# A row of an attendance table: the member, then "présent(e)", "absent(e)", "excusé(e)", then
# what is noted ("pouvoir à H. Darracq", "secrétaire de séance", "préside la séance").
_ATTENDANCE_ROW = re.compile(
    r"\|\s*([^|+]+?)\s*\|\s*(présente?|absente?|excusée?)\s*\|\s*([^|+]*?)\s*\|", re.I
)


def attendance_table(text: str) -> dict[str, str]:
    """The facts of an attendance table (pipes or a +----+ grid, its rows joined in one
    paragraph): "| DARRACQ Hélène (maire) | présente | préside la séance |" … as the lines
    "Présents :", "Absents :", "Pouvoirs :", "Présidence :", "Secrétaire de séance :" give
    them; {} when the paragraph holds no such table."""
    present: list[str] = []
    absent: list[str] = []
    proxies: list[str] = []
    facts: dict[str, str] = {}
    for row in _ATTENDANCE_ROW.finditer(text):
        name = re.sub(r"\s*\([^)]*\)", "", row.group(1)).strip()
        status, note = row.group(2).lower(), row.group(3).strip()
        (present if status.startswith("présent") else absent).append(name)
        if proxy := re.match(r"(?:pouvoir|procuration)\s+(?:donnée?\s+)?à\s+(.+)$", note, re.I):
            proxies.append(f"{name} à {proxy.group(1)}")
        elif re.search(r"secrétaire de séance", note, re.I):
            facts["secretary"] = name
        elif re.search(r"\bpréside\b|présidence", note, re.I):
            facts["chair"] = name
    if len(present) + len(absent) < 3:
        return {}
    facts["present"] = ", ".join(present)
    if absent:
        facts["absent"] = ", ".join(absent)
    if proxies:
        facts["proxies"] = " ; ".join(proxies)
    return facts


ROLE_ONLY = re.compile(
    r"^(?:(?:le|la|les)\s+)?(?:maire|adjointe?s?|conseill[eè]re?s?(?:\s+municipa\w+)?|"
    r"(?:premi[eè]re?|\w+i[eè]me)\s+adjointe?)\.?$",
    re.I,
)


def _first_sentence(value: str) -> str:
    """A fact's value up to the end of its sentence ("Nathalie Saint-Germain. 14 présents, …"
    -> "Nathalie Saint-Germain"; "M. Durand" is not cut)."""
    for stop in re.finditer(r"\.\s+", value):
        if not ABBREVIATION.search(value[: stop.start() + 1]):
            return value[: stop.start()].strip()
    return value


def _split_names(value: str) -> list[str]:
    """The names of an attendance line ("Mme A, maire ; M. B, Mme C, adjoints ; Mmes D, E"),
    without the council addressed as a whole and without the roles written after a name."""
    names = []
    for part in re.split(r"\s*[,;]\s*|\s+et\s+", COLLECTIVE_ADDRESS.sub("", value.strip())):
        name = COLLECTIVE_ADDRESS.sub("", part.strip())
        if ROLE_ONLY.match(name):
            continue  # "Mme A, maire ; M. B, M. C, adjoints": the role, not a name
        if name[:1].isupper():
            names.append(name)
    return names


def _parse_layout(
    blocks: list[Block], data: bytes, filename: str, fmt: str, pages: int = 0
) -> ParsedMinutes:
    facts: dict[str, str] = {}
    meeting_date: date | None = None
    title: str | None = None
    body: list[Block] = []
    in_preamble = True
    members = voters = None
    for block in blocks:
        if in_preamble and item_heading(block.text):
            in_preamble = False
            if meeting_date is None and (found := french_date(block.text)):
                # "Séance du 13 février 2025 — Délibération n° 2025-001": the first extract
                meeting_date = found
        if in_preamble and AGENDA_ENTRY.match(block.text):
            # "5. Vote des taux des taxes directes locales 2024": the agenda's entry, before the
            # first item, names an item; it is a heading (ranked after what is said of it)
            block = replace(block, heading=True)
        if in_preamble:
            # A fact on a line of its own, or opening a sentence of the preamble ("Compte rendu
            # affiché le 15 septembre. Présidence : Hélène Darracq, maire. Secrétaire : …").
            for part in [block.text, *sentences(block.text)[1:]]:
                fact = next(((k, m) for k, rx in FACTS.items() if (m := rx.match(part))), None)
                if fact is None:
                    continue
                # "Présents : 35 – Votants : 41 – En exercice : 43": counts the votes may need.
                if match := MEMBERS.search(part):
                    members = int(match.group(1) or match.group(2))
                if match := ATTENDANCE_VOTERS.search(part):
                    voters = int(match.group(1))
                value = _first_sentence(fact[1].group(1).strip())
                if listed := re.fullmatch(r"\d{1,3}\s*\((.+)\)", value):
                    value = listed.group(1)  # "Procurations : 2 (M. A à Mme B ; …)"
                # "Présents : 13. Procurations : 2.": counts, not the names a later line gives
                if fact[0] not in facts and not value[:1].isdigit():
                    facts[fact[0]] = value
                # ...and kept as a passage: "qui était secrétaire de séance", "qui était absent"
                # are answered by the line itself, which was otherwise in no passage.
            if "chair" not in facts and (chair := CHAIR_IN_TEXT.search(block.text)):
                facts["chair"] = chair.group(1).strip()
            table = attendance_table(block.text)
            for key, value in table.items():
                if key not in facts:
                    facts[key] = value
            if meeting_date is None and (found := french_date(block.text)):
                meeting_date = found
                if re.search(r"procès-verbal|séance|conseil municipal", block.text, re.I) and (
                    len(block.text) <= TITLE_MAX or block.heading or block.text.startswith("#")
                ):
                    title = block.text.lstrip("#").strip()
                    continue
                # A register's opening sentence ("L'an deux mille vingt-cinq, le vingt-sept du
                # mois de novembre, … sous la présidence de Madame …") is no title: it stays a
                # passage (who presided, where, when), and the title is made from the date.
                if len(block.text) > TITLE_MAX:
                    title = f"Séance du conseil municipal du {found:%d/%m/%Y}"
        body.append(block)
    if meeting_date is None and (named := FILE_DATE.search(Path(filename).name)):
        with contextlib.suppress(ValueError):
            meeting_date = date(int(named.group(1)), int(named.group(2)), int(named.group(3)))
    if meeting_date is None:
        raise MinutesError(
            filename,
            "la date de la séance n'a pas été trouvée (un titre comme « séance du 28 mars 2024 » est attendu)",
        )
    proxies: list[tuple[str, str]] = []
    given = facts.get("proxies", "")
    for giver, receiver in PROXY_IN_BRACKETS.findall(given):
        proxies.append((giver.strip(), receiver.strip().rstrip(".")))
    # "A à B ; C à D", or "A à B, C à D" (a comma between proxies when each names two people)
    pieces = re.split(r"\s*;\s*", given)
    pieces = [q for p in pieces for q in (re.split(r"\s*,\s*", p) if p.count(" à ") > 1 else [p])]
    for proxy in pieces if not proxies else []:
        # "M. A à Mme B", or as "Représentés :" writes it, "T. Weber par C. Schmitt"
        giver, sep, receiver = proxy.partition(" à " if " à " in proxy else " par ")
        if sep and giver.strip() and receiver.strip():
            proxies.append((giver.strip(), receiver.strip().rstrip(".")))
    items, passages, heading_title = build(body, filename, members=members, voters=voters)
    return ParsedMinutes(
        title=title or heading_title or f"Séance du conseil municipal du {meeting_date:%d/%m/%Y}",
        meeting_date=meeting_date,
        place=facts.get("place"),
        chair=facts.get("chair"),
        secretary=facts.get("secretary"),
        present=_split_names(facts.get("present", "")),
        absent=_split_names(facts.get("absent", "")),
        proxies=proxies,
        items=items,
        passages=passages,
        source_sha256=hashlib.sha256(data).hexdigest(),
        source_format=fmt,
        pages=pages,
    )


# Who voted how, on a line of its own after the counts: "Contre : M. NICOLAS, Mme OLLIVIER.",
# "Ont voté contre : Bastien Perrin, Anne-Sophie Colin (pouvoir).", "Abstentions : groupe …".
# ...or a table of each member's vote: "| Nom | Vote | |---|---| | Monique Remy | Contre | …".
VOTERS_LINE = re.compile(
    r"^(?:Ont voté (?:contre|pour)|Ont voté|Se sont abstenus|Contre|Abstentions?|Abstenus?|"
    r"Ne prennent pas part au vote|N'a pas pris part au vote)\s*:\s*\S|"
    r"^\|[^\n]*?\|\s*Votes?\s*\|.*\|\s*(?:Pour|Contre|Abstention)\s*\|"
)
# An entry of the agenda or of a table of contents: a numbered line, short, not a sentence.
AGENDA_ENTRY = re.compile(r"^\d{1,2}(?:\.\d{1,2})?\s*[.)]\s+\S.{2,200}(?<![.;:!?])$")


def _looks_like_heading(lines: list[str]) -> bool:
    """A one-line paragraph, short, capitalised, with no final punctuation: a section title."""
    if len(lines) != 1:
        return False
    line = lines[0]
    return (
        len(line) <= 100
        and line[:1].isupper()
        and not line.endswith((".", ";", ",", "»"))
        and ":" not in line
        and not DANGLING.search(line)
        and not MAIL_FORMULA.match(line)
        # The first line of a decision, cut by the page's end, is not a title.
        and not OPENERS.match(line)
        and "après en avoir délibéré" not in line
    )


# A line that ends on an article, a preposition or a conjunction ends no title nor paragraph:
# its sentence goes on ("…du réservoir des" / "Oulles, annoncés pour le printemps…").
DANGLING = re.compile(
    r"(?:^|\s)(?:de|des|du|la|le|les|à|au|aux|et|ou|en|pour|par|sur|dans|avec|un|une|que|qui|"
    r"d['’]|l['’])$",
    re.I,
)
# A mail's greeting or closing ("Cordialement, Agnès Girod, directrice générale des services"),
# as minutes forwarded in a mail begin or end: a line of text, no title.
MAIL_FORMULA = re.compile(
    r"^(?:Bien |Très )?(?:Cordialement|Bonjour|Bonsoir|Salutations|Sincères salutations|"
    r"Merci|Respectueusement)\b",
    re.I,
)
LIST_ITEM = re.compile(r"^(?:[-–•*]\s|\d{1,2}[.)]\s)")
# Lines that open a paragraph of minutes: the decision, the close of the meeting.
OPENERS = re.compile(
    r"^(?:Le [Cc]onseil municipal\b|Après en avoir délibéré|La séance est levée|"
    r"(?:DÉCIDE|DECIDE|DÉLIBÈRE|(?:ARTICLE|Article) \d+(?:er|ER)?)\b)"
)
# A speaker's turn ("M. Perrot juge…", "Mme Ferrand salue…") after a line that ends a sentence.
SPEAKER = re.compile(
    r"^(?:(?:M\.|Mme|MM\.|Monsieur|Madame|Mlle|Mesdames)\s+[A-ZÀ-Ý]|(?:M\.|Mme|Madame|Monsieur) "
    r"l[ea] [Mm]aire\b)"
)
PARAGRAPH_END = (".", "!", "?", ":", "»", ")", "…", ";")


def _starts_paragraph(line: str) -> bool:
    """Lines that begin a paragraph of their own even without a blank line before them."""
    return bool(
        item_heading(line)
        or RAPPORTEUR.match(line)
        or vote_start(line)
        or vote_line(line)
        or line.startswith("#")
        or LIST_ITEM.match(line)
        or OPENERS.match(line)
        or ATTENDANCE.match(line)
        or OBJECT_LINE.match(line)
        or any(rx.match(line) for rx in FACTS.values())
    )


RULE_LINE = re.compile(r"^\s*(?:[-=*_~]\s*){3,}$")
# Capitals (and figures) typed letter-spaced, as registers print titles: "T H E R M E S   M U N I
# C I P A U X", "2 0 2 5" (a letter, a space, a letter...; the words two spaces or more apart).
SPACED_CAPITALS = re.compile(r"(?<!\S)[A-ZÀ-Ý0-9°](?: [A-ZÀ-Ý0-9°]){3,}(?!\S)")
SPACED_SHORT = re.compile(r"(?<!\S)[A-ZÀ-Ý0-9°](?: [A-ZÀ-Ý0-9°])+(?!\S)")


def unspaced(line: str) -> str:
    """A line with its letter-spaced capitals read as words ("1. T H E R M E S   M U N I C I P A
    U X — renouvellement" -> "1. THERMES MUNICIPAUX — renouvellement"): runs of four single
    capitals or figures or more, three of them letters, and then on that line the shorter ones
    ("F 3", "N ° 3"); anything else as it is (prose's "il y a à" is in lower case)."""
    if not any(sum(c.isalpha() for c in m.group()) >= 3 for m in SPACED_CAPITALS.finditer(line)):
        return line
    read = SPACED_SHORT.sub(lambda m: m.group().replace(" ", ""), line)
    indent = len(read) - len(read.lstrip(" "))
    return read[:indent] + re.sub(r" {2,}", " ", read[indent:])


def line_width(text: str) -> int:
    """The width lines are wrapped at: a long line among the text's lines (its 90th centile)."""
    lengths = sorted(len(line.strip()) for line in text.split("\n") if len(line.strip()) >= 20)
    return lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= 5 else 0


def _text_blocks(text: str, page: int | None = None, width: int | None = None) -> list[Block]:
    """Paragraphs of plain text. Where the source wraps its lines (PDF-extracted text) and puts
    no blank line between paragraphs, a line well short of the width that ends a sentence closes
    its paragraph, and a short capitalised line without final punctuation is a heading. Where
    its lines are not wrapped at all (one line per paragraph, lines far longer than a page is
    wide), each line is a paragraph."""
    # A quotation's marks ("> " before each line: minutes forwarded in a mail, a Markdown block
    # quote printed as it is) are no text; a quoted blank line (">") is a blank line.
    # A rule ("=====", "-----": a series of extracts set apart, an underlined title) is a
    # paragraph break, not text; a title typed letter-spaced is read as its words.
    text = "\n".join(
        "" if RULE_LINE.match(line) else unspaced(BLOCK_QUOTE.sub("", line))
        for line in text.replace("\r\n", "\n").split("\n")
    )
    width = line_width(text) if width is None else width
    wrapped = 50 <= width <= UNWRAPPED_WIDTH
    unwrapped = width > UNWRAPPED_WIDTH
    blocks = []
    for raw in re.split(r"\n\s*\n", text):
        lines = [re.sub(r"\s+", " ", line).strip() for line in raw.split("\n")]
        lines = [line for line in lines if line]
        groups: list[list[str]] = []
        tables: set[int] = set()  # the groups that are tables
        closed = True
        open_item = open_vote = False  # a title or a vote table running on to the next line
        in_table = False  # in a vote statement whose rows ("Pour ..... 26") follow, one a line
        for n, line in enumerate(lines):
            short = wrapped and len(line) < 0.7 * width
            following = lines[n + 1] if n + 1 < len(lines) else ""
            previous = lines[n - 1] if n else ""
            if open_item or open_vote:
                groups[-1].append(line)
                open_vote = open_vote and (_unbalanced(groups[-1]) or _runs_on(line, following))
                closed = not open_vote
                open_item = False
                continue
            if in_table and (VOTE_ROW.match(line) or (line[:1].isupper() and VERDICT.match(line))):
                groups[-1].append(line)
                open_vote = _unbalanced(groups[-1])
                closed = not open_vote
                continue
            in_table = False
            # A table's rows are a paragraph of their own ("| PUJO Sandrine | absente |"; a
            # row too wide for the page wrapped onto the next line goes on there), the line
            # after it another ("Quorum atteint : 13 présents…").
            if TABLE_LINE.match(line) or (
                len(groups) - 1 in tables and not previous.endswith(("|", "+"))
            ):
                if len(groups) - 1 in tables:
                    groups[-1].append(line)
                else:
                    groups.append([line])
                    tables.add(len(groups) - 1)
                closed = True
                continue
            capitals = line.upper() == line and sum(c.isalpha() for c in line) >= 4
            heading = (
                wrapped
                and (closed or capitals)
                and (short or capitals)
                and not line.endswith((*PARAGRAPH_END, ",", "-"))
                and not DANGLING.search(line)
                and not MAIL_FORMULA.match(line)
                and line[:1].isupper()
                and (following[:1].isupper() or not following)
                and len(lines) > 1
            )
            speaker = bool(SPEAKER.match(line)) and previous.endswith((".", "!", "?", "»"))
            joins = unwrapped and not previous.endswith(PARAGRAPH_END) and line[:1].islower()
            if (
                not groups  # a paragraph's first line, even in small letters ("puis …")
                or (closed and not joins)
                or _starts_paragraph(line)
                or heading
                or speaker
                or (unwrapped and not joins)
            ):
                groups.append([line])
            else:
                groups[-1].append(line)
            # A short line ending a sentence closes its paragraph; one ending on a colon or a
            # semicolon whose next line goes on in lower case ("…la première tranche :" /
            # "les 14 caméras…") does not: a paragraph never starts in lower case.
            closed = heading or (
                short
                and line.endswith(PARAGRAPH_END)
                and not (line.endswith((":", ";")) and following[:1].islower())
            )
            if item_heading(line):
                # A deliberation's title may wrap onto one more line (in capitals, or going on
                # in lower case), never onto the debate.
                after = lines[n + 2] if n + 2 < len(lines) else ""
                open_item = (
                    not short
                    and bool(following)
                    and not _starts_paragraph(following)
                    and (
                        following.upper() == following
                        or following[:1].islower()
                        # "… — le boulevard" / "Henri-Sellier": a short end of the title with
                        # no final stop, alone before a blank line or a rapporteur line.
                        or (
                            len(following) < 0.5 * max(width, 1)
                            and not following.endswith(PARAGRAPH_END)
                            and (not after or _starts_paragraph(after))
                        )
                    )
                )
                closed = True
            elif vote_start(line) or vote_line(line):
                # A statement wrapped onto the next line ("…celle de Mme Pujo, qui aurait
                # préféré que cette somme aille au" / "city-stade.") goes on there, as an open
                # bracket does.
                open_vote = _unbalanced([line]) or _runs_on(line, following)
                closed = not open_vote
                in_table = True
            elif RAPPORTEUR.match(line) or (capitals and wrapped):
                closed = not following[:1].islower()
        for number, group in enumerate(groups):
            if number in tables:
                blocks += [Block(rows, page) for rows in table_chunks(group)]
                continue
            blocks.append(Block(_clean("\n".join(group)), page, _looks_like_heading(group)))
    return blocks


# A line of a table: a row ("| Foncier bâti | 38,12 % |") or a grid's border ("+----+----+").
TABLE_LINE = re.compile(r"^(?:\||\+[-=+]{3,})")
GRID_BORDER = re.compile(r"^\+[-=+]+\+?$")
TABLE_SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+$")


def table_chunks(lines: list[str], limit: int = MAX_PASSAGE) -> list[str]:
    """A table's rows as paragraphs, a grid's borders left out: the whole table when it fits in
    a passage, else runs of whole rows (never a row cut), each after the table's header (its
    first row, and the |---| line under it) so that a row keeps the names of its columns."""
    rows: list[str] = []
    for line in lines:
        line = re.sub(r"\s+", " ", line).strip()
        if not line or GRID_BORDER.match(line):
            continue
        if rows and not line.startswith("|") and not rows[-1].endswith("|"):
            rows[-1] = f"{rows[-1]} {line}"  # a row wrapped onto the next line
        else:
            rows.append(line)
    whole = " ".join(rows)
    if len(whole) <= limit or len(rows) < 3:
        return [whole] if whole else []
    header = rows[:2] if TABLE_SEPARATOR.match(rows[1]) else rows[:1]
    head = " ".join(header)
    chunks: list[str] = []
    current = head
    for row in rows[len(header) :]:
        if current != head and len(current) + 1 + len(row) > limit:
            chunks.append(current)
            current = head
        current = f"{current} {row}"
    chunks.append(current)
    return chunks


def _runs_on(line: str, following: str) -> bool:
    """Whether a wrapped statement goes on onto the next line: that one starts in lower case
    ("…par 13" / "voix pour, 3 contre (…)" / "et 2 abstentions…"), or with the bracket that
    names who ("…et 1 abstention" / "(Mme Vidal)."), after a line that does not end a
    sentence."""
    return (following[:1].islower() or following[:1] == "(") and not line.endswith(
        (".", "!", "?", "…")
    )


def _unbalanced(lines: list[str]) -> bool:
    """An open bracket or quotation not closed ("Le groupe « Haverlinghem" / "Autrement »…")."""
    joined = "".join(lines)
    return joined.count("(") > joined.count(")") or joined.count("«") > joined.count("»")


# Two columns side by side, as a "relevé de décisions" is laid out (the subject on the left, the
# decision on the right) and as text extracted from such a PDF keeps them: each line holds the
# left column's words, two spaces or more, then the right column's, always at the same column.
COLUMN_GAP = re.compile(r"\S( {2,})(?=\S)")
INNER_GAP = re.compile(r"\S {2,}\S")


def _columns(
    lines: list[str], width: int, known: frozenset[int] = frozenset()
) -> tuple[int, list[str], list[str]] | None:
    """A paragraph's left and right columns' lines, if its lines are two columns of prose: the
    first line has both, the right column's text starting after two spaces or more; every line
    has the right column's text starting exactly there, or is one column's alone; neither column
    has a gap of its own (a table of three columns is no such layout); the right column is prose
    (a vote table's "Pour    26" is no such layout either). A line of the right column alone is
    indented to it in text; text extracted from a PDF loses the indent: such a line is the right
    column's when no longer than its other lines, or when it follows one of them, or ends the
    paragraph on a full stop, and no line longer than the right column can be (`width`, the
    text's, less the column's start): it takes two lines with both columns to read a paragraph
    so, or one whose columns are three spaces apart or more, or one whose right column starts
    where other paragraphs of the text have theirs (`known`)."""
    if len(lines) < 2:
        return None
    first = lines[0]
    starts = {gap.end(1): len(gap.group(1)) for gap in COLUMN_GAP.finditer(first)}
    for column in known:
        # a left column filled to one space before the right one, where the text's others start
        if (
            1 < column < len(first)
            and first[column - 1] == " "
            and first[column - 2 : column + 1].strip()
        ):
            starts.setdefault(column, 1)
    for column, spaces in sorted(starts.items()):
        apart = "  " if spaces > 1 or column not in known else " "
        rights: list[str] = []
        unplaced: list[tuple[int, str]] = []  # lines without the gap, not indented to the column
        both = indented = 0
        for n, line in enumerate(lines):
            left, right = line[:column], line[column:].rstrip()
            if not left.strip():  # indented to the right column
                if not right or right[0] == " " or INNER_GAP.search(right):
                    break
                rights.append(right)
                indented += 1
            elif left.endswith(apart if n == 0 else "  ") and right and right[0] != " ":
                if INNER_GAP.search(left.strip()) or INNER_GAP.search(right):
                    break
                rights.append(right)
                both += 1
            elif INNER_GAP.search(line.strip()):
                break
            else:
                unplaced.append((n, line.strip()))
        else:
            widest = max(map(len, rights), default=0)
            if not both:
                continue
            if unplaced and both < 2 and not indented and spaces < 3 and column not in known:
                continue
            side: dict[int, str] = {}  # the column of each line placed here
            for n, text in unplaced:
                if len(text) > max(widest, width - column) + 2:
                    break  # a full-width line: no column layout
                seen_right = "right" in side.values()
                ends = n == len(lines) - 1 and text.endswith(".")
                side[n] = "right" if len(text) > column - 2 or seen_right or ends else "left"
            else:
                left_lines: list[str] = []
                right_lines: list[str] = []
                for n, line in enumerate(lines):
                    if n in side:
                        (right_lines if side[n] == "right" else left_lines).append(line.strip())
                        continue
                    if line[:column].strip():
                        left_lines.append(line[:column].strip())
                    if line[column:].strip():
                        right_lines.append(line[column:].strip())
                if len(right_lines) >= 2 and sum(map(len, right_lines)) / len(right_lines) >= 25:
                    return column, left_lines, right_lines
    return None


def _segments(text: str) -> str:
    """A paragraph as lines: a new line for each sentence that opens a paragraph of its own (a
    vote: "POUR : 22 — CONTRE : 6"), the others on its line."""
    segments: list[str] = []
    for sentence in sentences(text):
        if segments and not _starts_paragraph(sentence):
            segments[-1] += f" {sentence}"
        else:
            segments.append(sentence)
    return "\n".join(segments)


def unfold_columns(text: str, width: int | None = None) -> str:
    """The text with each paragraph laid out in two columns written as two paragraphs, the left
    column's then the right column's, a line each (read with the text's width, `width`, as it
    was before: line_width would find these lines long): "7. Béguinage de la filature
    Delcourt" and "Désignation du bailleur Flandre Habitat pour les vingt logements…" rather
    than their lines interleaved ("7. Béguinage de la Désignation du bailleur…"). The columns'
    titles ("OBJET    DÉCISION") and the rules around the rows are paragraphs of their own. A
    numbered entry of the left column ("3. Budget primitif 2025") is the title of the
    deliberation the right column decides."""
    if "  " not in text:
        return text
    width = max(line_width(text) if width is None else width, 60)
    # Paragraphs end at blank lines and at rules ("-----" under the columns' titles).
    chunks = re.split(r"(\n[ \t]*\n|\n[ \t]*[-=_—]{3,}[ \t]*(?=\n|$))", text)
    found: dict[int, tuple[int, list[str], list[str]]] = {}
    known: frozenset[int] = frozenset()
    for _round in range(2):  # the second time, knowing where the text's right column starts
        for number, chunk in enumerate(chunks):
            if number % 2 == 0 and number not in found:
                columns = _columns(chunk.strip("\n").split("\n"), width, known)
                if columns is not None:
                    found[number] = columns
        if not found:
            return text  # no paragraph in columns: nothing to look for again
        known = frozenset(columns[0] for columns in found.values())
    out: list[str] = []
    for number, chunk in enumerate(chunks):
        if number not in found:
            out.append(chunk)
            continue
        _column, lefts, rights = found[number]
        left, right = _clean("\n".join(lefts)), _clean("\n".join(rights))
        if NUMBERED_TITLE.match(left):
            # the subject column's numbered entry is a deliberation's title: written as the
            # reader knows one ("## 3. Budget primitif 2025"; its passage keeps the text alone)
            left = f"## {left}"
        leading = chunk[: len(chunk) - len(chunk.lstrip("\n"))]
        trailing = chunk[len(chunk.rstrip("\n")) :]
        unfolded = f"{left}\n\n{_segments(right)}" if left else _segments(right)
        out.append(f"{leading}{unfolded}{trailing}")
    return "".join(out)


def text_pages(text: str) -> list[str] | None:
    """The pages of a text file that has some: cut at form feeds, or after each "Page N/M"
    footer; None when it has neither."""
    if "\x0c" in text:
        pages = text.split("\x0c")
        while pages and not pages[-1].strip():
            pages.pop()
        return pages if len(pages) > 1 else None
    pages, current = [], []
    for line in text.split("\n"):
        current.append(line)
        if PAGE_FOOTER.search(line.strip()) or PAGE_NUMBER.match(line.strip()):
            pages.append("\n".join(current))
            current = []
    if "\n".join(current).strip():
        pages.append("\n".join(current))
    return pages if len(pages) > 1 else None


# An agenda point's title on a line of its own, numbered, in small letters after its capital, as
# an OCR'd register of narrow columns prints them with no blank line around ("1. Compte
# administratif 2024", "5 bis. Friche Delcourt et béguinage", "2. Terrain synthétique :
# attribution"), read as items by `numbered_titles`.
NUMBERED_LINE = re.compile(r"^(\d{1,2})(\s*(?:bis|ter|quater))?\s*[.)]\s+[A-ZÀ-Ý].{2,90}$")
NUMBERED_RUN = 3  # the fewest titles numbered in sequence that are a list of agenda points
# A sub-point numbered under a section ("2.1 Décision modificative n° 2", "3.1.2 Orientations"):
# the text is an outline whose first-level numbers are its sections, not its deliberations.
SUB_NUMBERED = re.compile(r"^\d{1,2}\.\d{1,2}(?:\.\d{1,2})*\.?\s+[^\W\d_]")


def numbered_titles(text: str) -> str:
    """Minutes in which no line opens an item (`item_heading`), with no sub-points numbered
    under others (SUB_NUMBERED), but lines numbered in sequence (1, 2, 2 bis, 3...; one number
    may be missed) are titles: each after a line that ends a sentence (or a blank line, a page's
    start or its first line, a header), with no final stop, before a line that does not go on in
    small letters. Those lines are written as the reader knows a numbered title ("## 1. Compte
    administratif 2024", a paragraph of its own); any other text as it is. Pages are cut by form
    feeds, kept."""
    lines = text.split("\n")
    # (titles typed letter-spaced read as words, as _text_blocks reads them)
    bare = [re.sub(r"\s+", " ", unspaced(line.replace("\x0c", " "))).strip() for line in lines]
    if any(item_heading(line) for line in bare if line):
        return text
    if sum(bool(SUB_NUMBERED.match(line)) for line in bare) >= 2:
        return text  # an outline (2., 2.1, 2.1.1): its first level are sections
    run: list[int] = []
    expected = 1
    for n, line in enumerate(bare):
        match = NUMBERED_LINE.match(line)
        if not match or line.endswith((*PARAGRAPH_END, ",", "-")) or DANGLING.search(line):
            continue
        before = next((i for i in range(n - 1, -1, -1) if bare[i]), None)
        after = next((bare[i] for i in range(n + 1, len(bare)) if bare[i]), "")
        starts = (
            before is None
            or before < n - 1  # a blank line between
            # a page's start, or its first line (a running header) before
            or "\x0c" in "".join(lines[before : n + 1])
            or bare[before].endswith(PARAGRAPH_END)
        )
        number, repeated = int(match.group(1)), bool(match.group(2))
        follows = number in (expected, expected + 1) or (repeated and number == expected - 1)
        # before a line that begins with a capital, or a page's number or furniture
        if starts and follows and not after[:1].islower():
            run.append(n)
            expected = number + 1
    if len(run) < NUMBERED_RUN:
        return text
    for n in run:
        page_break = "\x0c" if "\x0c" in lines[n] else ""
        lines[n] = f"{page_break}\n## {bare[n]}\n"
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------------


class _HTMLBlocks(HTMLParser):
    BLOCKS: ClassVar[set[str]] = {
        "p",
        "li",
        "div",
        "td",
        "th",
        "blockquote",
        "section",
        "article",
        "dd",
        "dt",
        "br",
    }
    HEADINGS: ClassVar[set[str]] = {"h1", "h2", "h3", "h4", "h5", "h6"}
    SKIP: ClassVar[set[str]] = {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "head",
        "template",
        "noscript",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._heading = False
        self._skip = 0

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        if text:
            self.blocks.append(Block(text, None, self._heading))
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCKS or tag in self.HEADINGS:
            self._flush()
            self._heading = tag in self.HEADINGS

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS or tag in self.HEADINGS:
            self._flush()
            self._heading = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)


def _html_blocks(text: str) -> list[Block]:
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.blocks


# --- PDF ----------------------------------------------------------------------------------------


# Control characters other than tab and line breaks: no text needs them, and PostgreSQL cannot
# store a NUL. A form feed (a page break in exported text) is a line break.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _without_controls(text: str, *, keep_form_feeds: bool = False) -> str:
    return _CONTROLS.sub("", text if keep_form_feeds else text.replace("\x0c", "\n"))


def _pdf_pages(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The text layer of each page, or a MinutesError saying why there is none or why it is
    refused (too many pages, content that inflates beyond the limit, a malformed page tree)."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PyPdfError

    if not data.lstrip().startswith(b"%PDF"):
        raise MinutesError(filename, "ce n'est pas un PDF valide (fichier endommagé ou mal nommé)")
    cap = max(1, limits.max_inflated_bytes)
    # No one stream may inflate beyond the cap either (pypdf stops at its own limits first).
    caps = {name: cap for name in ("zlib_maximum_output_length", "lzw_maximum_output_length",
                                   "run_length_maximum_output_length", "brotli_maximum_output_length",
                                   "array_based_stream_maximum_output_length")}  # fmt: skip
    try:
        with apply_configuration(**caps):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise MinutesError(
                    filename,
                    "le PDF est chiffré (protégé par un mot de passe) : il ne peut pas être lu",
                )
            if len(reader.pages) == 0:
                raise MinutesError(filename, "le PDF ne contient aucune page")
            if len(reader.pages) > limits.max_pages:
                raise MinutesError(filename, f"le PDF dépasse {limits.max_pages} pages")
            _check_inflated_size(reader.pages, filename, cap)
            pages = [_without_controls(_page_text(page)) for page in reader.pages]
            has_images = not any(p.strip() for p in pages) and any(
                _page_has_images(page) for page in reader.pages
            )
    except MinutesError:
        raise
    except LimitReachedError as exc:
        raise MinutesError(filename, _limit_reason(str(exc), cap)) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, ZeroDivisionError) as exc:  # fmt: skip
        # pypdf reports damage with many exception types; none of them means anything to the agent.
        raise MinutesError(filename, "le PDF est endommagé et ne peut pas être lu") from exc
    if not any(p.strip() for p in pages):
        if has_images:
            raise MinutesError(
                filename,
                "le PDF ne contient que des images (document numérisé sans couche texte) : "
                "faites-le passer par une reconnaissance de caractères (OCR) avant de l'envoyer",
            )
        raise MinutesError(filename, "le PDF ne contient aucun texte (pages vides)")
    return pages


def _inflated_reason(cap: int) -> str:
    return (
        f"le contenu du PDF, une fois décompressé, dépasse {max(1, round(cap / MB))} Mo : "
        "ce n'est pas un procès-verbal ordinaire (fichier piégé ou démesuré)"
    )


def _limit_reason(message: str, cap: int) -> str:
    """A French reason for one of pypdf's limits."""
    lowered = message.lower()
    if "depth" in lowered or "cycle" in lowered or "page tree" in lowered:
        return (
            "l'arborescence des pages du PDF est trop profonde ou bouclée "
            "(fichier malformé ou piégé)"
        )
    if "decompress" in lowered or "output length" in lowered or "exceeds" in lowered:
        return _inflated_reason(cap)
    return "le PDF dépasse les limites de lecture du portail (fichier malformé ou démesuré)"


def _check_inflated_size(pages: object, filename: str, cap: int) -> None:
    """Refuse a PDF whose pages' content streams inflate beyond `cap` bytes in all, before any
    text is extracted from them (extraction costs far more than inflating)."""
    total = 0
    for page in pages:  # type: ignore[attr-defined]
        contents = page.get_contents()
        total += len(contents.get_data()) if contents is not None else 0
        if total > cap:
            raise MinutesError(filename, _inflated_reason(cap))


def _page_text(page: object) -> str:
    """The page's lines, with a blank line where the vertical gap between two lines is wider than
    usual (a new paragraph). pypdf's layout mode shows such gaps too but is four times slower;
    this reads the baseline of each piece of text as pypdf's plain extraction visits it."""
    lines: list[list[object]] = []  # [baseline, text]

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        if not text.strip():
            return
        y = tm[5] * cm[3] + cm[5]
        if lines and abs(float(lines[-1][0]) - y) < 1.0:
            lines[-1][1] = f"{lines[-1][1]}{text}"
        else:
            lines.append([y, text])

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    if not lines:
        return ""
    gaps = [float(a[0]) - float(b[0]) for a, b in pairwise(lines)]
    # The line spacing is the smallest gap (a page may hold more paragraph gaps than lines).
    usual = min((g for g in gaps if g > 2.0), default=0.0)
    out = [str(lines[0][1]).strip()]
    for gap, (_, line) in zip(gaps, lines[1:], strict=True):
        if usual and (gap > usual * 1.35 or gap < 0):
            out.append("")  # a wider gap (or a jump back up the page): a new paragraph
        out.append(str(line).strip())
    return "\n".join(out)


def _page_has_images(page: object) -> bool:
    try:
        return bool(page.images)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a broken image dictionary still means "images"
        return True


def _normalised(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line).strip().lower())


SIMILAR = 90  # rapidfuzz's ratio (0-100) of two forms of one running line


def _misread_repeats(page_lines: list[list[str]], repeated: set[str]) -> set[str]:
    """The first and last lines of pages that are one running header or footer read with a
    character wrong here and there (a scan's "Paraphe du Maire", "Parapbe du Maire", "Paraphe
    du Mairc"): lines of ten characters or more, not already found, each as close as SIMILAR to
    the first or last line of every page of three or more, or of half of them if more."""
    edges = []
    for lines in page_lines:
        content = [line for line in lines if line.strip()]
        edges.append({_normalised(line) for line in content[:1] + content[-1:]})
    if len(page_lines) < 3:
        return set()
    lines = sorted({e for page in edges for e in page if len(e) >= 10 and e not in repeated})
    if len(lines) < 3:
        return set()
    close = process.cdist(lines, lines, scorer=fuzz.ratio, score_cutoff=SIMILAR) > 0
    index = {line: n for n, line in enumerate(lines)}
    on_page = np.zeros((len(lines), len(edges)), dtype=bool)
    for number, page in enumerate(edges):
        for line in page:
            if line in index:
                on_page[index[line], number] = True
    pages_with = (close.astype(np.int32) @ on_page.astype(np.int32) > 0).sum(axis=1)
    needed = max(3, len(page_lines) / 2)
    return {line for line, n in zip(lines, pages_with, strict=True) if n >= needed}


def pdf_blocks(pages: list[str], width: int | None = None) -> list[Block]:
    """Paragraphs of a PDF's text, without running headers, footers and page numbers (the
    lines' width, `width`, found from the pages unless given)."""
    page_lines = [[line.rstrip() for line in page.split("\n")] for page in pages]
    # A line seen at the top or bottom of at least half of the pages is a running header/footer.
    edges: Counter[str] = Counter()
    tops: Counter[str] = Counter()
    for lines in page_lines:
        content = [line for line in lines if line.strip()]
        edges.update({_normalised(line) for line in content[:2] + content[-2:]})
        tops.update({_normalised(line) for line in content[:2]})
    repeated = {
        line for line, n in edges.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)
    }
    # A header printed on the top of fewer pages than half (a text's pages printed on more
    # sheets: "Villard-sur-Arc · CM du 18.06.2026" at the top of 2 sheets of 6): the same line,
    # no sentence, at the top of at least two pages and a third of them.
    repeated |= {
        line
        for line, n in tops.items()
        if n >= max(2, len(pages) / 3) and len(line) >= 10 and not line.endswith(PARAGRAPH_END)
    }
    repeated |= _misread_repeats(page_lines, repeated)
    blocks: list[Block] = []
    width = line_width("\n".join(pages)) if width is None else width
    for number, lines in enumerate(page_lines, 1):
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edge = set(filled[:1] + filled[-1:])
        kept = [
            line
            for i, line in enumerate(lines)
            if not line.strip()
            or not (
                _normalised(line) in repeated
                or PAGE_NUMBER.match(line.strip())
                or (i in edge and BARE_NUMBER.match(line.strip()))
                or (i in edge and PAGE_FOOTER.search(line.strip()))
            )
        ]
        page_blocks = _text_blocks("\n".join(kept), number, width)
        if blocks and page_blocks and _continues(blocks[-1], page_blocks[0], width):
            # The paragraph runs on from the previous page: join it, keeping its first page.
            first = page_blocks.pop(0)
            previous = blocks[-1].text
            # A word cut at the page's end is mended as within a page (_clean).
            joined = (
                _clean(f"{previous}\n{first.text}")
                if re.search(r"[a-zà-ÿ]-$", previous)
                else f"{previous} {first.text}"
            )
            blocks[-1] = Block(joined, blocks[-1].page, False)
        blocks += page_blocks
    return blocks


def _one_line(text: str) -> bool:
    """Lines that are whole in themselves: a rapporteur, a fact of the meeting, a vote."""
    return bool(
        RAPPORTEUR.match(text)
        or vote_start(text)
        or vote_line(text)
        or ATTENDANCE.match(text)
        or any(rx.match(text) for rx in FACTS.values())
    )


def _continues(previous: Block, following: Block, width: int = 0) -> bool:
    """Whether a page's first paragraph goes on with the last one of the page before: that one
    ends without a stop, and the next page goes on in lower case (a last line taken for a
    heading is not one then), or that one is a paragraph (not a heading, not a deliberation's
    title) and the next page's first one opens nothing of its own ("…concernant l'école" /
    "Vaillant.")."""
    if previous.text.endswith((".", ":", "!", "?", "»", ";")):
        return False
    if following.text[:1].islower():
        return True
    if DANGLING.search(previous.text) and not item_heading(following.text):
        # "Les travaux de sécurisation du réservoir des" / "Oulles, annoncés…": no title nor
        # paragraph ends on an article or a preposition
        return True
    if item_heading(previous.text) and following.heading:
        # A deliberation's title whose last words went on the next page ("— le boulevard" /
        # "Henri-Sellier").
        return len(following.text) <= 60 and not item_heading(following.text)
    if previous.heading and not (width >= 50 and len(previous.text) >= 0.8 * width):
        return False  # a title; but a full-width line alone at a page's end is a paragraph's
    return (
        not following.heading
        and not item_heading(previous.text)
        and not _one_line(previous.text)
        and not _starts_paragraph(following.text)
        and not SPEAKER.match(following.text)
    )


# --- entry point --------------------------------------------------------------------------------


def parse_bytes(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> ParsedMinutes:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        raise MinutesError(
            filename,
            f"format non pris en charge ({suffix or 'sans extension'}) : PDF, HTML, Markdown ou texte attendu",
        )
    if not data.strip():
        raise MinutesError(filename, "le fichier est vide")
    fmt = suffix.lstrip(".")
    if suffix == ".pdf":
        pages = _pdf_pages(data, filename, limits)
        width = line_width("\n".join(pages))
        read_pages = [unfold_columns(page, width) for page in pages]
        kept = width if read_pages != pages else None  # the lines unfolded are no wider text
        read_pages = numbered_titles("\x0c".join(read_pages)).split("\x0c")
        blocks = pdf_blocks(read_pages, kept)
        return _parse_layout(blocks, data, filename, fmt, len(pages))
    try:
        text = _without_controls(
            data.decode("utf-8").replace("\r\n", "\n").lstrip("\ufeff"), keep_form_feeds=True
        )
    except UnicodeDecodeError as exc:
        raise MinutesError(filename, "le texte n'est pas encodé en UTF-8") from exc
    if suffix in HTML_FORMATS:
        return _parse_layout(_html_blocks(text.replace("\x0c", "\n")), data, filename, fmt)
    if suffix in {".md", ".markdown"}:
        if front := FRONT_MATTER.match(text):
            text = f"---\n{front.group(1)}\n---\n{markdown_text(front.group(2))}"
        else:
            text = markdown_text(text)
    if text.startswith("---\n"):
        return _parse_front_matter(text.replace("\x0c", "\n"), data, filename, fmt)
    # Text, and Markdown without a front matter (as the upload page promises): read like the
    # layout of real minutes (a title line with the date in words, "Présents :" lines...).
    width = line_width(text)
    unfolded = unfold_columns(text, width)
    kept_width = width if unfolded != text else None  # the lines unfolded are no wider text
    unfolded = numbered_titles(unfolded)
    text_pages_ = text_pages(unfolded)
    if text_pages_:
        blocks = pdf_blocks(text_pages_, kept_width)
        return _parse_layout(blocks, data, filename, fmt, len(text_pages_))
    return _parse_layout(_text_blocks(unfolded, width=kept_width), data, filename, fmt)


def parse_file(path: Path) -> ParsedMinutes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MinutesError(path.name, "fichier illisible") from exc
    return parse_bytes(data, path.name)
