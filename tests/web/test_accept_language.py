"""The interface language follows the browser's Accept-Language with its weights (RFC 9110)."""

from __future__ import annotations

from starlette.testclient import TestClient

from portal.web.i18n import choose_locale


def test_weights_decide_not_the_order_written() -> None:
    assert choose_locale(None, "fr;q=0.1, en;q=0.9", "fr") == "en"
    assert choose_locale(None, "en-GB,en;q=0.9,fr;q=0.8", "fr") == "en"
    assert choose_locale(None, "de, fr;q=0.5, en;q=0.4", "en") == "fr"


def test_q_zero_means_not_acceptable() -> None:
    assert choose_locale(None, "en;q=0, fr", "fr") == "fr"
    assert choose_locale(None, "en;q=0", "fr") == "fr"
    assert choose_locale(None, "en;q=nonsense, fr;q=0.2", "en") == "fr"


def test_the_language_cookie_still_wins() -> None:
    assert choose_locale("fr", "en;q=1", "en") == "fr"


def test_a_page_answers_in_the_weighted_language(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "fr;q=0.1, en;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="en"' in page.text
