"""Section 6 of issue 15: history numbered by version, a deleted author shown in words, and the
CSV for a French spreadsheet beside the machine CSV."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from typing import Any

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal import csvout
from portal.accounts.services import delete_account
from portal.db import session_scope
from portal.registry import services
from portal.registry.loader import to_text

SLUG = "chatbot-habitants"


def _publish_change(engine: Engine, author: int, official: int, summary: str) -> None:
    with session_scope(engine) as session:
        system = services.get_published(session, SLUG)
        data = dict(system.data or {}, summary=f"{summary} : un assistant écrit, à toute heure.")
        draft = services.draft(session, text=to_text(data), summary=summary, author_id=author,
                               slug=SLUG)  # fmt: skip
        assert draft.id is not None
        services.publish(session, revision_id=draft.id,
                         expected_revision=system.published_revision, actor_id=official)  # fmt: skip


def test_history_names_each_version_and_a_deleted_author_in_words(
    client: TestClient, registry: list[str], engine: Engine, make_user: Any
) -> None:
    """Three versions read "Version 3", "Version 2", "Version 1" (no list numbers); an author
    whose account was deleted is "un compte supprimé", never "Compte supprimé 50"."""
    author, official = make_user("agent", name="Agent Parti"), make_user("official")
    _publish_change(engine, author, official, "Deuxième version")
    _publish_change(engine, author, official, "Troisième version")
    with session_scope(engine) as session:
        delete_account(session, user_id=author, actor_id=author)
    page = unescape(client.get(f"/registry/{SLUG}").text)
    history = page[page.index('id="historique"') :]
    assert "<ol" not in history.split("</section>")[0]
    versions = re.findall(r"Version (\d+)<span", history)
    assert versions == ["3", "2", "1"]
    assert "Rédigé par un compte supprimé" in history
    assert f"Compte supprimé {author}" not in page


def test_french_csv_opens_in_columns(client: TestClient, registry: list[str]) -> None:
    """The Excel variant: BOM, ";" separator, French headings and values, decimal commas, one
    row per entry, the same entries as the machine CSV."""
    response = client.get("/registry/export-excel.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "registre-ia-suresnes-excel.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Identifiant", "Nom", "Statut"]
    assert rows[0][-2:] == ["Coût total (euros)", "Adresse de la fiche"]
    machine = list(
        csv.reader(io.StringIO(client.get("/registry/export.csv").content.decode("utf-8-sig")))
    )
    assert [r[0] for r in rows[1:]] == [r[0] for r in machine[1:]]
    assert all(len(r) == len(rows[0]) for r in rows)
    chatbot = next(r for r in rows if r[0] == SLUG)
    assert chatbot[2] == "En service" and chatbot[5] == "oui"
    assert "Risque limité" in chatbot[3]


def test_french_writer_uses_decimal_commas_and_still_defuses_formulas() -> None:
    """Numbers get a decimal comma, text that a spreadsheet would run is quoted as text."""
    text = csvout.write_rows_french([[1234.5, 38000.0, '=HYPERLINK("x")', "a;b"]], header=["n"])
    lines = text.splitlines()
    assert lines[0] == "n"
    assert lines[1] == '1234,5;38000;"\'=HYPERLINK(""x"")";"a;b"'
