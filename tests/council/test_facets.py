"""Facets that are filters on the council's search page: places, organisations, amounts (ranges,
in numeric order) and dates (by year, then month), with counts, combined with the query and the
other filters, in the address, each removable; plain links, no JavaScript needed."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council import services
from portal.council.models import Passage
from portal.council.nlp import Reading, amounts
from portal.db import session_scope
from tests.helpers import t


def _facet_links(page: str, css_class: str) -> list[tuple[str, str, int]]:
    """(link, label, count) of one facet list of the page, in the order shown."""
    block = re.search(rf'<ul class="{css_class}">(.*?)</ul>', page, re.S)
    assert block, f"no facet list {css_class}"
    return [
        (html.unescape(href), html.unescape(label).strip(), int(n))
        for href, label, n in re.findall(
            r'<a href="([^"]+)">([^<]+)</a> <span class="count">\((\d+)\)</span>', block.group(1)
        )
    ]


def _found(page: str) -> int:
    match = re.search(r"<h2>(\d+) passages? trouvés?</h2>", page)
    assert match, "no count of passages"
    return int(match.group(1))


def _remove_link(page: str, label_start: str) -> str:
    match = re.search(
        r"<li>" + re.escape(label_start) + r'[^<]*— <a href="([^"]+)"[^>]*>retirer ce filtre</a>',
        page,
    )
    assert match, f"no removable filter {label_start!r}"
    return html.unescape(match.group(1))


def test_amounts_are_ranges_in_numeric_order_and_filter_the_results(
    client: TestClient, demo_minutes: None
) -> None:
    """Amounts cited are counted in ranges, smallest first; a range keeps only the passages
    citing an amount in it, the filter is in the address and its removal gives the search back."""
    page = t(client.get("/council/search?q=budget"))
    ranges = _facet_links(page, "facet-amount")
    labels = [label for _, label, _ in ranges]
    order = ["moins de 10\u202f000 €", "10\u202f000 – 100\u202f000 €", "100\u202f000 – 1 million €",
             "1 million – 10 millions €", "10 millions € et plus"]  # fmt: skip
    assert labels == [label for label in order if label in labels] and len(labels) >= 2
    href, _label, count = next(r for r in ranges if r[1] == "10 millions € et plus")
    assert parse_qs(urlsplit(href).query) == {"q": ["budget"], "montant": ["10000000-"]}
    filtered = t(client.get(href))
    assert _found(filtered) == count
    quotes = re.findall(r"<blockquote><p>(.*?)</p></blockquote>", filtered, re.S)
    assert quotes and all(
        any(int(key) >= 10_000_000 for _, key in amounts(re.sub("<[^>]+>", "", q))) for q in quotes
    )
    back = _remove_link(filtered, "Montant : 10 millions € et plus")
    assert parse_qs(urlsplit(back).query) == {"q": ["budget"]}
    assert _found(t(client.get(back))) == _found(page)


def test_dates_by_year_then_month_combine_with_other_filters(
    client: TestClient, demo_minutes: None
) -> None:
    """Dates cited are counted by year; a year shows its months; the filters combine with the
    meetings' dates, each removable (removing the year removes its month)."""
    base = "/council/search?q=s%C3%A9ance&du=2024-01-01"
    page = t(client.get(base))
    years = _facet_links(page, "facet-year")
    assert years and [y for _, y, _ in years] == sorted((y for _, y, _ in years), reverse=True)
    href, year, count = years[0]
    by_year = t(client.get(href))
    assert _found(by_year) == count
    months = _facet_links(by_year, "facet-month")
    assert months and all(label.endswith(year) for _, label, _ in months)
    month_href, month_label, month_count = months[0]
    query = parse_qs(urlsplit(month_href).query)
    assert query["du"] == ["2024-01-01"] and query["annee"] == [year]
    by_month = t(client.get(month_href))
    assert _found(by_month) == month_count <= count
    assert f"Mois cité : {month_label}" in by_month and "Séances à partir du 2024-01-01" in by_month
    without_year = parse_qs(urlsplit(_remove_link(by_month, f"Date citée : {year}")).query)
    assert without_year == {"q": ["séance"], "du": ["2024-01-01"]}
    without_from = parse_qs(urlsplit(_remove_link(by_month, "Séances à partir du")).query)
    assert "du" not in without_from and without_from["mois"] == query["mois"]


def test_places_and_organisations_read_by_spacy_are_filters(
    client: TestClient, engine: Engine, demo_minutes: None
) -> None:
    """Places and organisations the index found in passages are facets with counts; one keeps
    exactly the passages naming it."""
    with session_scope(engine) as session:
        pending = services.pending_passages(session, limit=5000)
        found = [
            Reading(
                [("place", "Raguidelles", "raguidelles")]
                if "Raguidelles" in text
                else [] + ([("organisation", "CCAS", "ccas")] if "CCAS" in text else []),
                {},
                [],
            )
            for _, _, text in pending
        ]
        services.store_readings(session, pending=pending, found=found)
        naming = {
            p.id
            for p in session.scalars(select(Passage).where(Passage.text.contains("Raguidelles")))  # type: ignore[attr-defined]
        }
    page = t(client.get("/council/search?q=piscine"))
    [(href, _label, count)] = [
        p for p in _facet_links(page, "facet-place") if p[1] == "Raguidelles"
    ]
    assert 1 <= count <= len(naming)
    filtered = t(client.get(href))
    assert _found(filtered) == count
    quotes = re.findall(r"<blockquote><p>(.*?)</p></blockquote>", filtered, re.S)
    assert quotes and all("Raguidelles" in q for q in quotes)
    assert "Lieu : Raguidelles" in filtered


def test_bad_facet_values_get_a_clear_french_page(client: TestClient, demo_minutes: None) -> None:
    """A made-up range, year or month is refused with a French message, nothing else happens."""
    for query, message in (
        ("montant=abc", "Tranche de montant inconnue."),
        ("annee=24", "Année invalide"),
        ("mois=2024-13", "Mois invalide"),
    ):
        response = client.get(f"/council/search?q=budget&{query}")
        assert response.status_code == 400 and message in t(response)


def test_facets_work_without_javascript_as_links(client: TestClient, demo_minutes: None) -> None:
    """Every facet is a plain link (GET) and the search form keeps the applied entity filters."""
    page = t(client.get("/council/search?q=budget&montant=1000000-10000000"))
    assert '<input type="hidden" name="montant" value="1000000-10000000">' in page
    assert "hx-" not in re.search(r'<aside class="facets".*?</aside>', page, re.S).group(0)  # type: ignore[union-attr]


# --- the same facets in the JSON API ------------------------------------------------------------


def _read_places(engine: Engine) -> None:
    """As spaCy would: "Raguidelles" a place, "CCAS" an organisation, wherever written."""
    with session_scope(engine) as session:
        pending = services.pending_passages(session, limit=5000)
        found = [
            Reading(
                ([("place", "Raguidelles", "raguidelles")] if "Raguidelles" in text else [])
                + ([("organisation", "CCAS", "ccas")] if "CCAS" in text else []),
                {},
                [],
            )
            for _, _, text in pending
        ]
        services.store_readings(session, pending=pending, found=found)


def test_the_api_gives_every_facet_with_counts_and_takes_them_as_filters(
    client: TestClient, engine: Engine, demo_minutes: None
) -> None:
    """/api/council/search?facets=1 counts places, organisations, amounts (ranges as numbers,
    smallest first), years and months beside the search's own facets; each value, given to the
    parameter `facet_params` names, keeps exactly the passages counted, and the response says
    which filters it applied."""
    _read_places(engine)
    body = client.get("/api/council/search?q=piscine&facets=1&limit=100").json()
    assert body["facet_params"]["place"] == "lieu" and body["facet_params"]["amount"] == "montant"
    assert {"topic", "person", "place", "organisation", "amount", "year"} <= set(body["facets"])
    assert body["filters"] == {}
    [place] = [f for f in body["facets"]["place"] if f["value"] == "raguidelles"]
    assert place["label"] == "Raguidelles" and place["count"] >= 1
    only = client.get("/api/council/search?q=piscine&facets=1&limit=100&lieu=raguidelles").json()
    assert only["total"] == len(only["hits"]) == place["count"]
    assert all("Raguidelles" in h["text"] for h in only["hits"])
    assert only["filters"] == {"lieu": {"value": "raguidelles", "label": "Raguidelles"}}
    assert [f["count"] for f in only["facets"]["place"] if f["value"] == "raguidelles"] == [
        place["count"]]  # fmt: skip

    budget = client.get("/api/council/search?q=budget&facets=1").json()
    ranges = budget["facets"]["amount"]
    assert len(ranges) >= 2 and [r["min"] for r in ranges] == sorted(r["min"] for r in ranges)
    top = ranges[-1]
    assert all(isinstance(r["min"], int) for r in ranges) and top["max"] is None
    kept = client.get(f"/api/council/search?q=budget&limit=100&montant={top['value']}").json()
    assert kept["total"] == len(kept["hits"]) == top["count"]
    assert all(any(int(k) >= top["min"] for _, k in amounts(h["text"])) for h in kept["hits"])
    assert kept["filters"]["montant"]["value"] == top["value"] and "facets" not in kept


def test_the_api_filters_by_year_then_month_with_the_searchs_own_filters(
    client: TestClient, demo_minutes: None
) -> None:
    """A year's months are counted once the year is chosen; month, meetings' dates and the
    subject combine; the applied filters are listed by parameter."""
    base = "/api/council/search?q=s%C3%A9ance&du=2024-01-01&facets=1&limit=100"
    years = client.get(base).json()["facets"]["year"]
    assert years and client.get(base).json()["facets"]["month"] == []
    year = years[0]
    by_year = client.get(f"{base}&annee={year['value']}").json()
    assert by_year["total"] == year["count"]
    months = by_year["facets"]["month"]
    assert months and all(m["value"].startswith(year["value"] + "-") for m in months)
    month = months[0]
    by_month = client.get(f"{base}&mois={month['value']}").json()
    assert by_month["total"] == month["count"] <= year["count"]
    assert set(by_month["filters"]) == {"du", "mois"}
    assert by_month["filters"]["du"] == {"value": "2024-01-01"}
    assert by_month["filters"]["mois"]["label"].endswith(year["value"])


def test_the_api_refuses_bad_facet_values_and_documents_them(client: TestClient) -> None:
    """A bad range, year or month is a 400 with a French message; the OpenAPI document the app
    serves lists every facet parameter and the facets' counts."""
    for query, message in (("montant=12-15", "Tranche de montant inconnue"),
                           ("annee=24", "Année invalide"), ("mois=2024-13", "Mois invalide")):  # fmt: skip
        response = client.get(f"/api/council/search?q=budget&{query}")
        assert response.status_code == 400, query
        assert message in response.text
    doc = client.get("/api/openapi.json").json()
    params = {p["name"]: p for p in doc["paths"]["/api/council/search"]["get"]["parameters"]}
    assert {"lieu", "organisation", "montant", "annee", "mois", "personne", "facets"} <= set(params)
    assert params["montant"]["schema"]["enum"][0] == "0-10000"
    facet_schema = doc["components"]["schemas"]["CouncilSearch"]["properties"]["facets"]
    assert {"place", "organisation", "amount", "year", "month"} <= set(facet_schema["properties"])
    assert "min" in facet_schema["properties"]["amount"]["items"]["required"]


def test_filters_fold_away_once_results_are_shown(client: TestClient, demo_minutes: None) -> None:
    """On a phone the filters would push the results below the first screen: they are open on
    the empty search page and when one of them is set, folded (a <details>, no script) once a
    search is made without them; folded, they are still sent with the form."""

    def box(path: str) -> str:
        page = client.get(path)
        assert page.status_code == 200
        found = re.search(r"<details class=\"filters-box\"( open)?>\s*<summary>Filtres</summary>",
                          page.text)  # fmt: skip
        assert found, "the filters are in a <details> with its summary"
        return found.group(0)

    assert " open" in box("/council/search")
    assert " open" not in box("/council/search?q=piscine")
    assert " open" in box("/council/search?q=piscine&issue=adopted")
    assert " open" in box("/council/search?q=piscine&du=2024-01-01")
    folded = client.get("/council/search?q=piscine").text
    assert 'name="issue"' in folded.split("</details>")[0].split('class="filters-box"')[1]
