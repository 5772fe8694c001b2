"""Turn a minutes file into a meeting, its items (deliberations) and its passages.

This reads the Markdown/text layout of content/council/ (front matter with the meeting's facts, one
`## Délibération n° …` heading per item, "Rapporteur :", "Le Conseil municipal, après en avoir
délibéré, …" and a "Vote :" line). Lines wrapped inside a paragraph are joined and words hyphenated
at a line end are mended. PDF and HTML minutes are not read yet.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
ITEM_HEADING = re.compile(
    r"^#{2,3}\s*(?:Délibération|Deliberation)\s+n[°o]\s*([\w-]+)\s*:?\s*(.*)$", re.I
)
OTHER_HEADING = re.compile(r"^#{1,3}\s+(.*)$")
RAPPORTEUR = re.compile(r"^Rapporteu(?:r|se)\s*:\s*(.+)$", re.I)
VOTE = re.compile(
    r"^Vote\s*:\s*pour\s+(\d+)\s*,\s*contre\s+(\d+)\s*,\s*abstentions?\s+(\d+)\s*[—–-]+\s*(.+)$",
    re.I,
)
HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
SOFT_BREAK = re.compile(r"(?<!\n)\n(?!\n)")
SUPPORTED = {".md", ".txt", ".markdown"}


class MinutesError(ValueError):
    """A file that cannot be read as minutes; the French message names the file and the reason."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename} : {reason}")
        self.filename = filename
        self.reason = reason


@dataclass(frozen=True)
class Vote:
    for_: int
    against: int
    abstentions: int
    unanimous: bool


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


def _paragraphs(body: str) -> list[str]:
    body = HYPHEN_BREAK.sub(r"\1\2", body.replace("\r\n", "\n"))
    return [
        re.sub(r"\s+", " ", SOFT_BREAK.sub(" ", p)).strip()
        for p in re.split(r"\n\s*\n", body)
        if p.strip()
    ]


def _names(value: object, filename: str, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MinutesError(filename, f"le champ « {key} » doit être une liste de noms")
    return [v.strip() for v in value]


def parse_bytes(data: bytes, filename: str) -> ParsedMinutes:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        raise MinutesError(
            filename,
            f"format non pris en charge ({suffix or 'sans extension'}) : Markdown ou texte attendu",
        )
    if not data.strip():
        raise MinutesError(filename, "le fichier est vide")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MinutesError(filename, "le texte n'est pas encodé en UTF-8") from exc
    match = FRONT_MATTER.match(text.replace("\r\n", "\n"))
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

    title = f"Séance du conseil municipal du {meta['date']:%d/%m/%Y}"
    passages: list[Passage] = []
    items: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    for paragraph in _paragraphs(match.group(2)):
        line = paragraph
        if heading := ITEM_HEADING.match(line):
            current = {"number": heading.group(1), "title": heading.group(2).strip(), "rapporteur": None,
                       "vote": None, "adopted": None, "first": len(passages)}  # fmt: skip
            items.append(current)
            passages.append(
                Passage(
                    len(passages),
                    f"Délibération n° {heading.group(1)} : {current['title']}",
                    len(items) - 1,
                    "heading",
                )
            )
            continue
        if other := OTHER_HEADING.match(line):
            if line.startswith("# "):
                title = other.group(1).strip()
            passages.append(
                Passage(
                    len(passages),
                    other.group(1).strip(),
                    len(items) - 1 if current else None,
                    "heading",
                )
            )
            continue
        kind = "paragraph"
        if line.startswith("La séance est levée"):
            current = None
        elif current is not None and (rap := RAPPORTEUR.match(line)):
            current["rapporteur"] = rap.group(1).strip()
        elif current is not None and (vote := VOTE.match(line)):
            outcome = vote.group(4).lower()
            for_, against, abstentions = (int(vote.group(i)) for i in (1, 2, 3))
            current["vote"] = Vote(for_, against, abstentions, "unanimit" in outcome)
            current["adopted"] = not outcome.startswith("rejet")
            kind = "vote"
        elif "après en avoir délibéré" in line:
            kind = "decision"
        passages.append(Passage(len(passages), line, len(items) - 1 if current else None, kind))
        if current is not None:
            current["last"] = len(passages) - 1
    if not passages:
        raise MinutesError(filename, "aucun texte après l'en-tête")
    parsed_items = [
        Item(
            number=str(i["number"]),
            title=str(i["title"]),
            rapporteur=i["rapporteur"],  # type: ignore[arg-type]
            vote=i["vote"],  # type: ignore[arg-type]
            adopted=i["adopted"],  # type: ignore[arg-type]
            first_passage=int(i["first"]),  # type: ignore[call-overload]
            last_passage=int(i.get("last", i["first"])),  # type: ignore[call-overload]
        )
        for i in items
    ]
    return ParsedMinutes(
        title=title,
        meeting_date=meta["date"],
        place=meta.get("place"),
        chair=meta.get("chair"),
        secretary=meta.get("secretary"),
        present=_names(meta.get("present"), filename, "present"),
        absent=_names(meta.get("absent"), filename, "absent"),
        proxies=proxies,
        items=parsed_items,
        passages=passages,
        source_sha256=hashlib.sha256(data).hexdigest(),
        source_format=suffix.lstrip("."),
    )


def parse_file(path: Path) -> ParsedMinutes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MinutesError(path.name, "fichier illisible") from exc
    return parse_bytes(data, path.name)
