"""Taking part through HTTP: comments, replies, edits, deletions, reports, phases and blocks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.consultation.moderation.models import Block, Report
from portal.consultation.participation import services as ps
from portal.consultation.participation.models import Comment
from portal.core_models import AuditEvent
from portal.db import session_scope
from tests.factories import clause_id, clause_stats, email_of
from tests.helpers import HX, count_queries, login, new_comment_id, post, post_comment, t


def comments(engine: Engine) -> list[Comment]:
    with session_scope(engine, write=False) as s:
        return list(s.scalars(select(Comment).order_by(Comment.id)))


def test_resident_comments_on_a_clause(charter: dict[str, int], login_as: Any) -> None:
    """A posted comment redirects back with a flash, shows on the clause page and counts."""
    resident = login_as()
    response = post_comment(resident, "Il faut **un numéro direct** pour les aînés.")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/charter/clauses/4#comment-")
    page = resident.get(response.headers["location"])
    assert "Votre commentaire est publié." in t(page)
    assert "<strong>un numéro direct</strong>" in t(page)
    assert "(1 commentaire)" in t(page)
    charter_page = resident.get("/charter")
    assert "1 commentaire" in t(charter_page)


def test_comment_with_htmx_returns_the_discussion(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """With htmx the reply is the discussion fragment only, with the new comment and a notice."""
    resident = login_as()
    response = post(resident, "/charter/clauses/4/comments", {"body": "Très bonne idée."},
                    headers=HX)  # fmt: skip
    assert response.status_code == 200
    assert t(response).lstrip().startswith('<section id="discussion"')
    assert "Très bonne idée." in t(response) and "Votre commentaire est publié." in t(response)
    assert "<html" not in t(response)
    s = clause_stats(engine)
    assert s is not None and s.comment_count == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Le commentaire est vide"), ("x" * 5001, "trop long (5001 caractères)")],
)
def test_empty_or_too_long_comments_are_refused(
    charter: dict[str, int], login_as: Any, engine: Engine, body: str, message: str
) -> None:
    """Empty and over-long comments get a clear message, keep the text typed, store nothing."""
    resident = login_as()
    response = post_comment(resident, body)
    assert response.status_code == 400
    assert message in t(response)
    if body.strip():
        assert body in t(response)  # the text typed is kept in the form
    htmx = post(resident, "/charter/clauses/4/comments", {"body": body}, headers=HX)
    assert htmx.status_code == 200 and message in t(htmx)
    assert comments(engine) == []


def test_comment_on_unknown_clause_is_404(charter: dict[str, int], login_as: Any) -> None:
    """Commenting on a clause that does not exist gets a 404 page."""
    response = post_comment(login_as(), "Bonjour", number=99)
    assert response.status_code == 404


def test_closed_consultation_refuses_every_write(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Once closed, commenting and supporting get a clear message and nothing is stored."""
    resident = login_as()
    first = post_comment(resident, "Avant la clôture.")
    cid = new_comment_id(first)
    with session_scope(engine) as s:
        ps.close_consultation(s, number=2, actor_id=charter["elu"])
    response = post_comment(resident, "Après la clôture.")
    assert response.status_code == 409
    assert "La consultation n'est pas ouverte (elle est en cours d'examen)" in t(response)
    assert "Après la clôture." in t(response)
    support = post(resident, "/charter/clauses/4/support", {"action": "add"})
    assert "La consultation n'est pas ouverte" in t(support)
    reply = post_comment(resident, "Une réponse", parent_id=str(cid))
    assert reply.status_code == 409
    assert [c.body for c in comments(engine)] == ["Avant la clôture."]
    page = resident.get("/charter/clauses/4")
    assert "Les commentaires sont fermés" in t(page) and 'name="body"' not in t(page)
    s = clause_stats(engine)
    assert s is not None and s.comment_count == 1 and s.support_count == 0


def test_drafting_phase_refuses_comments(
    drafting: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """Before the consultation opens, comments are refused with the phase named."""
    response = post_comment(login_as(), "Trop tôt ?")
    assert response.status_code == 409 and "elle est en préparation" in t(response)
    assert comments(engine) == []


def test_replies_are_one_level_deep(charter: dict[str, int], login_as: Any, engine: Engine) -> None:
    """A reply to a reply joins the top comment's thread; reply counts are maintained."""
    alice, bob = login_as(), login_as()
    top = new_comment_id(post_comment(alice, "Question : qui relit ?"))
    reply = new_comment_id(post_comment(bob, "Un agent formé.", parent_id=str(top)))
    nested = new_comment_id(post_comment(alice, "Merci !", parent_id=str(reply)))
    rows = {c.id: c for c in comments(engine)}
    assert rows[reply].parent_id == top and rows[nested].parent_id == top
    assert rows[top].reply_count == 2
    page = alice.get("/charter/clauses/4")
    thread = t(page)[t(page).index(f'id="comment-{top}"') :]
    assert thread.index("Un agent formé.") < thread.index("Merci !")
    s = clause_stats(engine)
    assert s is not None and s.comment_count == 3


def test_reply_with_htmx_returns_the_thread(charter: dict[str, int], login_as: Any) -> None:
    """An htmx reply returns the top comment's <li> with the new reply inside."""
    alice, bob = login_as(), login_as()
    top = new_comment_id(post_comment(alice, "Premier avis."))
    response = post(bob, "/charter/clauses/4/comments",
                    {"body": "Réponse rapide.", "parent_id": str(top)}, headers=HX)  # fmt: skip
    assert t(response).lstrip().startswith(f'<li class="comment" id="comment-{top}"')
    assert "Réponse rapide." in t(response) and "Votre réponse est publiée." in t(response)


def test_reply_to_a_comment_of_another_clause_is_refused(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """A parent from another clause is refused and nothing is stored."""
    resident = login_as()
    other = new_comment_id(post_comment(resident, "Sur l'article 5.", number=5))
    response = post_comment(resident, "Égarée", parent_id=str(other))
    assert response.status_code == 400 and "ne correspond pas" in t(response)
    assert len(comments(engine)) == 1


def test_author_edits_within_fifteen_minutes(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """The author edits a comment within 15 minutes; later the edit is refused."""
    resident = login_as()
    cid = new_comment_id(post_comment(resident, "Premier jet."))
    edited = post(resident, f"/charter/comments/{cid}/edit", {"body": "Version corrigée."},
                  follow_redirects=False)  # fmt: skip
    assert edited.status_code == 303
    page = resident.get(edited.headers["location"])
    assert "Votre commentaire est modifié." in t(page) and "Version corrigée." in t(page)
    assert "modifié" in t(page)
    with session_scope(engine) as s:
        row = s.get(Comment, cid)
        assert row is not None
        row.created_at = utcnow() - timedelta(minutes=16)
    late = post(resident, f"/charter/comments/{cid}/edit", {"body": "Trop tard."})
    assert "dans les 15 minutes" in t(late)
    assert comments(engine)[0].body == "Version corrigée."
    assert 'id="edit-' not in t(resident.get("/charter/clauses/4"))


def test_only_the_author_edits_or_deletes(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Someone else's edit or deletion is refused with a message; the comment is unchanged."""
    author, other = login_as(), login_as()
    cid = new_comment_id(post_comment(author, "Mon avis."))
    for action, data in (("edit", {"body": "Piraté"}), ("delete", {})):
        response = post(other, f"/charter/comments/{cid}/{action}", data)
        assert "Seul l'auteur d'un commentaire" in t(response)
    row = comments(engine)[0]
    assert row.body == "Mon avis." and row.deleted_at is None


def test_deleted_comment_leaves_a_placeholder(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Deleting keeps a placeholder so replies keep their context; counts follow."""
    author, other = login_as(), login_as()
    top = new_comment_id(post_comment(author, "Texte à retirer."))
    post_comment(other, "Je réponds à ce texte.", parent_id=str(top))
    response = post(author, f"/charter/comments/{top}/delete", {}, headers=HX)
    assert "Commentaire supprimé par son auteur." in t(response)
    page = other.get("/charter/clauses/4")
    assert "Texte à retirer." not in t(page)
    assert "Commentaire supprimé par son auteur." in t(page)
    assert "Je réponds à ce texte." in t(page)
    s = clause_stats(engine)
    assert s is not None and s.comment_count == 1
    again = post(author, f"/charter/comments/{top}/delete", {})
    assert "déjà supprimé" in t(again)


def test_report_once_per_person(charter: dict[str, int], login_as: Any, engine: Engine) -> None:
    """A report is stored once per person with its reason; a second one gets a message."""
    author, reporter = login_as(), login_as()
    cid = new_comment_id(post_comment(author, "Propos limite."))
    first = post(reporter, f"/charter/comments/{cid}/report", {"reason": "insult"},
                 follow_redirects=False)  # fmt: skip
    assert first.status_code == 303
    assert "signalé à la modération" in t(reporter.get(first.headers["location"]))
    second = post(reporter, f"/charter/comments/{cid}/report", {"reason": "spam"})
    assert "déjà signalé" in t(second)
    bad = post(login_as(), f"/charter/comments/{cid}/report", {"reason": "je-ne-sais-pas"})
    assert "motif du signalement" in t(bad)
    own = post(author, f"/charter/comments/{cid}/report", {"reason": "spam"}, headers=HX)
    assert "propre commentaire" in t(own)
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 1
        row = s.get(Comment, cid)
        assert row is not None and row.report_count == 1


def test_hidden_comment_shows_the_moderation_reason(
    charter: dict[str, int], login_as: Any, engine: Engine, client: TestClient
) -> None:
    """A comment hidden by moderation shows 'Masqué par la modération : <reason>' only."""
    cid = new_comment_id(post_comment(login_as(), "Propos injurieux."))
    with session_scope(engine) as s:
        row = s.get(Comment, cid)
        assert row is not None
        row.hidden_at, row.hidden_reason = utcnow(), "insult"
    page = client.get("/charter/clauses/4")
    assert "Masqué par la modération : injure" in t(page)
    assert "Propos injurieux." not in t(page)


def test_blocked_user_cannot_write(charter: dict[str, int], login_as: Any, engine: Engine) -> None:
    """A blocked user can read but neither comment, support nor report."""
    other = login_as()
    cid = new_comment_id(post_comment(other, "Un avis."))
    blocked = login_as()
    with session_scope(engine) as s:
        s.add(Block(user_id=blocked.user_id, blocked_by=charter["elu"], reason="insult"))
    response = post_comment(blocked, "Je reviens.")
    assert response.status_code == 403 and "suspendu de la consultation" in t(response)
    support = post(blocked, "/charter/clauses/4/support", {"action": "add"})
    assert "suspendu" in t(support)
    report = post(blocked, f"/charter/comments/{cid}/report", {"reason": "spam"})
    assert "suspendu" in t(report)
    assert len(comments(engine)) == 1
    assert blocked.get("/charter/clauses/4").status_code == 200


def test_xss_in_comment_and_display_name_is_inert(
    charter: dict[str, int], make_user: Any, make_client: Any, engine: Engine
) -> None:
    """Script in a comment body or a display name is shown as text, never run."""
    uid = make_user(name='<script>alert("nom")</script>')
    client = make_client()
    login(client, email_of(engine, uid))
    post_comment(
        client,
        '<script>alert("x")</script> <img src=x onerror=alert(1)> [lien](javascript:alert(2))',
    )
    page = client.get("/charter/clauses/4").text
    assert "<script>alert" not in page and "<img" not in page
    assert 'href="javascript' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#34;nom&#34;)&lt;/script&gt;" in page


def test_load_more_comments(charter: dict[str, int], login_as: Any, engine: Engine) -> None:
    """25 comments: 20 on the page, a real link to the rest, and an htmx fragment of the rest."""
    author = login_as()
    cid = clause_id(engine, 4)
    with session_scope(engine) as s:
        for i in range(25):
            ps.add_comment(s, author_id=author.user_id, body=f"Avis numéro {i:02d}", clause_id=cid)
    page = t(author.get("/charter/clauses/4"))
    assert "Avis numéro 24" in page and "Avis numéro 05" in page and "Avis numéro 04" not in page
    assert 'href="/charter/clauses/4?page=2#discussion"' in page
    fragment = t(author.get("/charter/clauses/4?page=2", headers=HX))
    assert "<html" not in fragment and "Avis numéro 04" in fragment and "Avis numéro 00" in fragment
    assert "Avis numéro 05" not in fragment
    full = t(author.get("/charter/clauses/4?page=2"))
    assert "<html" in full and "Avis numéro 00" in full and "Revenir aux commentaires" in full


def test_every_change_is_audited(charter: dict[str, int], login_as: Any, engine: Engine) -> None:
    """Posting, editing, deleting, reporting and supporting each write an audit row."""
    author, other = login_as(), login_as()
    cid = new_comment_id(post_comment(author, "Audité."))
    post(author, f"/charter/comments/{cid}/edit", {"body": "Audité deux fois."})
    post(other, f"/charter/comments/{cid}/report", {"reason": "spam"})
    post(other, f"/charter/comments/{cid}/support", {"action": "add"})
    post(author, f"/charter/comments/{cid}/delete", {})
    with session_scope(engine, write=False) as s:
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {
        "consultation.comment.create",
        "consultation.comment.edit",
        "consultation.comment.report",
        "consultation.support",
        "consultation.comment.delete",
        "consultation.phase",
    } <= actions


def test_pages_issue_a_fixed_number_of_queries(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """The charter and clause pages run as many queries with 120 comments as with two."""
    reader = login_as()

    def queries(path: str) -> int:
        with count_queries(engine) as counted:
            assert reader.get(path).status_code == 200
        return counted.count

    people = [login_as().user_id for _ in range(3)]

    def discuss(numbers: tuple[int, ...], times: int) -> None:
        with session_scope(engine) as s:
            for number in numbers:
                cid = clause_id(engine, number)
                for i in range(times):
                    top = ps.add_comment(
                        s, author_id=people[i % 3], body=f"Avis {times}-{i}", clause_id=cid
                    )
                    ps.add_comment(s, author_id=people[(i + 1) % 3], body="Réponse", clause_id=cid,
                                   parent_id=top.id)  # fmt: skip
                    ps.support(s, user_id=people[(i + 2) % 3], target_type="comment",
                               target_id=top.id or 0)  # fmt: skip

    discuss((4,), 1)
    before = {p: queries(p) for p in ("/charter", "/charter/clauses/4")}
    discuss((3, 4, 5), 20)
    with session_scope(engine) as s:
        for number in (3, 4, 5):
            ps.support(s, user_id=people[0], target_type="clause",
                       target_id=clause_id(engine, number))  # fmt: skip
    after = {p: queries(p) for p in ("/charter", "/charter/clauses/4")}
    assert after == before
    assert "42 commentaires" in t(reader.get("/charter"))


def test_double_submit_of_a_comment_stores_it_once(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Sending the same comment twice (a double click) stores it once and counts it once."""
    resident = login_as()
    first, second = (
        post_comment(resident, "Un seul envoi."),
        post_comment(resident, "Un seul envoi."),
    )
    assert first.headers["location"] == second.headers["location"]
    assert [c.body for c in comments(engine)] == ["Un seul envoi."]
    s = clause_stats(engine)
    assert s is not None and s.comment_count == 1
