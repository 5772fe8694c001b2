"""Search filters and facets, quoted answers, and the JSON API over the demo minutes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council.answer import RULES
from portal.council.ingest import index_entities
from portal.council.parse import parse_bytes
from tests.helpers import csrf_token

from .conftest import CONTENT

QUESTION_AI = "Quand le conseil a-t-il adopté la charte de l'IA ?"


def _passages(client: TestClient, day: str) -> list[dict[str, Any]]:
    return client.get(f"/api/council/meetings/{day}").json()["passages"]


def test_search_filters_narrow_the_hits(client: TestClient, demo_minutes: None) -> None:
    """Date range, meeting, topic and vote outcome filters keep only matching passages."""

    def dates(**params: str) -> set[str]:
        hits = client.get(
            "/api/council/search", params={"q": "piscine", "limit": "50", **params}
        ).json()["hits"]
        return {h["meeting_date"] for h in hits}

    assert {"2024-05-16", "2024-12-12", "2024-03-28"} <= dates()
    assert dates(du="2024-06-01") == {"2024-12-12"}
    assert dates(au="2024-05-31") <= {"2024-02-08", "2024-03-28", "2024-05-16"}
    assert dates(seance="2024-05-16") == {"2024-05-16"}
    assert dates(theme="Sport") == {"2024-05-16", "2024-12-12"}
    assert dates(issue="rejected") == set()
    rejected = client.get(
        "/api/council/search", params={"q": "cantines", "issue": "rejected"}
    ).json()["hits"]
    assert rejected and {h["deliberation"] for h in rejected} == {"2024-05-15"}
    assert (
        client.get("/api/council/search", params={"q": "piscine", "du": "hier"}).status_code == 400
    )
    assert (
        client.get("/api/council/search", params={"q": "piscine", "issue": "peut-être"}).status_code
        == 400
    )


def test_search_person_filter_and_facets(client: TestClient, demo_minutes: None) -> None:
    """Facets count topics, meetings, outcomes and people; the person facet filters the hits."""
    data = client.get("/api/council/search", params={"q": "piscine", "facets": "1"}).json()
    facets = {
        name: {f["label"]: f["count"] for f in values} for name, values in data["facets"].items()
    }
    assert facets["topic"]["Sport"] >= 10 and facets["meeting"]["16/05/2024"] >= 5
    assert facets["outcome"]["adopted"] >= 10
    assert facets["person"]["Thomas Lefèvre"] >= 2
    person = next(f["value"] for f in data["facets"]["person"] if f["label"] == "Thomas Lefèvre")
    hits = client.get("/api/council/search", params={"q": "piscine", "personne": person}).json()[
        "hits"
    ]
    assert hits and {h["deliberation"] for h in hits} <= {"2024-05-10", "2024-05-11", "2024-12-04"}


def test_search_page_has_facet_links_and_highlights(client: TestClient, demo_minutes: None) -> None:
    """The search page marks the words found and offers facets as plain links with counts."""
    page = client.get("/council/search", params={"q": "piscines"}).text
    assert "<mark>piscine</mark>" in page and "Affiner" in page
    assert "/council/search?q=piscines&amp;theme=Sport" in page
    filtered = client.get("/council/search", params={"q": "piscines", "seance": "2024-12-12"}).text
    assert "retirer ce filtre" in filtered and "Séance du 16" not in filtered


def test_ask_quotes_the_adoption_of_the_ai_charter(client: TestClient, demo_minutes: None) -> None:
    """The answer quotes the decision word for word, with its meeting, number and anchor, and the vote."""
    data = client.get("/api/council/ask", params={"q": QUESTION_AI}).json()
    assert data["found"] is True
    first = data["answer"][0]
    assert first["quote"].startswith(
        "Le Conseil municipal, après en avoir délibéré, adopte la charte municipale"
    )
    assert (first["meeting_date"], first["deliberation"]) == ("2024-11-14", "2024-11-01")
    assert any(a["quote"].startswith("Vote : pour 43, contre 0") for a in data["answer"])
    by_anchor = {
        p["url"]: p["text"]
        for day in {a["meeting_date"] for a in data["answer"]}
        for p in _passages(client, day)
    }
    for quote in data["answer"]:
        assert quote["quote"] in by_anchor[quote["url"]]  # verbatim, and the link points to it


def test_ask_quotes_amounts_and_cites_pdf_pages(client: TestClient, demo_minutes: None) -> None:
    """A question on a cost quotes the sentence with the figure, with the page of the PDF."""
    data = client.get(
        "/api/council/ask", params={"q": "Combien coûte la rénovation de la piscine ?"}
    ).json()
    first = data["answer"][0]
    assert data["found"] and "14,2 millions d'euros" in first["quote"]
    assert first["meeting_date"] == "2024-05-16" and first["page"] is not None
    pages = {p["anchor"]: p["page"] for p in _passages(client, "2024-05-16")}
    assert first["page"] == pages[int(first["url"].rsplit("/p/", 1)[1])]


@pytest.mark.parametrize(
    "question",
    ["Quel temps fera-t-il demain à Marseille ?", "Où garer mon bateau ?",
     "Quand ouvre la bibliothèque ?", "Qui a gagné la coupe du monde de football ?"],
)  # fmt: skip
def test_unrelated_questions_are_not_answered(
    client: TestClient, demo_minutes: None, question: str
) -> None:
    """A question the minutes never discuss gets found=false and the city's contact, no quote."""
    data = client.get("/api/council/ask", params={"q": question}).json()
    assert data["found"] is False and data["answer"] == []
    assert data["contact"]["phone"] == "01 41 18 19 20"
    # which rule said so, and in a sentence
    assert (
        data["not_found_rule"] in RULES
        and data["not_found_reason"] == RULES[data["not_found_rule"]]
    )


def test_ask_page_explains_the_method_and_the_not_found_case(
    client: TestClient, demo_minutes: None
) -> None:
    """The ask page shows quotes with links, says how the answer was made, or gives the contact."""
    page = client.get("/council/ask", params={"q": QUESTION_AI}).text
    assert "Ce que disent les procès-verbaux" in page and 'href="/council/m/2024-11-14/p/' in page
    assert "Comment cette réponse a été faite" in page and "mot pour mot" in page
    missing = client.get("/council/ask", params={"q": "Où garer mon bateau ?"}).text
    assert "pas trouvé de réponse dans les procès-verbaux" in missing
    # why, in words: "bateau" is in no minutes, and it is most of the question
    assert (
        "Pourquoi : l'essentiel des mots de la question ne figure dans aucun procès-verbal."
        in missing.replace("&#39;", "'")
    )
    found = client.get("/api/council/ask", params={"q": QUESTION_AI}).json()
    assert found["found"] and "not_found_rule" not in found
    assert "01 41 18 19 20" in missing and "2 rue Carnot" in missing
    assert client.get("/council/ask").status_code == 200
    assert client.get("/api/council/ask").status_code == 400
    # What the question asks for is named in the page's language, never by its code.
    asked = client.get("/council/ask", params={"q": "Combien de temps durent les travaux ?"})
    assert "(ici : une durée)" in asked.text and "duration" not in asked.text
    switched = client.post(
        "/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client, "/login")}
    )
    assert switched.status_code == 200
    asked = client.get("/council/ask", params={"q": "Combien coûte la piscine ?"})
    assert "(here: an amount)" in asked.text and "(ici" not in asked.text
    missing = client.get("/council/ask", params={"q": "Où garer mon bateau ?"}).text
    assert "Why: most of the question's words are in no minutes." in missing.replace("&#39;", "'")


def test_every_not_found_rule_has_a_reason_on_the_ask_page() -> None:
    from portal.council.routes import RULE_LABELS

    assert set(RULE_LABELS) == set(RULES)


def test_every_kind_of_question_has_a_name_on_the_ask_page() -> None:
    from portal.council.questions import KINDS
    from portal.council.routes import KIND_LABELS

    assert set(KIND_LABELS) == set(KINDS)


def test_meeting_and_deliberation_api(client: TestClient, demo_minutes: None) -> None:
    """The meeting and deliberation endpoints give facts, votes, topics and anchored passages."""
    meeting = client.get("/api/council/meetings/2024-05-16").json()
    assert meeting["source"]["format"] == "pdf" and meeting["chair"] == "Anne Dubreuil"
    pool = meeting["deliberations"][0]
    assert pool["vote"] == {"for": 38, "against": 0, "abstentions": 2} and pool["topic"] == "Sport"
    item = client.get("/api/council/deliberations/2024-05-15").json()
    assert item["adopted"] is False and item["meeting_date"] == "2024-05-16"
    assert any(p["kind"] == "decision" for p in item["passages"])
    assert client.get("/api/council/deliberations/1999-01-01").status_code == 404
    assert client.get("/api/council/meetings/2030-01-01").json()["error"]


def test_openapi_lists_the_council_endpoints(client: TestClient) -> None:
    """The OpenAPI document describes search, ask, meetings and deliberations."""
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/council/search", "/api/council/ask", "/api/council/meetings/{day}",
                 "/api/council/deliberations/{number}"):  # fmt: skip
        assert "get" in paths[path]


def test_meeting_page_has_toc_topics_and_the_target_style(
    client: TestClient, demo_minutes: None
) -> None:
    """The meeting page lists the items with votes and topics; passages have anchors to land on."""
    page = client.get("/council/m/2024-11-14").text
    assert "adoptée à l&#39;unanimité" in page and "Numérique et intelligence artificielle" in page
    assert page.count('class="passage') >= 25
    css = client.get("/static/css/council.css").text
    assert ".passage:target" in css


def test_demo_sources_all_parse(demo_files: list[Any]) -> None:
    """Each demo meeting has deliberations with a rapporteur, a decision and a vote."""
    for path in demo_files:
        parsed = parse_bytes(path.read_bytes(), path.name)
        assert len(parsed.items) >= 4, path
        for item in parsed.items:
            assert item.rapporteur and item.vote is not None, (path, item.number)
    assert len(list(CONTENT.glob("*.md"))) + len(list((CONTENT / "pdf-sources").glob("*.md"))) == 8


def test_nul_bytes_and_odd_numbers_are_refused_cleanly(client: TestClient) -> None:
    """Anything with a NUL byte gets a 400 and odd deliberation numbers a 404, never a 500."""
    assert (
        client.get("/api/council/search", params={"q": "piscine", "theme": "a\x00b"}).status_code
        == 400
    )
    assert (
        client.get("/api/council/search", params={"q": "piscine", "personne": "\x00"}).status_code
        == 400
    )
    assert client.get("/api/council/deliberations/2024%0005").status_code == 400
    assert client.get("/api/council/ask", params={"q": "\x00piscine"}).status_code == 400


def test_lemmas_from_spacy_find_other_forms_of_a_word(
    client: TestClient, engine: Engine, demo_minutes: None
) -> None:
    """Before spaCy has read the minutes, a search finds the words as written (stems); after, it
    finds other forms by their lemma too ("remettre" finds "remis", "travail" finds "travaux"),
    and marks them."""

    def hits(q: str) -> list[dict[str, Any]]:
        return client.get("/api/council/search", params={"q": q, "limit": "50"}).json()["hits"]

    assert hits("remettre") == []
    work_before = {h["url"] for h in hits("travail")}
    unread = client.get("/council/search", params={"q": "piscine"}).text
    assert "268 paragraphes récents" in unread and "pas encore été lus par spaCy" in unread
    assert index_entities(engine) > 200
    assert "pas encore été lus" not in client.get("/council/search", params={"q": "bassin"}).text
    found = hits("remettre")
    assert found and all("remis" in h["text"].lower() for h in found)
    work = hits("travail")
    assert any("travaux" in h["text"] and "travail" not in h["text"] for h in work)
    assert work_before < {h["url"] for h in work}
    page = client.get("/council/search", params={"q": "remettre"}).text
    assert "<mark>remis</mark>" in page
    # A query's words get their lemma from the lookup table of spaCy's lemmatizer.
    data = client.get("/api/council/search", params={"q": "travaux"}).json()
    assert data["terms"][0].startswith("travaux / travail /") and "lemma" in data["method"]
    # The query's own forms are read the same way: "les travaux" finds "travail" as well.
    assert any("travail" in h["text"] and "travaux" not in h["text"] for h in hits("les travaux"))
    # "adoptée" and "adopté" have different Snowball stems; their lemma joins them.
    assert {h["url"] for h in hits("adoptée charte")} & {h["url"] for h in hits("adopté charte")}


def test_ask_reads_the_question_with_its_lemmas(
    client: TestClient, engine: Engine, demo_minutes: None
) -> None:
    """The answer page lists each word searched with its lemma; quotes stay word for word."""
    index_entities(engine)
    data = client.get(
        "/api/council/ask", params={"q": "Quels travaux sont prévus pour la piscine ?"}
    ).json()
    assert data["found"] is True
    by_anchor = {
        p["url"]: p["text"]
        for day in {a["meeting_date"] for a in data["answer"]}
        for p in _passages(client, day)
    }
    assert all(a["quote"] in by_anchor[a["url"]] for a in data["answer"])
    page = client.get("/council/ask", params={"q": "Quelles écoles seront rénovées ?"}).text
    assert "renovees / renover" in page
    # "prévus" says how the question asks (a form of "prévoir", found by its lemma): left out
    page = client.get("/council/ask", params={"q": "Quels travaux sont prévus ?"}).text
    assert "travaux / travail" in page and "prevus" not in page


def test_places_named_after_people_are_places(
    client: TestClient, engine: Engine, demo_minutes: None
) -> None:
    """ "l'école Jules-Ferry", "les rues Albert-Caron": places, not people, on the meeting page;
    a deliberation title starting with a capital ("Fermeture d'une classe") names no one."""
    index_entities(engine)
    entities = client.get("/api/council/meetings/2024-04-11").json()["entities"]
    values = {kind: {e["value"] for e in found} for kind, found in entities.items()}
    assert {"Jules-Ferry", "Albert-Caron"} <= values["place"]
    assert not {"Jules-Ferry", "Albert-Caron", "Vaillant", "Fermeture"} & values["person"]
    assert "Nadia Haddad" in values["person"] or "Sophie Marchand" in values["person"]
    # "...à l'école Vaillant. Sophie Marchand répond": a new sentence, a person again.
    june = client.get("/api/council/meetings/2024-06-27").json()["entities"]
    assert "Sophie Marchand" in {e["value"] for e in june["person"]}
    assert "Sophie Marchand" not in {e["value"] for e in june.get("place", [])}
    people = client.get("/api/council/search", params={"q": "école", "facets": "1"}).json()
    assert "Jules-Ferry" not in {f["label"] for f in people["facets"]["person"]}


def test_counts_agree_in_number_in_both_languages(client: TestClient, demo_minutes: None) -> None:
    """'1 passage trouvé', 'N passages found': plural forms follow each language's rule."""
    english = {"Accept-Language": "en"}
    many = client.get("/council/search", params={"q": "piscine"}, headers=english)
    assert many.status_code == 200 and " passages found" in many.text
    one = client.get("/council/search", params={"q": "vague"}, headers=english)
    assert one.status_code == 200 and "1 passage found" in one.text
    assert "1 passage trouvé<" in client.get("/council/search", params={"q": "vague"}).text


def test_a_month_named_in_a_question_lifts_that_months_meetings() -> None:
    """'secrétaire de séance en décembre': of passages alike, the December meeting's first."""
    from datetime import date as _date

    from portal.council.search import month_boost, question_months

    assert question_months("qui était secrétaire de séance en Décembre ?") == {12}
    assert question_months("présents le 5 fevrier et en août") == {2, 8}
    assert question_months("maire de la commune") == set()
    known = {
        1: (1, None, _date(2025, 3, 27), None, None, None),
        2: (2, None, _date(2025, 12, 11), None, None, None),
    }
    ranked = [(1, 9.8), (2, 9.3), (3, 5.0)]
    assert [i for i, _ in month_boost(ranked, {12}, known)] == [2, 1, 3]
    assert month_boost(ranked, set(), known) == ranked


def test_the_words_a_question_asks_by_are_not_searched(
    client: TestClient, demo_minutes: None
) -> None:
    """'quand est-ce que la piscine va rouvrir': "va" says how it is asked, not what about; a
    query of such words alone is still searched."""
    terms = client.get("/api/council/search", params={"q": "quand la piscine va rouvrir"}).json()
    assert not any(t.split(" / ")[0] == "va" for t in terms["terms"])
    alone = client.get("/api/council/search", params={"q": "devant"}).json()
    assert [t.split(" / ")[0] for t in alone["terms"]] == ["devant"]


def test_a_verb_does_not_answer_for_the_thing_it_is_said_of(
    client: TestClient, engine: Engine, demo_minutes: None
) -> None:
    """ "pk le stationnement augmente": the demo's minutes say the taxes will not "augmenter" and
    the pupils' number "augmente"; the rarer verb outweighed the parking, and those sentences
    were quoted. A passage must hold one of the things a question names (not only its verbs):
    here none holds the parking and the verb together, so nothing is quoted (the parking's
    passages are offered as "peut-être utile")."""
    index_entities(engine)
    data = client.get("/api/council/ask", params={"q": "pk le stationnement augmente"}).json()
    assert data["found"] is False and data["not_found_rule"] == "no-passage", data
    assert data["maybe_useful"] and any(
        "stationnement" in hit["text"] for hit in data["maybe_useful"]
    ), data
    # the verb alone still answers where the thing is named with it
    data = client.get("/api/council/ask", params={"q": "pourquoi les impots augmentent"}).json()
    assert data["found"] is True
    assert all("impôts" in a["quote"] for a in data["answer"][:1]), data
