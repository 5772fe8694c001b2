"""Public pages of the register through HTTP: list, search, filters, entries, programme, matrix."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.factories import REGISTRY_CONTENT
from tests.helpers import HX


def _found(client: TestClient, query: str) -> list[str]:
    page = client.get("/registry?" + query)
    assert page.status_code == 200, page.text[:300]
    return re.findall(r'<h3><a href="/registry/([a-z0-9-]+)">', page.text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=chatbots", ["chatbot-habitants"]),
        ("q=robot+conversationnel", ["chatbot-habitants"]),
        ("q=ROBOTS+CONVERSATIONNELS", ["chatbot-habitants"]),
        # the municipal thesaurus: "procès-verbal" and "compte rendu" are one thing to residents
        ("q=proces-verbaux", ["comptes-rendus-reunions", "indexation-proces-verbaux"]),
        ("q=r%C3%A9pondeur+t%C3%A9l%C3%A9phonique", ["voicebot-hors-horaires"]),
        ("q=repondeur+telephonique", ["voicebot-hors-horaires"]),
    ],
)
def test_search_uses_french_stems_and_ignores_accents(
    client: TestClient, registry: list[str], query: str, expected: list[str]
) -> None:
    """Plurals, capitals, synonyms and missing accents still find the system."""
    assert _found(client, query) == expected


def test_search_with_no_match_says_so(client: TestClient, registry: list[str]) -> None:
    """A search that matches nothing says so and links back to the whole register."""
    page = client.get("/registry?q=blockchain")
    assert "0 système trouvé" in page.text and "Voir tout le registre" in page.text


def test_filters_combine(client: TestClient, registry: list[str]) -> None:
    """Status, risk category, service and personal-data filters narrow the list together."""
    assert len(_found(client, "")) == 7
    assert _found(client, "status=test") == ["copilot-agents", "comptes-rendus-reunions"][::-1]
    assert _found(client, "risk=limited") == ["chatbot-habitants", "voicebot-hors-horaires"]
    assert set(_found(client, "service=Direction+de+la+relation+usagers")) == {
        "chatbot-habitants", "voicebot-hors-horaires", "centre-contact-unique",
    }  # fmt: skip
    assert _found(client, "personal=no") == []
    assert _found(client, "q=appels&status=deployed&risk=minimal") == ["centre-contact-unique"]


@pytest.mark.parametrize(
    "query",
    ["status=actif", "risk=enorme", "personal=peut-etre", "page=0", "page=abc", "q=" + "x" * 201],
)
def test_bad_filters_get_a_clear_french_message(
    client: TestClient, registry: list[str], query: str
) -> None:
    """An unknown filter value is refused with a 400 page in French, not ignored."""
    page = client.get("/registry?" + query)
    assert page.status_code == 400
    assert "Saisie à corriger" in page.text


def test_list_shows_plain_language_first_and_technical_details_in_a_disclosure(
    client: TestClient, registry: list[str]
) -> None:
    """Each card gives the summary and how to reach a person, the technique inside <details>."""
    page = client.get("/registry?q=chatbot").text
    assert "Parler à une personne :" in page
    assert page.index("Parler à une personne :") < page.index("<details>")
    assert "Détails techniques" in page


def test_entry_page_shows_how_to_reach_a_human_first(
    client: TestClient, registry: list[str]
) -> None:
    """The entry leads with how to reach a person, then data, owner, safeguards, figures."""
    page = unescape(client.get("/registry/chatbot-habitants").text)
    order = [
        "Parler à une personne plutôt qu'à la machine",
        "Ce qu'il fait pour vous",
        "Les données qu'il utilise à votre sujet",
        "Qui est responsable",
        "Les garanties",
        "Les chiffres",
        "Historique des modifications publiées",
    ]
    positions = [page.index(h) for h in order]
    assert positions == sorted(positions)
    assert "parler à un agent" in page and 'href="tel:0141181920"' in page
    assert "Agente Responsable" in page  # the owner


def test_entry_figures_have_a_chart_with_a_text_alternative(
    client: TestClient, registry: list[str]
) -> None:
    """The contact centre's calls over two periods are drawn in SVG and stated in words."""
    page = client.get("/registry/centre-contact-unique").text
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S)
    assert svg is not None
    assert re.search(
        r"<title[^>]*>Appels transmis aux services \(appels par an\) : 2022 : 300\W000, 2024 : 75\W000</title>",
        svg.group(0),
    )
    assert "169\u202f202 €" in page or "169 202 €" in page


def test_unknown_entry_is_a_french_404(client: TestClient, registry: list[str]) -> None:
    """An unknown slug answers 404 with a French page."""
    page = client.get("/registry/nexiste-pas")
    assert page.status_code == 404 and "Aucun système" in page.text


def test_programme_is_computed_from_entries(client: TestClient, registry: list[str]) -> None:
    """The programme counts statuses, sums yearly costs and lists every human channel."""
    page = client.get("/registry/programme").text
    assert re.search(r"En service : <span class=\"figure\">5</span>", page)
    assert re.search(r"En test : <span class=\"figure\">2</span>", page)
    assert "10\u202f200 €" in page or "10 200 €" in page
    assert "300 000 en 2022 à 75 000 en 2024" in page
    assert "2023-06-01" in page  # the chatbot's deployment on the timeline


def test_commitments_page_without_published_charter_says_so(
    client: TestClient, registry: list[str]
) -> None:
    """Before any charter is published, the page explains why the declarations are empty."""
    assert "pas encore publiée" in client.get("/registry/commitments").text


def test_commitments_page_lists_what_each_entry_declares(
    client: TestClient, registry: list[str], charter: None
) -> None:
    """Below the board, each system's declared commitments link to their published clause, and
    each entry links to its row of the board."""
    page = unescape(client.get("/registry/commitments").text)
    assert 'id="declare-chatbot-habitants"' in page
    assert 'href="/charter/v/1#article-5"' in page  # "Un humain à qui parler" in version 1
    assert "Bouton « parler à un agent » toujours visible" in page
    entry = client.get("/registry/chatbot-habitants").text
    assert (
        'href="/charter/v/1#article-5"' in entry
        and "/registry/commitments#sys-chatbot-habitants" in entry
    )


def test_empty_register_page_still_works(client: TestClient) -> None:
    """With no entry yet, the list says there is none rather than failing."""
    page = client.get("/registry")
    assert page.status_code == 200 and "0 système" in page.text


def test_htmx_search_gets_only_the_results_fragment(
    client: TestClient, registry: list[str]
) -> None:
    """With htmx, the filter form receives just the results section; without, the whole page."""
    fragment = client.get("/registry?q=chatbots", headers=HX).text
    assert fragment.lstrip().startswith('<section id="resultats"') and "<html" not in fragment
    assert "<html" in client.get("/registry?q=chatbots").text


def test_charter_side_can_list_the_systems_committed_to_a_clause(
    engine: Any, registry: list[str]
) -> None:
    """services.systems_committed_to gives the charter's clause pages their link back."""
    from portal.db import session_scope
    from portal.registry.services import systems_committed_to

    with session_scope(engine, write=False) as session:
        found = systems_committed_to(session, "contact-humain")
    assert {c.url for c in found} >= {
        "/registry/chatbot-habitants#charte", "/registry/centre-contact-unique#charte",
    }  # fmt: skip


def test_staff_see_pending_drafts_on_the_entry(
    registry: list[str], login_as: Any, engine: Any
) -> None:
    """An agent on an entry sees the drafts waiting for review; the public does not."""
    from portal.db import session_scope
    from portal.registry import services
    from portal.registry.loader import to_text

    agent = login_as("agent")
    with session_scope(engine) as session:
        data = dict(
            services.get_published(session, "copilot-agents").data or {},
            name="Copilot (25 licences)",
        )
        services.draft(
            session,
            text=to_text(data),
            summary="Nom raccourci",
            author_id=agent.user_id,
            slug="copilot-agents",
        )
    assert "Nom raccourci" in agent.get("/registry/copilot-agents").text
    assert "Nom raccourci" not in login_as().get("/registry/copilot-agents").text


def test_list_is_paginated_and_keeps_filters(
    client: TestClient, engine: Any, owner_id: int
) -> None:
    """Twenty systems per page; the next-page link keeps the search and the filters."""
    import copy

    from portal.db import session_scope
    from portal.registry import services
    from portal.registry.loader import LoadedEntry, load_folder

    seed = next(e for e in load_folder(REGISTRY_CONTENT) if e.slug == "chatbot-habitants").data
    entries = []
    for i in range(25):
        data = copy.deepcopy(seed)
        data["slug"], data["name"] = f"assistant-{i:02d}", f"Assistant {i:02d}"
        entries.append(LoadedEntry(f"assistant-{i:02d}.md", data))
    with session_scope(engine) as session:
        services.import_entries(session, entries, owner_id=owner_id)
    first = unescape(client.get("/registry?q=assistant&status=deployed").text)
    assert "25 systèmes trouvés" in first and "Page 1 sur 2" in first
    assert len(re.findall(r'<h3><a href="/registry/assistant-', first)) == 20
    assert "/registry?q=assistant&status=deployed&page=2" in first
    second = client.get("/registry?q=assistant&status=deployed&page=2").text
    assert len(re.findall(r'<h3><a href="/registry/assistant-', second)) == 5


def test_charter_clause_page_links_to_the_systems_committed_to_it(
    client: TestClient, registry: list[str], charter: None
) -> None:
    """The clause "a human to talk to" lists the register's systems that commit to it, with links."""
    page = client.get("/charter/clauses/5")  # article 5 of version 1: contact-humain
    assert page.status_code == 200
    assert "de la ville engagés par cet article" in page.text
    assert 'href="/registry/chatbot-habitants#charte"' in page.text
    assert 'href="/registry/voicebot-hors-horaires#charte"' in page.text
    other = client.get("/charter/clauses/1")  # decision-humaine: the chatbot does not commit
    assert 'href="/registry/chatbot-habitants#charte"' not in other.text


def test_search_uses_the_municipal_thesaurus(client: TestClient, registry: list[str]) -> None:
    """A resident's "serveur vocal" finds the entry that says "répondeur vocal" (thesaurus)."""
    assert _found(client, "q=serveur+vocal") == ["voicebot-hors-horaires"]
