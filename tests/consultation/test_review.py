"""Official answers through HTTP: the review desk, answering, applying the text, editing the draft."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.charter import services
from portal.consultation.charter.models import Clause
from portal.consultation.participation.models import Proposal
from portal.consultation.review.models import Answer
from portal.consultation.review.services import clause_origins
from portal.core_models import AuditEvent
from portal.db import session_scope
from tests.factories import add_comment, add_proposal, draft_clause
from tests.helpers import (
    ROLES,
    XSS,
    answer_proposal,
    as_role,
    assert_statuses,
    csrf_token,
    run_concurrently,
)


def test_review_desk_lists_waiting_proposals_by_support(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """The desk shows proposals awaiting an answer, the most supported first, answered ones gone."""
    people = [make_user() for _ in range(3)]
    low = add_proposal(
        engine, author_id=accounts["agent"], title="Peu soutenue", supporters=people[:1]
    )
    high = add_proposal(
        engine, author_id=accounts["agent"], title="Très soutenue", supporters=people
    )
    done = add_proposal(engine, author_id=accounts["agent"], title="Déjà tranchée")
    official = login_as("official")
    assert (
        answer_proposal(official, done, "rejected", "Hors du champ de la charte.").status_code
        == 303
    )
    page = official.get("/charter/review")
    assert page.status_code == 200
    assert page.text.index("Très soutenue") < page.text.index("Peu soutenue")
    assert "Déjà tranchée" not in page.text
    assert f'href="/charter/proposals/{high}/answer"' in page.text
    assert f'href="/charter/proposals/{low}/answer"' in page.text
    assert 'href="/charter/draft/clauses/4/edit"' in page.text  # the draft's articles, editable


def test_accepting_an_amendment_edits_the_draft_clause_and_links_both_ways(
    accounts: dict[str, int], engine: Engine, login_as: Any, client: TestClient
) -> None:
    """Accepted: the draft clause takes the text; the answer links to the clause and back."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    official = login_as("official")
    response = answer_proposal(official, pid, "accepted", "Bonne idée, retenue telle quelle.")
    assert response.status_code == 303
    clause = draft_clause(engine, "contact-humain")
    assert clause is not None
    assert clause.body == "Un numéro de téléphone direct est publié sur chaque page."
    with session_scope(engine, write=False) as session:
        proposal = session.get(Proposal, pid)
        assert proposal is not None
        assert proposal.status == "accepted" and proposal.applied_clause_id == clause.id
        assert proposal.lock_version == 2
        actions = set(session.scalars(select(AuditEvent.action)))
        assert "consultation.proposal.answer" in actions
    page = official.get(f"/charter/proposals/{pid}/answer")
    assert "Acceptée" in page.text and "Bonne idée, retenue telle quelle." in page.text
    assert f'href="/charter/clauses/{clause.number}"' in page.text
    assert "<ins>" in page.text  # still diffed against the text the agent started from
    # The clause's page (and the draft) now read the accepted text.
    assert "Un numéro de téléphone direct est publié" in client.get("/charter").text


def test_accepting_with_changes_applies_the_final_text(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """Accepted with changes: the official's final text, not the proposal's, goes into the draft."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    official = login_as("official")
    response = answer_proposal(
        official, pid, "accepted_with_changes", "Retenu, aux horaires de l'accueil.",
        final_text="Un numéro direct, ouvert aux horaires de l'accueil.",
    )  # fmt: skip
    assert response.status_code == 303
    clause = draft_clause(engine, "contact-humain")
    assert (
        clause is not None and clause.body == "Un numéro direct, ouvert aux horaires de l'accueil."
    )
    missing = answer_proposal(
        official, pid, "accepted_with_changes", "Raison", lock=2, final_text=" "
    )
    assert missing.status_code == 400 and "Le texte retenu est obligatoire" in missing.text


def test_accepting_a_new_clause_adds_it_with_the_next_number_in_its_section(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """A new clause goes after the last one of its section; later clauses move down by one."""
    with session_scope(engine, write=False) as session:
        view = services.view(session, services.get_version(session, 2))
        section = view.sections[0].slug
        last = max(c.number for c in view.clauses_in(section))
        total = len(view.clauses)
        following = next(c for c in view.clauses if c.number == last + 1)
    pid = add_proposal(
        engine, author_id=accounts["agent"], clause_slug=None, section_slug=section,
        title="Droit à l'oubli", body="Chacun peut demander l'effacement de ses échanges.",
    )  # fmt: skip
    assert answer_proposal(login_as("official"), pid, "accepted", "Ajouté.").status_code == 303
    added = draft_clause(engine, "droit-a-l-oubli") or draft_clause(engine, "droit-a-loubli")
    assert added is not None and added.number == last + 1 and added.section_slug == section
    moved = draft_clause(engine, following.slug)
    assert moved is not None and moved.number == following.number + 1
    with session_scope(engine, write=False) as session:
        numbers = sorted(
            session.scalars(select(Clause.number).where(Clause.version_id == added.version_id))
        )
    assert numbers == list(range(1, total + 2))


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_answer_without_reason_is_refused_and_nothing_changes(
    accounts: dict[str, int], engine: Engine, login_as: Any, reason: str
) -> None:
    """An empty reason: a clear 400, the form keeps the decision, nothing stored."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    before = draft_clause(engine, "contact-humain")
    response = answer_proposal(login_as("official"), pid, "accepted", reason)
    assert response.status_code == 400
    assert "La raison de la réponse est obligatoire" in response.text
    assert 'value="accepted" required checked' in response.text
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 0
        proposal = session.get(Proposal, pid)
        assert proposal is not None and proposal.status == "pending"
    after = draft_clause(engine, "contact-humain")
    assert before is not None and after is not None and after.body == before.body


def test_unknown_decision_and_unknown_proposal(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """A made-up decision gets 400; an unknown proposal gets 404."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    official = login_as("official")
    assert answer_proposal(official, pid, "maybe", "Raison").status_code == 400
    assert answer_proposal(official, 9999, "rejected", "Raison").status_code == 404


def test_a_stale_form_gets_a_conflict_and_keeps_the_typed_reason(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """Answering from an outdated page: 409, the other answer is shown, the typed text is kept."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    first, second = login_as("official"), login_as("official")
    assert (
        answer_proposal(first, pid, "rejected", "Première réponse, déjà publiée.").status_code
        == 303
    )
    late = answer_proposal(second, pid, "accepted", "Ma réponse tardive à ne pas perdre.", lock=1)
    assert late.status_code == 409
    assert "juste avant vous" in late.text
    assert "Première réponse, déjà publiée." in late.text
    assert "Ma réponse tardive à ne pas perdre." in late.text
    assert 'name="lock_version" value="2"' in late.text


def test_two_officials_answering_at_once(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """Two officials answering the same proposal at the same moment: one 303, one 409, one answer."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    officials = [login_as("official"), login_as("official")]
    tokens = [csrf_token(o, "/signup") for o in officials]

    def send_answer(i: int) -> int:
        response = officials[i].post(
            f"/charter/proposals/{pid}/answer",
            data={"decision": "accepted", "reason": f"Réponse {i}", "lock_version": "1",
                  "csrf_token": tokens[i]},
            follow_redirects=False,
        )  # fmt: skip
        return response.status_code

    outcomes = run_concurrently(2, send_answer)
    assert outcomes.errors == []
    assert sorted(outcomes.results) == [303, 409]
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 1


def test_a_new_answer_replaces_under_study(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """Under study, then rejected: both answers stay public, the latest is the decision."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    official = login_as("official")
    assert (
        answer_proposal(official, pid, "under_study", "À l'étude avec le DPO.").status_code == 303
    )
    assert answer_proposal(official, pid, "rejected", "Le RGPD suffit.", lock=2).status_code == 303
    page = official.get(f"/charter/proposals/{pid}/answer").text
    assert page.index("Le RGPD suffit.") < page.index("À l'étude avec le DPO.")
    assert "réponse antérieure" in page


def test_xss_in_reason_rationale_and_names_is_inert(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """Script in a reason, a rationale, a title or a display name is shown as text, never run."""
    evil = make_user("agent", name=XSS[:60])
    pid = add_proposal(engine, author_id=evil, title=XSS[:200], rationale=XSS)
    official = login_as("official")
    assert answer_proposal(official, pid, "under_study", XSS).status_code == 303
    for path in (f"/charter/proposals/{pid}/answer", "/charter/review"):
        html = official.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html or "&lt;img" in html


def test_officials_edit_a_draft_clause_but_never_a_published_one(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """The draft is editable (audited); an empty text is refused; published clauses never change."""
    official = login_as("official")
    token = csrf_token(official, "/signup")
    page = official.get("/charter/draft/clauses/4/edit")
    assert page.status_code == 200 and "article 4 du projet de version 2" in page.text
    done = official.post(
        "/charter/draft/clauses/4/edit",
        data={"title": "Un humain, toujours", "body": "Texte revu.", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with session_scope(engine, write=False) as session:
        clause = services.get_clause(session, services.get_version(session, 2), 4)
        assert (clause.title, clause.body) == ("Un humain, toujours", "Texte revu.")
        assert "charter.clause.edit" in set(session.scalars(select(AuditEvent.action)))
    empty = official.post(
        "/charter/draft/clauses/4/edit",
        data={"title": "Titre gardé", "body": " ", "csrf_token": token},
    )
    assert empty.status_code == 400 and "Le texte est obligatoire" in empty.text
    assert 'value="Titre gardé"' in empty.text
    from portal.consultation.review.services import edit_draft_clause
    from portal.errors import Conflict

    with session_scope(engine) as session:
        published = services.get_clause(session, services.get_version(session, 1), 4)
        with pytest.raises(Conflict):
            edit_draft_clause(
                session, clause_id=int(published.id or 0), title="x", body="y", actor_id=1
            )


def test_clause_origins_after_publication(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """Once v2 is published, each clause knows the answered proposals and top comments behind it."""
    people = [make_user() for _ in range(3)]
    pid = add_proposal(engine, author_id=accounts["agent"])
    top = add_comment(engine, author_id=people[0], body="Le plus soutenu.", supporters=people[1:])
    add_comment(engine, author_id=people[1], body="Sans soutien.")
    official = login_as("official")
    assert answer_proposal(official, pid, "accepted", "Retenue.").status_code == 303
    token = csrf_token(official, "/signup")
    published = official.post(
        "/charter/v/2/publish",
        data={"note": "Version 2", "lock_version": "1", "csrf_token": token,
              "reason": "La consultation se termine plus tôt."},
        follow_redirects=False,
    )  # fmt: skip
    assert published.status_code == 303
    with session_scope(engine, write=False) as session:
        origins = clause_origins(session, services.get_version(session, 2))
    origin = origins["contact-humain"]
    assert [p.id for p, _answers in origin.proposals] == [pid]
    assert origin.proposals[0][1][0].reason == "Retenue."
    assert [c.id for c in origin.top_comments] == [top]
    assert not origins["finalite"]


# (role, status of the desk, the answer form and the draft editor); answering is 303 where those
# pages are 200, and otherwise the same refusal (anonymous: 303 to the login page).
REVIEW_TABLE = [
    ("anonymous", 303), ("resident", 403), ("agent", 403), ("moderator", 403),
    ("official", 200), ("admin", 200),
]  # fmt: skip


def test_review_permissions(
    accounts: dict[str, int], engine: Engine, make_client: Any, login_as: Any
) -> None:
    """Only officials and admins see the desk, the answer form and the draft editor, and answer."""
    assert [role for role, _status in REVIEW_TABLE] == ROLES
    expected: dict[tuple[str, str], int] = {}
    observed: dict[tuple[str, str], int] = {}
    for role, status in REVIEW_TABLE:
        pid = add_proposal(engine, author_id=accounts["agent"])
        client = as_role(role, make_client, login_as)
        for path in (
            "/charter/review",
            "/charter/proposals/{pid}/answer",
            "/charter/draft/clauses/1/edit",
        ):
            url = path.format(pid=pid)
            expected[role, f"GET {path}"] = status
            observed[role, f"GET {path}"] = client.get(url, follow_redirects=False).status_code
        expected[role, "POST answer"] = 303 if status == 200 else status
        observed[role, "POST answer"] = answer_proposal(
            client, pid, "rejected", "Raison"
        ).status_code
    assert_statuses(expected, observed)


def test_the_answer_page_shows_the_systems_failing_the_articles_commitments(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """An official answering a change to an article that carries a checkable commitment sees
    the commitment and the register's systems that do not meet it today, linked."""
    import copy

    from portal.registry.commitments import services as commitments
    from portal.registry.models import System
    from tests.factories import register_entries

    CLAUSES = ("contact-humain", "transparence", "ia-generative", "evaluation")
    register_entries(engine, make_user("agent"))
    with session_scope(engine) as session:
        for rule in commitments.DEMO_COMMITMENTS:
            commitments.add(session, actor_id=None, clauses=CLAUSES, **rule)
        system = session.scalar(select(System).where(System.slug == "chatbot-habitants"))
        assert system is not None and system.data is not None
        data = copy.deepcopy(system.data)
        data["human_contact"]["channels"].append({"channel": "Courrier", "desk": "Mairie"})
        system.data = data
    changed = add_proposal(engine, author_id=accounts["agent"], clause_slug="contact-humain")
    page = login_as("official").get(f"/charter/proposals/{changed}/answer")
    assert page.status_code == 200
    assert "Engagements vérifiés sur le registre pour cet article" in page.text
    assert "Une personne peut toujours être jointe, avec des horaires" in page.text
    assert 'href="/registry/chatbot-habitants"' in page.text
    elsewhere = add_proposal(engine, author_id=accounts["agent"], clause_slug="sobriete")
    other = login_as("official").get(f"/charter/proposals/{elsewhere}/answer")
    assert "Engagements vérifiés sur le registre" not in other.text
