"""Issue 19, finding 14 (second half): a meeting's page and its API answer are paginated, so a
meeting of 100,000 paragraphs is 500 pages of bounded size (it was one page of 36 MB and an API
answer of 31 MB); a paragraph's permanent link lands on the page where it is, even after a
corrected version has moved it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from portal.council import services
from portal.council.models import Item, Meeting, Passage
from portal.council.parse import parse_bytes
from portal.db import session_scope
from tests.helpers import t

DAY = date(2025, 3, 3)
PER_PAGE = services.PASSAGES_PER_PAGE


def _minutes(count: int, *, first: str = "") -> bytes:
    """Minutes of one deliberation debated in `count` paragraphs, then a second deliberation."""
    paragraphs = [
        f"Paragraphe {i} du débat : M. Durand revient sur le point {i}." for i in range(count)
    ]
    return (
        "# Séance du conseil municipal du 3 mars 2025\n\n"
        "## Délibération n° 2025-03-01 : Un très long débat\n\n"
        + (f"{first}\n\n" if first else "")
        + "\n\n".join(paragraphs)
        + "\n\n## Délibération n° 2025-03-02 : Le point suivant\n\n"
        "Le conseil municipal, après en avoir délibéré, adopte le point suivant.\n"
    ).encode()


def _ingest(engine: Engine, data: bytes) -> None:
    with session_scope(engine) as session:
        services.ingest(
            session, parsed=parse_bytes(data, "pv.md"), filename="pv.md", data=data, actor_id=None
        )


def _anchor_of(engine: Engine, text: str) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalars(select(Passage.anchor).where(Passage.text == text)).one())


@pytest.fixture
def huge_meeting(engine: Engine) -> None:
    """A meeting of 100,000 paragraphs, written straight into the tables (ingesting that many
    through the parser takes a minute; what is tested here is reading them back)."""
    with session_scope(engine) as session:
        meeting = Meeting(meeting_date=DAY, title="Séance du 3 mars 2025", source_filename="pv.md",
                          source_sha256="0" * 64, source_format="md", next_anchor=100_000)  # fmt: skip
        session.add(meeting)
        session.flush()
        item = Item(meeting_id=meeting.id, position=0, number="2025-03-01", title="Un long débat")
        session.add(item)
        session.flush()
        text = "Paragraphe du débat où M. Durand revient, une fois de plus, sur le même point. "
        session.execute(
            insert(Passage),
            [{"meeting_id": meeting.id, "item_id": item.id, "position": i, "anchor": i,
              "page": None, "kind": "paragraph", "text": f"{text}({i})", "text_hash": str(i),
              "search_text": "", "search_title": "", "search_lemmas": "", "lemmas": {},
              "nlp_done": True}
             for i in range(100_000)],
        )  # fmt: skip


def test_a_meeting_of_100000_paragraphs_is_paged(client: Any, huge_meeting: None) -> None:
    """The page and the API answer hold 200 paragraphs each, whatever the meeting's length, with
    links to the next page; a page beyond the last is a French 404, a bad page number a 400."""
    page = client.get("/council/m/2025-03-03")
    assert page.status_code == 200 and len(page.content) < 200_000
    text = t(page)
    assert "Page 1 sur 500" in text and "100 000 paragraphes" in re.sub(r"[\u202f\xa0]", " ", text)
    assert text.count("Paragraphe du débat") == PER_PAGE
    assert 'href="?page=2"' in page.text
    last = client.get("/council/m/2025-03-03?page=500")
    assert last.status_code == 200 and "(99999)" in t(last) and "(99799)" not in t(last)
    beyond = client.get("/council/m/2025-03-03?page=501")
    assert beyond.status_code == 404 and "n'a que 500 page(s)" in t(beyond)

    api = client.get("/api/council/meetings/2025-03-03")
    assert api.status_code == 200 and len(api.content) < 200_000
    body = api.json()
    assert (body["page"], body["pages"], body["per_page"]) == (1, 500, PER_PAGE)
    assert body["total_passages"] == 100_000 and len(body["passages"]) == PER_PAGE
    assert body["next"] == "/api/council/meetings/2025-03-03?page=2" and body["previous"] is None
    second = client.get(body["next"]).json()
    assert second["passages"][0]["anchor"] == PER_PAGE and second["previous"] is not None
    assert client.get("/api/council/meetings/2025-03-03?page=501").status_code == 404
    bad = client.get("/api/council/meetings/2025-03-03?page=deux")
    assert bad.status_code == 400 and "page" in bad.json()["error"]["detail"]


def test_a_permanent_link_lands_on_the_page_of_its_paragraph(client: Any, engine: Engine) -> None:
    """/council/m/<day>/p/<anchor> redirects to the page and anchor of the paragraph (page 7
    for the 1,235th); the paragraph is there; an unknown anchor is a 404."""
    _ingest(engine, _minutes(1500))
    anchor = _anchor_of(engine, "Paragraphe 1232 du débat : M. Durand revient sur le point 1232.")
    response = client.get(f"/council/m/2025-03-03/p/{anchor}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/council/m/2025-03-03?page=7#p{anchor}"
    landed = client.get(response.headers["location"])
    assert f'id="p{anchor}"' in landed.text and "Page 7 sur 8" in t(landed)
    first = _anchor_of(engine, "Paragraphe 3 du débat : M. Durand revient sur le point 3.")
    response = client.get(f"/council/m/2025-03-03/p/{first}", follow_redirects=False)
    assert response.headers["location"] == f"/council/m/2025-03-03#p{first}"
    missing = client.get("/council/m/2025-03-03/p/99999")
    assert missing.status_code == 404 and "Ce paragraphe n'existe pas" in t(missing)
    assert client.get("/council/m/2030-01-01/p/1").status_code == 404


def test_permanent_links_follow_a_corrected_version(client: Any, engine: Engine) -> None:
    """A corrected version that adds paragraphs before it moves a paragraph to a later page:
    its permanent link (the same anchor) still lands on it."""
    _ingest(engine, _minutes(1500))
    text = "Paragraphe 1180 du débat : M. Durand revient sur le point 1180."
    anchor = _anchor_of(engine, text)
    before = client.get(f"/council/m/2025-03-03/p/{anchor}", follow_redirects=False)
    assert before.headers["location"] == f"/council/m/2025-03-03?page=6#p{anchor}"
    added = "\n\n".join(f"Précision {i} ajoutée par la version corrigée." for i in range(100))
    _ingest(engine, _minutes(1500, first=added))
    assert _anchor_of(engine, text) == anchor
    after = client.get(f"/council/m/2025-03-03/p/{anchor}", follow_redirects=False)
    assert after.headers["location"] == f"/council/m/2025-03-03?page=7#p{anchor}"
    assert text in t(client.get(after.headers["location"]))


def test_links_to_paragraphs_on_other_pages(client: Any, engine: Engine) -> None:
    """The agenda links an item starting on another page to that page; a search hit, an
    answer's quote and the API give permanent links, which lead to the paragraph."""
    _ingest(engine, _minutes(1500))
    page = client.get("/council/m/2025-03-03").text
    second = _anchor_of(
        engine, "Le conseil municipal, après en avoir délibéré, adopte le point suivant."
    )
    heading = _anchor_of(engine, "Délibération n° 2025-03-02 : Le point suivant")
    assert f'href="/council/m/2025-03-03?page=8#p{heading}"' in page
    assert f'href="/council/m/2025-03-03/p/{second}"' not in page  # on page 8, not this one
    hits = client.get("/api/council/search", params={"q": "adopte le point suivant"}).json()
    url = next(h["url"] for h in hits["hits"] if "adopte le point suivant" in h["text"])
    assert url == f"/council/m/2025-03-03/p/{second}"
    landed = client.get(url)
    assert landed.status_code == 200 and f'id="p{second}"' in landed.text
    assert re.search(rf"/council/m/2025-03-03\?page=8#p{second}$", str(landed.url))
    deliberation = client.get("/api/council/deliberations/2025-03-02").json()
    assert deliberation["total_passages"] == 2
    assert deliberation["url"] == f"/council/m/2025-03-03/p/{heading}"


def test_the_minutes_are_marked_french_under_the_english_interface(
    client: Any, demo_minutes: None
) -> None:
    """WCAG 3.1.2: in English, the minutes' text (French) carries lang="fr"; in French the
    attribute is not repeated."""
    day = "/council/m/2024-03-28"
    client.cookies.set("portal_lang", "en")
    assert '<div class="minutes" lang="fr">' in client.get(day).text
    client.cookies.set("portal_lang", "fr")
    assert '<div class="minutes">' in client.get(day).text
