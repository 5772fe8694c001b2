"""English second: every French message written in the sources has a finished English translation
with the same placeholders, and the main pages read in English show no leftover French label."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.web.i18n import LOCALE_DIR
from tests.factories import published_charter, register_entries

ROOT = Path(__file__).resolve().parents[2]
# %(name)s as our gettext takes them, {name} as str.format takes them, and %% (a literal % sign
# in a message formatted with parameters, which the translation must keep doubled).
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}|%%")


@cache
def extracted() -> dict[str, tuple[str, ...]]:
    """Every message the sources mark, as `make messages` extracts it (babel.cfg, keyword N_)."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    messages: dict[str, tuple[str, ...]] = {}
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=keywords,
        directory_filter=lambda path: Path(path).relative_to(ROOT).parts[:1] == ("portal",),
    ):
        forms = (message,) if isinstance(message, str) else tuple(message)
        if forms[0]:
            messages[forms[0]] = forms
    return messages


@cache
def english() -> Catalog:
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale="en")


def english_message(msgid: str) -> Message | None:
    return english().get(msgid)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_sources_mark_messages() -> None:
    """The extraction reads the sources (a broken babel.cfg would make the next test vacuous)."""
    messages = extracted()
    assert len(messages) > 1000
    assert "Parler à une personne" in messages  # a template (portal/web/templates)
    assert "Trop de tentatives" in messages  # Python code


def test_every_extracted_message_has_a_finished_english_translation() -> None:
    """No French message of the sources is missing, empty or fuzzy in the English catalogue."""
    problems = []
    for msgid in extracted():
        message = english_message(msgid)
        if message is None:
            problems.append(f"not in the catalogue (run make messages): {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"no English: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
    assert problems == [], "\n".join(problems)


def test_translations_keep_the_placeholders() -> None:
    """Each English form has exactly the placeholders of the French form it translates."""
    problems = []
    for msgid, forms in extracted().items():
        message = english_message(msgid)
        if message is None or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, translation in enumerate(strings):
            source = forms[min(index, len(forms) - 1)]
            if translation and placeholders(translation) != placeholders(source):
                problems.append(f"{source!r} -> {translation!r}")
    assert problems == [], "\n".join(problems)


def test_plural_messages_keep_their_plural_forms() -> None:
    """A message with a plural in French has both English forms, a singular one only one."""
    for msgid, forms in extracted().items():
        message = english_message(msgid)
        if message is None:
            continue
        assert isinstance(message.string, tuple) == (len(forms) == 2), msgid


# --- the pages read in English ------------------------------------------------------------------

PAGES = [
    "/",
    "/charter",
    "/charter/cycles",
    "/registry",
    "/council",
    "/donnees-ouvertes",
    "/contact",
]

# French labels of the interface that a page in English must not show: navigation, buttons, table
# headings and statuses that these pages carry. A label is the whole text of an element (a link, a
# heading, a cell, a button), so that the city's French content (register entries, the charter's
# text, the reception's channels), which merely contains such words, does not count; text marked
# lang="fr" is left out too. The list catches a label written in French without _(); the
# catalogue's own messages are checked the same way below.
FRENCH_LABELS = {
    "Accueil", "Aller au contenu", "Se connecter", "Créer un compte", "Mon espace", "Rechercher",
    "Registre", "Registre des IA", "Conseil municipal", "Données ouvertes", "Plan du site",
    "Accessibilité", "Mentions légales", "Confidentialité", "Parler à une personne",
    "Commentaires", "Propositions", "Voir", "Télécharger", "Envoyer", "Masqués", "Masquée",
    "Publiée", "publiée", "En service", "En test", "Fiche", "Thèmes", "Séance", "Réponse",
    "Horaires", "Téléphone", "Adresse", "Langue", "Suivre", "Précédent", "Suivant", "Ouverte",
    "Chiffres", "Synthèse", "Engagements", "Soutiens", "Cycle en cours", "Décision",
}  # fmt: skip
EDGES = " \t\n:;,.()[]—–-«»\"'’…"


class InterfaceText(HTMLParser):
    """The texts a visitor reads, one per text node or label attribute, minus scripts, styles
    and elements marked as French content."""

    VOID: ClassVar[frozenset[str]] = frozenset({
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    })  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it left out?
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        left_out = any(self.stack) or tag in {"script", "style"} or values.get("lang") == "fr"
        if not left_out and values.get("type") != "hidden":
            for name in ("alt", "placeholder", "aria-label", "title", "value"):
                self.texts.append(values.get(name) or "")
        if tag not in self.VOID and tag != "html":
            self.stack.append(left_out)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and tag != "html" and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(self.stack):
            self.texts.append(data)


def interface_texts(html: str) -> set[str]:
    parser = InterfaceText()
    parser.feed(html)
    parser.close()
    return {" ".join(text.split()).strip(EDGES) for text in parser.texts} - {""}


def pieces(message: str | tuple[str, ...]) -> set[str]:
    """The fixed pieces of a message as a page shows them, placeholders cut out."""
    forms = (message,) if isinstance(message, str) else message
    return {
        " ".join(piece.split()).strip(EDGES) for form in forms for piece in PLACEHOLDER.split(form)
    } - {""}


@cache
def french_only_pieces() -> frozenset[str]:
    """Pieces of the catalogue's French messages that no English translation shows."""
    french: set[str] = set()
    english_pieces: set[str] = set()
    for message in english():
        if message.id and message.id != message.string:
            french |= pieces(message.id)
            english_pieces |= pieces(message.string)
    return frozenset(french - english_pieces)


@pytest.fixture
def world(engine: Engine, make_user: Any) -> None:
    """Version 1 of the charter published and the register's systems: pages with their tables."""
    official = published_charter(engine, make_user)
    register_entries(engine, official)


@pytest.mark.parametrize("path", PAGES)
def test_main_pages_in_english_show_no_french_label(
    client: TestClient, world: None, path: str
) -> None:
    """Asked in English, a main page's interface shows none of the French labels or messages."""
    french = client.get(path)
    page = client.get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 200 == french.status_code, path
    assert '<html lang="en">' in page.text
    texts = interface_texts(page.text)
    leftovers = sorted(texts & (FRENCH_LABELS | french_only_pieces()))
    assert leftovers == [], (path, leftovers)
    # The check can fail: the page in French shows labels of the list and of the catalogue.
    french_texts = interface_texts(french.text)
    assert french_texts & FRENCH_LABELS, path
    assert len(french_texts & french_only_pieces()) >= 5, path
