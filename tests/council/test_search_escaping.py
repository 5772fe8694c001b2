"""Minutes are text from elsewhere: the search and answer pages, whose hit lists are written in
Python (portal/council/routes.py, for speed), show their markup as text, never as markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from portal.council.ingest import ingest_paths

MINUTES = (
    "# Conseil municipal du 3 mars 2025\n\n"
    '## Délibération n° 2025-03-01 : Kiosque <b onmouseover="alert(2)">musical</b>\n\n'
    "Rapporteur : Jeanne Martin\n\n"
    "Le conseil municipal adopte la rénovation du kiosque musical pour 12 000 euros "
    "<script>alert(1)</script> & <img src=x onerror=alert(3)> au jardin « public ».\n\n"
    "Vote : pour 30, contre 0, abstentions 2 — adoptée à la majorité.\n"
)


def test_search_and_answer_pages_escape_the_minutes(
    client: Any, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "2025-03-03.md"
    path.write_text(MINUTES, encoding="utf-8")
    assert ingest_paths(engine, [path])[1] == []
    for url in ("/council/search?q=kiosque+musical", "/council/ask?q=combien+coute+le+kiosque"):
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.text
        assert "Kiosque" in body or "kiosque" in body, url
        assert "<script>alert(1)" not in body and "<img src=x" not in body, url
        assert '<b onmouseover="alert(2)"' not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
        assert "&lt;b onmouseover=" in body, url
