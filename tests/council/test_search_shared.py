"""The council search page as a shared page (issue 18): rendered once per process for an address,
language, kind of visitor and state of the index, with only the follow block each visitor's
own. What a visitor sees must be what the page rendered for them alone would show: their own
form token, whether they follow the search, and results as new minutes, re-read minutes and an
edited thesaurus make them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council.ingest import ingest_paths
from portal.nlp import french
from tests.helpers import t

from .test_alerts import NEW_MINUTES, _follow

SEARCH = "/council/search?q=piscine&issue=adopted"


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no form token on the page"
    return found.group(1)


def _follow_block(page: str) -> str:
    found = re.search(r'<div class="follow-search">(.*?)</div>', page, re.S)
    assert found, "no follow block"
    return found.group(1)


def test_each_visitor_gets_their_own_follow_block_on_the_shared_page(
    login_as: Any, make_client: Any, engine: Engine, demo_files: list[Path]
) -> None:
    """A follower sees "Vous suivez", another resident the form with their own token (which
    works), an anonymous visitor the sign-in link; the results are the same for all three."""
    assert ingest_paths(engine, [p for p in demo_files if p.suffix == ".md"])[1] == []
    follower, other = login_as(), login_as()
    assert _follow(follower, "piscine", issue="adopted").status_code == 303
    anonymous = make_client()
    pages = {}
    for name, client in (("other", other), ("follower", follower), ("anonymous", anonymous)):
        response = client.get(SEARCH)
        assert response.status_code == 200
        pages[name] = response.text
    # The other resident's view was the address's first (rendered for them alone); the
    # follower's is the shared page rendered then, with the follow block rendered again.
    assert "Vous suivez cette recherche." in t_block(pages["follower"])
    assert "Suivre cette recherche" not in t_block(pages["follower"])
    assert "Suivre cette recherche" in t_block(pages["other"])
    assert "Connectez-vous pour suivre cette recherche" in t_block(pages["anonymous"])
    hits = [re.findall(r'<li class="hit-group">.*?</li>', p, re.S) for p in pages.values()]
    assert hits[0] and hits[0] == hits[1] == hits[2]
    # The other resident's token is theirs: the form on their page works, twice the same row.
    token = _token(pages["other"])
    assert token != _token(follower.get("/council/search?q=budget").text)
    done = other.post(
        "/council/alerts",
        data={"q": "piscine", "issue": "adopted", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Vous suivez cette recherche." in t_block(other.get(SEARCH).text)
    # ...and the first follower's page is unchanged by it.
    assert "Vous suivez cette recherche." in t_block(follower.get(SEARCH).text)


def t_block(page: str) -> str:
    return t_text(_follow_block(page))


def t_text(html: str) -> str:
    class _R:
        text = html

    return t(_R())


def test_new_minutes_and_an_edited_thesaurus_change_the_shared_page(
    login_as: Any,
    engine: Engine,
    demo_files: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Minutes stored by another process, or re-read, and a thesaurus edited by the city, show
    in the next view of the same address: the shared page is kept for the index's state and
    the thesaurus in use, not for a time."""
    assert ingest_paths(engine, [p for p in demo_files if p.suffix == ".md"])[1] == []
    resident: TestClient = login_as()
    address = "/council/search?q=Raguidelles+ouvrira"
    before = t(resident.get(address))
    assert "Horaires d'été de la piscine" not in before
    new = tmp_path / "2025-02-05.txt"
    new.write_text(NEW_MINUTES, "utf-8")
    assert ingest_paths(engine, [new])[1] == []  # as another process would
    after = t(resident.get(address))
    assert "Horaires d'été de la piscine" in after
    # The same file corrected: the page shows the corrected text.
    new.write_text(NEW_MINUTES.replace("21 heures", "22 heures"), "utf-8")
    assert ingest_paths(engine, [new])[1] == []
    corrected = t(resident.get(address))
    assert "22 heures" in corrected and "21 heures" not in corrected

    word = "natatorium"  # in no minutes, and in no thesaurus until the city adds it
    assert "Horaires d'été de la piscine" not in t(resident.get(f"/council/search?q={word}"))
    stamp, table = french._loaded.get(french.THESAURUS_FILE) or (0, french.thesaurus())
    current = french.THESAURUS_FILE.read_text(encoding="utf-8")
    edited = french.parse_thesaurus(current + f"\n{word} => piscine\n")
    assert edited != table
    stamp = french.THESAURUS_FILE.stat().st_mtime_ns
    monkeypatch.setitem(french._loaded, french.THESAURUS_FILE, (stamp, edited))
    assert "Horaires d'été de la piscine" in t(resident.get(f"/council/search?q={word}"))


def test_a_search_asked_once_is_kept_nowhere_and_one_asked_again_is_shared(
    app: Any, make_client: Any, engine: Engine, demo_files: list[Path]
) -> None:
    """Most searches are typed once: those leave no page in the process (memory stays with the
    pages asked for again); the second view of an address keeps its shared page."""
    from portal.web.cache import fragment_cache

    assert ingest_paths(engine, [p for p in demo_files if p.suffix == ".md"])[1] == []
    visitor = make_client()
    visitor.cookies.set("portal_flash", "none")  # past the anonymous 5-second page cache

    def kept() -> int:
        return sum(1 for key in fragment_cache(app)._entries if "council-search" in key)

    alone = {}
    for word in ("piscine", "budget", "cantine", "voirie"):
        response = visitor.get(f"/council/search?q={word}")
        assert response.status_code == 200
        alone[word] = response.text
    assert kept() == 0
    shared = visitor.get("/council/search?q=piscine").text
    assert kept() == 1
    # The page rendered for one visitor and the shared one are the same, byte for byte.
    assert shared == alone["piscine"] == visitor.get("/council/search?q=piscine").text
    assert "Séance du" in shared


def test_the_footer_s_accessibility_status_follows_its_statement_on_shared_pages(
    app: Any, login_as: Any, engine: Engine, demo_files: list[Path], tmp_path: Path
) -> None:
    """The city edits its accessibility statement's status: the footer of pages kept as shared
    pages (a search, the charter) shows the new status within a second (the file is looked at
    again at most every content.CONFORMITY_SECONDS), not after the next minutes or comment."""
    import shutil
    import time

    from portal.web import content as legal_content

    assert ingest_paths(engine, [p for p in demo_files if p.suffix == ".md"])[1] == []
    content = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parents[2] / "content" / "legal", content / "legal")
    app.state.settings = app.state.settings.with_(content_dir=content)
    resident: TestClient = login_as()
    for _ in range(3):  # kept from the second view
        assert "Accessibilité : partiellement conforme" in t(resident.get(SEARCH))
    statement = content / "legal" / "accessibilite.md"
    statement.write_text(
        statement.read_text(encoding="utf-8").replace(
            "status: partiellement conforme", "status: totalement conforme"
        ),
        encoding="utf-8",
    )
    time.sleep(legal_content.CONFORMITY_SECONDS + 0.05)
    assert "Accessibilité : totalement conforme" in t(resident.get(SEARCH))
