"""The demo synthesis in Chromium: every theme label is a phrase written in one of its theme's
comments (never a comma-separated keyword list), its sources show on keyboard focus and in the
page, sizes come with distinct arguments, the campaign with its variants, the order-stability
figure; axe-core passes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from portal.consultation.demo.loader import load_demo as load_consultation
from portal.consultation.synthesis.demo import load_demo as load_synthesis
from portal.settings import Settings
from tests.factories import _password_hash
from tests.helpers import assert_accessible


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Demo mode: the served portal accepts a database holding the demo accounts."""
    return settings.with_(demo=True)


@pytest.fixture
def demo_synthesis(engine: Engine, settings: Settings, make_user: Any, monkeypatch: Any) -> None:
    """The demo consultation and its published synthesis, as `portal demo load` makes them."""
    monkeypatch.setattr("portal.accounts.services.hash_password", lambda _p: _password_hash())
    accounts = {
        "elu": make_user("official"), "agent": make_user("agent"),
        "moderation": make_user("moderator"), "habitant": make_user(), "admin": make_user("admin"),
    }  # fmt: skip
    load_consultation(engine, settings, accounts=accounts, progress=lambda _m: None)
    load_synthesis(engine, settings, accounts=accounts, progress=lambda _m: None)


@pytest.mark.browser
def test_demo_synthesis_reads_as_phrases_with_arguments_campaign_and_stability(
    demo_synthesis: None, live_server: str, new_page: Any
) -> None:
    """A resident reads phrase labels found in the theme's comments, distinct arguments, the
    campaign's variants and the stability figure; the page passes axe-core."""
    page = new_page()
    page.goto(f"{live_server}/consultation/synthesis")
    assert page.locator("h1").inner_text() == "Ce que les habitants ont dit"
    sections = page.locator("section.synthesis-theme[id^=theme-]")
    count = sections.count()
    assert count >= 3
    themes = []
    for n in range(count):
        section = sections.nth(n)
        label = section.locator("h2 .synthesis-label").evaluate(
            "el => el.firstChild.textContent.trim()"
        )
        assert label and "," not in label, label
        link = section.locator("a", has_text="commentaire").last.get_attribute("href")
        themes.append((label, link, section.get_attribute("id")))
        meta = section.locator("p.synthesis-meta").first.inner_text()
        assert "argument" in meta and "distinct" in meta, meta
        # In the page: where the label comes from, with the label marked in each comment.
        sources = section.locator("details.synthesis-label-sources")
        sources.locator("summary").click()
        assert sources.locator("li").count() >= 2
        assert fold(label) in fold(sources.locator("mark").first.inner_text())
    # On keyboard focus the label shows its source comments.
    first_label = sections.first.locator("h2 .synthesis-label")
    tip = sections.first.locator("[role=tooltip]")
    assert not tip.is_visible()
    first_label.focus()
    assert tip.is_visible() and "Expression reprise de" in tip.inner_text()
    first_label.blur()
    # The campaign, its variants as word changes, and the figures of the method.
    campaigns = page.locator("section.synthesis-campaigns")
    assert campaigns.locator("article").count() >= 1
    variants = campaigns.locator("ul.synthesis-variants").first.locator("li").all_inner_texts()
    assert variants and len(set(variants)) == len(variants), variants  # same change: one line
    assert any(re.search(r"\(\d+ copies\)$", v) for v in variants), variants
    assert campaigns.locator("ins, del").count() >= 1
    assert "Nous voulons des agents" in campaigns.inner_text()
    assert "Arrivée en rafale" in campaigns.inner_text()  # 15 copies within the hour
    stability = page.locator("dd.synthesis-stability").inner_text()
    assert "indice de Rand ajusté 1,00" in stability
    method = page.locator("section.synthesis-method").inner_text()
    assert "portal nlp cluster" in method and "Part dans « Autres »" in method
    assert_accessible(page)
    # Every label is written in one of its own theme's comments.
    for label, link, _anchor in themes:
        page.goto(f"{live_server}{link}")
        texts = [fold(t) for t in page.locator("blockquote").all_inner_texts()]
        assert any(fold(label) in t for t in texts), label
    assert_accessible(page)
