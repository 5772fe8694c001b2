"""Moderation through HTTP: the queue, hiding with a reason, restoring, blocking, public figures."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.demo.loader import insert_report
from portal.consultation.moderation.models import Block, ModerationAction, Report
from portal.consultation.participation.models import ClauseStats, Comment
from portal.db import session_scope
from tests.factories import add_comment
from tests.helpers import (
    ROLES,
    XSS,
    as_role,
    assert_accessible,
    assert_statuses,
    csrf_token,
    run_concurrently,
)
from tests.helpers import post as post_form


def report(engine: Engine, comment_id: int, *reporters: int, reason: str = "insult") -> None:
    with session_scope(engine) as session:
        for reporter in reporters:
            insert_report(session, comment_id=comment_id, reporter_id=reporter, reason=reason)


def post(client: TestClient, path: str, **form: str) -> Any:
    """A moderation form sent as the page sends it, without following the redirect."""
    return post_form(client, path, form, follow_redirects=False)


def comment_row(engine: Engine, comment_id: int) -> Comment:
    with session_scope(engine, write=False) as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment


def clause_comment_count(engine: Engine, comment_id: int) -> int:
    with session_scope(engine, write=False) as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        stats = session.get(ClauseStats, comment.clause_id)
        return stats.comment_count if stats else 0


def test_queue_lists_reported_comments_most_reported_first(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """The queue shows reported comments with their count and reasons, most reported first."""
    people = [make_user() for _ in range(4)]
    once = add_comment(engine, author_id=people[0], body="Signalé une fois.")
    thrice = add_comment(engine, author_id=people[0], body="Signalé trois fois.")
    add_comment(engine, author_id=people[0], body="Jamais signalé.")
    report(engine, once, people[1])
    report(engine, thrice, *people[1:4])
    page = login_as("moderator").get("/moderation")
    assert page.status_code == 200
    assert page.text.index("Signalé trois fois.") < page.text.index("Signalé une fois.")
    assert "Jamais signalé." not in page.text
    assert "3 signalements" in page.text and "Injure" in page.text
    assert f'href="/charter/clauses/4#comment-{thrice}"' in page.text


def test_hiding_shows_the_reason_to_the_public_and_closes_reports(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any, client: TestClient
) -> None:
    """Hidden: the public sees "Masqué par la modération : <reason>", reports closed, action logged."""
    author, reporter = make_user(), make_user()
    cid = add_comment(engine, author_id=author, body="Vous êtes tous des incapables.")
    report(engine, cid, reporter)
    before = clause_comment_count(engine, cid)
    moderator = login_as("moderator")
    done = post(moderator, f"/moderation/comments/{cid}/hide", reason="insult", note="Injure")
    assert done.status_code == 303
    comment = comment_row(engine, cid)
    assert comment.hidden_reason == "insult" and comment.hidden_by == moderator.user_id
    assert clause_comment_count(engine, cid) == before - 1
    with session_scope(engine, write=False) as session:
        reports = list(session.scalars(select(Report)))
        assert [(r.outcome, r.resolved_by) for r in reports] == [("hidden", moderator.user_id)]
        actions = list(session.scalars(select(ModerationAction)))
        assert [(a.action, a.reason) for a in actions] == [("hide", "insult")]
    page = client.get("/charter/clauses/4").text
    assert "Vous êtes tous des incapables." not in page
    assert "Masqué par la modération : injure" in page
    assert "Aucun commentaire signalé en attente." in moderator.get("/moderation").text
    again = post(moderator, f"/moderation/comments/{cid}/hide", reason="insult")
    assert again.status_code == 409


@pytest.mark.parametrize("reason", ["", "mechant"])
def test_hiding_needs_a_known_reason(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any, reason: str
) -> None:
    """Without a reason from the list: 400 and the comment stays visible."""
    cid = add_comment(engine, author_id=make_user())
    response = post(login_as("moderator"), f"/moderation/comments/{cid}/hide", reason=reason)
    assert response.status_code == 400 and "motif" in response.text
    assert comment_row(engine, cid).hidden_at is None


def test_a_moderator_cannot_moderate_their_own_comment(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """Hiding or keeping one's own comment is refused (403); the queue says another will decide."""
    moderator = login_as("moderator")
    cid = add_comment(engine, author_id=moderator.user_id, body="Mon propre avis.")
    report(engine, cid, make_user())
    assert post(moderator, f"/moderation/comments/{cid}/hide", reason="spam").status_code == 403
    assert post(moderator, f"/moderation/comments/{cid}/keep").status_code == 403
    assert comment_row(engine, cid).hidden_at is None
    assert "un autre modérateur en décidera" in moderator.get("/moderation").text


def test_keeping_a_comment_closes_its_reports(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """A report without merit: the comment stays visible and leaves the queue."""
    cid = add_comment(engine, author_id=make_user(), body="Critique vive mais correcte.")
    report(engine, cid, make_user(), reason="off_topic")
    moderator = login_as("moderator")
    assert post(moderator, f"/moderation/comments/{cid}/keep").status_code == 303
    assert comment_row(engine, cid).hidden_at is None
    assert (
        "Critique vive mais correcte."
        not in moderator.get("/moderation").text.split("Commentaires masqués")[0]
    )


def test_only_admins_restore(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """A moderator cannot restore (403); an admin can, and the comment counts again."""
    cid = add_comment(engine, author_id=make_user(), body="Un commentaire masqué par erreur.")
    moderator = login_as("moderator")
    count = clause_comment_count(engine, cid)
    assert post(moderator, f"/moderation/comments/{cid}/hide", reason="spam").status_code == 303
    assert post(moderator, f"/moderation/comments/{cid}/restore").status_code == 403
    assert comment_row(engine, cid).hidden_at is not None
    admin = login_as("admin")
    assert "Rétablir" in admin.get("/moderation").text
    assert post(admin, f"/moderation/comments/{cid}/restore").status_code == 303
    assert comment_row(engine, cid).hidden_at is None
    assert clause_comment_count(engine, cid) == count
    assert post(admin, f"/moderation/comments/{cid}/restore").status_code == 409


def test_blocking_a_user_stops_their_writing(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """A blocked resident can still read but no longer comment; the block is counted."""
    resident = login_as()
    cid = add_comment(engine, author_id=resident.user_id, body="Spam spam spam.")
    report(engine, cid, make_user(), reason="spam")
    moderator = login_as("moderator")
    done = post(moderator, f"/moderation/users/{resident.user_id}/block", reason="spam")
    assert done.status_code == 303
    assert (
        post(moderator, f"/moderation/users/{resident.user_id}/block", reason="spam").status_code
        == 409
    )
    assert (
        post(moderator, f"/moderation/users/{moderator.user_id}/block", reason="spam").status_code
        == 403
    )
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(Block.user_id)) == resident.user_id
    assert resident.get("/charter/clauses/4").status_code == 200
    refused = post(resident, "/charter/clauses/4/comments", body="Encore moi.")
    assert refused.status_code == 403
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(Comment.id).where(Comment.body == "Encore moi.")) is None
    assert "Débloquer" in moderator.get("/moderation").text
    assert post(moderator, f"/moderation/users/{resident.user_id}/unblock").status_code == 303
    assert post(moderator, f"/moderation/users/{resident.user_id}/unblock").status_code == 409
    assert "Aucun compte bloqué." in moderator.get("/moderation").text
    with session_scope(engine, write=False) as session:
        actions = list(session.scalars(select(ModerationAction.action)))
    assert actions == ["block", "unblock"]


def test_public_figures_by_reason_with_a_text_alternative(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any, client: TestClient
) -> None:
    """Anyone sees hides by reason as an SVG chart and as a table with the same figures."""
    moderator = login_as("moderator")
    for reason in ("insult", "insult", "spam"):
        cid = add_comment(engine, author_id=make_user())
        assert post(moderator, f"/moderation/comments/{cid}/hide", reason=reason).status_code == 303
    page = client.get("/moderation/figures")
    assert page.status_code == 200
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in page.text
    assert '<th scope="row">Injure</th><td>2</td>' in page.text
    assert '<th scope="row">Publicité ou spam</th><td>1</td>' in page.text
    assert "3 commentaires masqués" in page.text


def test_public_figures_count_reports_kept_after_examination(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any, client: TestClient
) -> None:
    """A reported comment a moderator keeps is counted, by the reported reason, among the
    items examined and left visible; two reports of one comment count once."""
    cid = add_comment(engine, author_id=make_user(), body="Critique vive mais correcte.")
    report(engine, cid, make_user(), reason="off_topic")
    report(engine, cid, make_user(), reason="off_topic")
    moderator = login_as("moderator")
    before = client.get("/moderation/figures").text
    assert "Signalés, examinés et laissés visibles" in before
    assert post(moderator, f"/moderation/comments/{cid}/keep").status_code == 303
    row = re.search(r'<th scope="row">Hors sujet</th>((?:<td>\d+</td>)+)', client.get(
        "/moderation/figures").text)  # fmt: skip
    assert row is not None
    assert re.findall(r"<td>(\d+)</td>", row.group(1)) == ["0", "0", "0", "1"]


def test_xss_in_reported_comments_and_names_is_inert(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """A script in a comment body or a display name shows as text in the queue."""
    author = make_user(name=XSS[:60])
    cid = add_comment(engine, author_id=author, body=XSS)
    report(engine, cid, make_user())
    html = login_as("moderator").get("/moderation").text
    assert "<script>alert" not in html and "<img src=x" not in html


MODERATION_TABLE = [
    # role, GET /moderation, hide, restore, block (and unblock)
    ("anonymous", 303, 303, 303, 303),
    ("resident", 403, 403, 403, 403),
    ("agent", 403, 403, 403, 403),
    ("moderator", 200, 303, 403, 303),
    ("official", 403, 403, 403, 403),
    ("admin", 200, 303, 303, 303),
]


def test_moderation_permissions(
    accounts: dict[str, int], engine: Engine, make_user: Any, make_client: Any, login_as: Any
) -> None:
    """Moderators hide and block, only admins restore; the figures are public."""
    from portal.consultation.moderation.services import hide_comment

    assert [row[0] for row in MODERATION_TABLE] == ROLES
    other_moderator = make_user("moderator")
    expected: dict[tuple[str, str], int] = {}
    observed: dict[tuple[str, str], int] = {}
    for role, queue, hide, restore, block in MODERATION_TABLE:
        client = as_role(role, make_client, login_as)
        author = make_user()
        cid = add_comment(engine, author_id=author)
        expected[role, "GET /moderation"] = queue
        observed[role, "GET /moderation"] = client.get(
            "/moderation", follow_redirects=False
        ).status_code
        expected[role, "GET /moderation/users/<id>"] = queue
        observed[role, "GET /moderation/users/<id>"] = client.get(
            f"/moderation/users/{author}", follow_redirects=False
        ).status_code
        expected[role, "GET /moderation/figures"] = 200
        observed[role, "GET /moderation/figures"] = client.get("/moderation/figures").status_code
        hidden = post(client, f"/moderation/comments/{cid}/hide", reason="spam")
        expected[role, "hide"], observed[role, "hide"] = hide, hidden.status_code
        if hidden.status_code != 303:  # let the restore below find a hidden comment
            with session_scope(engine) as session:
                hide_comment(session, comment_id=cid, moderator_id=other_moderator, reason="spam")
        restored = post(client, f"/moderation/comments/{cid}/restore")
        expected[role, "restore"], observed[role, "restore"] = restore, restored.status_code
        blocked = post(client, f"/moderation/users/{author}/block", reason="spam")
        expected[role, "block"], observed[role, "block"] = block, blocked.status_code
        unblocked = post(client, f"/moderation/users/{author}/unblock")
        # same permission as blocking
        expected[role, "unblock"], observed[role, "unblock"] = block, unblocked.status_code
    assert_statuses(expected, observed)


def test_moderation_pages_are_accessible(
    live_server: str, new_page: Any, accounts: dict[str, int], engine: Engine, make_user: Any
) -> None:
    """axe-core: no WCAG 2.1 A/AA violation on the public figures page."""
    from portal.consultation.moderation.services import hide_comment

    cid = add_comment(engine, author_id=make_user())
    moderator = make_user("moderator")
    with session_scope(engine) as session:
        hide_comment(session, comment_id=cid, moderator_id=moderator, reason="spam")
    page = new_page()
    page.goto(f"{live_server}/moderation/figures")
    assert_accessible(page)


def test_two_moderators_hiding_at_once(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """Two moderators hiding the same comment at the same moment: one 303, one 409, one action."""
    cid = add_comment(engine, author_id=make_user())
    moderators = [login_as("moderator"), login_as("moderator")]
    tokens = [csrf_token(m, "/signup") for m in moderators]

    def hide(i: int) -> int:
        response = moderators[i].post(
            f"/moderation/comments/{cid}/hide",
            data={"reason": "spam", "csrf_token": tokens[i]},
            follow_redirects=False,
        )
        return response.status_code

    outcomes = run_concurrently(2, hide)
    assert outcomes.errors == []
    assert sorted(outcomes.results) == [303, 409]
    with session_scope(engine, write=False) as session:
        assert len(list(session.scalars(select(ModerationAction)))) == 1


def test_a_moderator_reads_one_persons_record_and_blocks_from_it(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """From a reported comment, "Tout ce qu'a écrit …" opens the person's page: their comments
    (hidden ones marked), reports received, and a block form that works from there."""
    author = make_user(name="Hervé Véhément")
    kept = add_comment(engine, author_id=author, body="Un premier avis, calme.")
    rude = add_comment(engine, author_id=author, body="Un second avis, injurieux.")
    report(engine, rude, make_user(), make_user())
    moderator = login_as("moderator")
    queue = moderator.get("/moderation").text
    assert f'href="/moderation/users/{author}"' in queue
    page = moderator.get(f"/moderation/users/{author}")
    text = unescape(page.text)
    assert page.status_code == 200
    assert "Ce qu'a écrit Hervé Véhément" in text and "2 commentaires" in text
    assert "2 signalements reçus" in text and "Non bloqué" in text
    assert f"#comment-{kept}" in page.text and f"#comment-{rude}" in page.text
    blocked = post(moderator, f"/moderation/users/{author}/block", reason="insult")
    assert blocked.status_code == 303
    after = unescape(moderator.get(f"/moderation/users/{author}").text)
    assert "Bloqué depuis le" in after and "Lever le blocage" in after
    assert moderator.get("/moderation/users/999999").status_code == 404
