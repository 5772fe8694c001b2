"""Residents' words and the minutes' words: the municipal thesaurus (plain file, errors refused
with their line, previous version kept), spelling tolerance with "Vouliez-vous dire", the route
of each matched word, and answers read for what the question asks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council import method
from portal.council.ingest import ingest_paths
from portal.nlp.french import (
    ThesaurusError,
    load_thesaurus,
    parse_thesaurus,
    thesaurus,
    thesaurus_if_read,
)

ROOT = Path(__file__).resolve().parents[2]
MINUTES = Path(__file__).with_name("data") / "pv-sans-paragraphes.txt"


def test_the_city_thesaurus_file_loads() -> None:
    """content/thesaurus.txt is valid and links residents' words to the minutes' words."""
    table = load_thesaurus(ROOT / "content" / "thesaurus.txt")
    assert "videoprotection" in table.synonyms("vidéosurveillance")
    assert "mairie" in table.synonyms("hôtel de ville")
    assert "plan local urbanisme" in table.synonyms("PLU")
    assert "fiscalite" in table.synonyms("impôts") and "impots" not in table.synonyms("fiscalité")
    assert "eclairage public" in table.synonyms("lampadaires")  # plural found by its stem
    # residents' shorthand and words (2026-12-02): the intercommunality, hiring, damage
    assert "communaute communes" in table.synonyms("com com")
    assert "communaute agglomeration" in table.synonyms("agglo")
    assert "recrutement" in table.synonyms("embauche")
    assert "degradation" in table.synonyms("abîmé")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("mairie, hôtel de ville\npiscine\n", 2, "au moins deux termes"),
        ("# commentaire\n\nvélo, , cyclable\n", 3, "un terme est vide"),
        ("a => b => c\n", 1, "« => » ne peut figurer qu'une fois"),
        ("crèche, eaje\nimpôts; taxes\n", 2, "caractère inattendu"),
    ],
)
def test_thesaurus_syntax_errors_name_their_line(text: str, line: int, reason: str) -> None:
    """A syntax error is refused with its line number and the reason, in French."""
    with pytest.raises(ThesaurusError) as error:
        parse_thesaurus(text)
    assert error.value.line == line and reason in str(error.value)
    assert str(error.value).startswith(f"thésaurus, ligne {line} : ")


def test_a_bad_thesaurus_file_is_refused_and_the_previous_one_kept(tmp_path: Path) -> None:
    """Editing the file is picked up at the next search; a bad edit keeps the previous version."""
    path = tmp_path / "thesaurus.txt"
    path.write_text("piscine, centre aquatique\n", encoding="utf-8")
    assert thesaurus(path).synonyms("piscine") == ("centre aquatique",)
    path.write_text("piscine, bassin\nmairie\n", encoding="utf-8")
    os.utime(path, ns=(1, 10**18))  # a new modification time, whatever the clock's resolution
    assert thesaurus(path).synonyms("piscine") == ("centre aquatique",)
    with pytest.raises(ThesaurusError, match="ligne 2"):
        load_thesaurus(path)
    path.write_text("piscine, bassin\n", encoding="utf-8")
    os.utime(path, ns=(1, 2 * 10**18))
    # a view on the event loop does not read the changed file (it leaves that to a thread)...
    assert thesaurus_if_read(path) is None
    assert thesaurus(path).synonyms("piscine") == ("bassin",)
    # ...and once read, gets what was read
    assert thesaurus_if_read(path) is thesaurus(path)


def test_a_request_sees_one_thesaurus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Within a request's scope the thesaurus is the one the request saw first, the file looked
    at once (a file changed mid-request cannot give the ranking one thesaurus and the page
    another); the next request reads the changed file."""
    from portal.nlp import french

    stats: list[Path] = []
    stamp = french._stamp
    monkeypatch.setattr(french, "_stamp", lambda p: stats.append(p) or stamp(p))
    path = tmp_path / "thesaurus.txt"
    path.write_text("piscine, centre aquatique\n", encoding="utf-8")
    scope = french.request_scope()
    try:
        first = thesaurus(path)
        path.write_text("piscine, bassin\n", encoding="utf-8")
        os.utime(path, ns=(1, 10**18))
        assert thesaurus(path) is first and thesaurus_if_read(path) is first
        assert len(stats) == 1
    finally:
        french.end_request_scope(scope)
    assert thesaurus(path).synonyms("piscine") == ("bassin",)
    assert thesaurus(path).synonyms("piscine") == ("bassin",)
    assert len(stats) == 3  # outside a request, every call looks at the file


def test_a_search_page_looks_at_the_thesaurus_file_once(
    client: TestClient, demo_minutes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The middleware opens the request's scope: a search (ranking, vocabulary, the page's
    generation) looks at the thesaurus file once, and the next search again."""
    from portal.nlp import french

    stats: list[Path] = []
    stamp = french._stamp
    monkeypatch.setattr(french, "_stamp", lambda p: stats.append(p) or stamp(p))
    for query in ("piscine budget", "vidéosurveillance école", "conseil voirie"):
        stats.clear()
        page = client.get("/council/search", params={"q": query})
        assert page.status_code == 200 and "passage" in page.text
        assert stats == [french.THESAURUS_FILE], query


def _search(client: TestClient, q: str) -> dict[str, Any]:
    response = client.get("/api/council/search", params={"q": q})
    assert response.status_code == 200
    return dict(response.json())


def test_synonyms_and_spelling_find_the_minutes_words_and_say_how(
    client: TestClient, demo_minutes: None
) -> None:
    """ "vidéosurveillance" finds "vidéoprotection" (synonym), "piscinne" and "bugdet" find
    "piscine" and "budget" (spelling) with "Vouliez-vous dire", and each hit says which words
    matched and by which route."""
    found = _search(client, "vidéosurveillance")
    assert found["hits"] and found["unknown"] == []
    routes = {(m["word"].lower(), m["route"]) for h in found["hits"] for m in h["matched"]}
    assert ("vidéoprotection", "synonyme") in routes
    misspelt = _search(client, "piscinne")
    assert misspelt["suggestion"] == "piscine" and misspelt["hits"]
    assert any(m["route"] == "orthographe" for m in misspelt["hits"][0]["matched"])
    assert _search(client, "bugdet")["suggestion"] == "budget"
    page = client.get("/council/search", params={"q": "piscinne"}).text
    assert "Vouliez-vous dire" in page and "orthographe corrigée" in page
    written = _search(client, "piscine")
    assert written["suggestion"] is None
    assert {m["route"] for h in written["hits"] for m in h["matched"]} >= {"écrit"}


def test_the_words_found_are_said_in_each_language_s_typography(
    client: TestClient, demo_minutes: None
) -> None:
    """ "Mots trouvés : « vidéoprotection » (synonyme du thésaurus municipal : vidéosurveillance)"
    in French, the resident's word as typed, accents included (the search itself matches it
    without them); in English “…” and ": ", not the French spaces and guillemets; the hit's
    heading likewise ("délibération n° … : title")."""
    page = client.get("/council/search", params={"q": "vidéosurveillance"}).text
    matched = page.split('<p class="matched">', 1)[1].split("</p>", 1)[0]
    assert "« vidéoprotection » (synonyme du thésaurus municipal : vidéosurveillance)" in matched
    # typed without accents, said without them
    page = client.get("/council/search", params={"q": "videosurveillance"}).text
    matched = page.split('<p class="matched">', 1)[1].split("</p>", 1)[0]
    assert "« vidéoprotection » (synonyme du thésaurus municipal : videosurveillance)" in matched
    client.cookies.set("portal_lang", "en")
    page = client.get("/council/search", params={"q": "vidéosurveillance"}).text
    matched = page.split('<p class="matched">', 1)[1].split("</p>", 1)[0]
    assert "“vidéoprotection” (synonym from the municipal thesaurus: vidéosurveillance)" in matched
    assert "«" not in matched and " : " not in matched
    heading = page.split('<p class="meta"><a href="', 1)[1].split("</a>", 1)[0]
    assert "deliberation no." in heading and " : " not in heading


def test_words_found_nowhere_are_named(client: TestClient, demo_minutes: None) -> None:
    """A word no passage has, even corrected, is named rather than silently dropped."""
    assert _search(client, "zeppelin")["unknown"] == ["zeppelin"]


@pytest.fixture
def extracted_minutes(engine: Engine) -> None:
    """Minutes as text extracted from a PDF (no blank lines, headers, footers)."""
    results, errors = ingest_paths(engine, [MINUTES])
    assert errors == [] and len(results) == 1


def _ask(client: TestClient, q: str) -> dict[str, Any]:
    response = client.get("/api/council/ask", params={"q": q})
    assert response.status_code == 200
    return dict(response.json())


def test_answers_quote_the_kind_of_fact_asked_for(
    client: TestClient, extracted_minutes: None
) -> None:
    """An amount, a date and a vote asked in residents' words get the sentence with the amount,
    the date and the vote, verbatim, with the deliberation's number and title."""
    amount = _ask(client, "combien coute la gratuite de la mediatheque")
    assert amount["found"] and "amount" in amount["kinds"]
    cost = [q for q in amount["answer"] if q["quote"].startswith("Le coût de la mesure est estimé")]
    assert cost and "38 000 euros par an" in cost[0]["quote"]
    assert cost[0]["deliberation"] == "2025-06-01"
    assert cost[0]["item_title"] == "Gratuité de la médiathèque Louise-Michel"
    assert all("euros" in q["quote"] for q in amount["answer"] if q["kind"] == "answer")
    date = _ask(client, "a partir de quand la mediatheque est gratuite ?")
    assert date["found"] and any("1er septembre 2025" in q["quote"] for q in date["answer"])
    vote = _ask(client, "qui a vote contre la gratuite de la mediatheque")
    quotes = [q["quote"] for q in vote["answer"]]
    assert "Vote : pour 24, contre 4, abstentions 1 — adoptée." in quotes
    # "Il annonce que son groupe votera contre." is quoted with the sentence that says who "il" is.
    assert any(q.startswith("M. Perrot juge") and q.endswith("votera contre.") for q in quotes)


def test_not_found_says_so_with_what_was_searched_and_the_closest_passages(
    client: TestClient, extracted_minutes: None
) -> None:
    """A question the minutes do not answer: "Je n'ai pas trouvé de passage qui réponde", the
    words searched, the closest passages as "peut-être utile" and the city's contact."""
    data = _ask(client, "combien coute la renovation du gymnase de la piscine olympique")
    assert data["found"] is False and data["answer"] == []
    assert data["maybe_useful"] and data["contact"]["phone"]
    page = client.get(
        "/council/ask",
        params={"q": "combien coute la renovation du gymnase de la piscine olympique"},
    ).text
    assert "Je n&#39;ai pas trouvé de passage qui réponde" in page
    assert "Peut-être utile" in page and "Mots cherchés" in page and "gymnase" in page


def test_cli_checks_the_thesaurus_file(tmp_path: Path) -> None:
    """`portal council thesaurus [FILE]` says how many terms are linked, or the bad line."""
    env = {**os.environ, "PORTAL_SECRET_KEY": "x" * 40, "PORTAL_DATA_DIR": str(tmp_path)}
    good = subprocess.run([sys.executable, "-m", "portal.cli", "council", "thesaurus"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip
    assert good.returncode == 0 and "termes reliés" in good.stdout
    bad = tmp_path / "thesaurus.txt"
    bad.write_text("mairie, hôtel de ville\ncrèche\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "portal.cli", "council", "thesaurus", str(bad)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip
    assert out.returncode == 1 and "thésaurus, ligne 2 :" in out.stderr


def test_method_page_publishes_the_measured_figures(client: TestClient) -> None:
    """/council/methode says how answers are made and shows the test half's figures, dated,
    below the bars it names."""
    page = client.get("/council/methode")
    assert page.status_code == 200
    text = page.text
    assert "mot pour mot" in text and "thésaurus municipal" in text and "BM25" in text
    measured_on = format_date(method.MEASURED_ON, "long", locale="fr")  # "2 décembre 2026"
    assert "Bon paragraphe parmi les 5 premiers" in text and measured_on in text
    assert "ne sont pas encore atteints" in text
    # Every set, each test half then its tuning half, with the figures of portal/council/method.py
    assert f"procès-verbaux de {len(method.SETS)} autres communes" in text
    sets = text.split("<h3>")[1:]
    assert [s.split("</h3>", 1)[0] for s in sets] == [s.town for s in method.SETS]
    for shown, measured in zip(sets, method.SETS, strict=True):
        test_half = f"moitié test : {measured.test_answerable} questions"
        assert shown.index(test_half) < shown.index("moitié de réglage (« dev »)")
        for figures in measured.test:  # recall@5 and "not found" recall, as percentages
            assert f"{figures.recall_at_5:.0%}".replace("%", " %") in shown
            assert f"{figures.not_found_recall:.0%}".replace("%", " %") in shown
    title = text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<table" not in title and "moitié" not in title
