"""Following a clause or a proposal: mails through the outbox when answered, changed, published."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.charter import services
from portal.consultation.follow.models import Follow
from portal.db import session_scope
from portal.settings import Settings
from tests.factories import add_proposal, email_of
from tests.helpers import HX, answer_proposal, csrf_token, mails_to, post


def follow(client: TestClient, target_type: str, key: str, action: str = "follow") -> Any:
    return post(
        client,
        "/follow",
        {"target_type": target_type, "target_key": key, "action": action,
         "next": "/charter/clauses/4"},
        follow_redirects=False,
    )  # fmt: skip


def follows(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Follow)) or 0)


def test_following_a_clause_mails_its_change_with_an_unsubscribe_link(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """A follower of a clause is mailed when an accepted proposal changes it, with its own link."""
    resident = login_as()
    page = resident.get("/charter/clauses/4")
    assert "Suivre (alerte par e-mail)" in page.text
    assert follow(resident, "clause", "contact-humain").status_code == 303
    assert follow(resident, "clause", "contact-humain").status_code == 303  # double submit
    assert follows(engine) == 1
    assert 'aria-pressed="true"' in resident.get("/charter/clauses/4").text
    pid = add_proposal(engine, author_id=accounts["agent"])
    assert answer_proposal(login_as("official"), pid, "accepted", "Retenue.").status_code == 303
    [mail] = mails_to(engine, email_of(engine, resident.user_id))
    assert "a changé" in mail.subject
    assert "http://testserver/charter/clauses/4" in mail.body
    assert "Un numéro de téléphone direct est publié sur chaque page." in mail.body
    link = re.search(r"http://testserver(/follow/unsubscribe/[\w-]+)", mail.body)
    assert link is not None
    assert mail.headers["List-Unsubscribe"] == f"<http://testserver{link.group(1)}>"


def test_following_a_proposal_mails_its_answer(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """A follower of a proposal gets the decision and its reason by mail."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    resident = login_as()
    assert follow(resident, "proposal", str(pid)).status_code == 303
    assert (
        answer_proposal(
            login_as("official"), pid, "rejected", "Le RGPD couvre déjà ce cas."
        ).status_code
        == 303
    )
    [mail] = mails_to(engine, email_of(engine, resident.user_id))
    assert "Réponse officielle" in mail.subject
    assert "Refusée" in mail.body and "Le RGPD couvre déjà ce cas." in mail.body
    assert f"http://testserver/charter/proposals/{pid}" in mail.body


def test_unsubscribe_asks_before_acting_then_stops_mails(
    accounts: dict[str, int], engine: Engine, login_as: Any, make_client: Any
) -> None:
    """The link shows a confirm button (GET changes nothing); the POST ends the follow."""
    resident = login_as()
    follow(resident, "clause", "contact-humain")
    pid = add_proposal(engine, author_id=accounts["agent"])
    answer_proposal(login_as("official"), pid, "accepted", "Retenue.")
    [mail] = mails_to(engine, email_of(engine, resident.user_id))
    link = re.search(r"http://testserver(/follow/unsubscribe/[\w-]+)", mail.body)
    assert link is not None
    visitor = make_client()  # the mail is opened on another device, signed out
    page = visitor.get(link.group(1))
    assert page.status_code == 200 and "Ne plus recevoir ces e-mails" in page.text
    assert follows(engine) == 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    done = visitor.post(link.group(1), data={"csrf_token": token.group(1)})
    assert done.status_code == 200 and "vous ne recevrez plus" in done.text
    assert follows(engine) == 0
    gone = visitor.get(link.group(1))
    assert gone.status_code == 404 and "plus valable" in gone.text


def test_a_mail_client_unsubscribes_in_one_click(
    accounts: dict[str, int], engine: Engine, login_as: Any, live_server: str
) -> None:
    """RFC 8058: the mail names the one-click POST; a mail client posting it with no cookie and
    no form ends the follow; a wrong token changes nothing."""
    resident = login_as()
    follow(resident, "clause", "contact-humain")
    pid = add_proposal(engine, author_id=accounts["agent"])
    answer_proposal(login_as("official"), pid, "accepted", "Retenue.")
    [mail] = mails_to(engine, email_of(engine, resident.user_id), base_url=live_server)
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith(live_server + "/follow/unsubscribe/")
    body = {"List-Unsubscribe": "One-Click"}
    with httpx.Client() as mail_client:  # a program, not a browser: no cookie, no CSRF token
        wrong = mail_client.post(url[:-4] + "xxxx", data=body)
        assert wrong.status_code == 404 and follows(engine) == 1
        done = mail_client.post(url, data=body)
    assert done.status_code == 200
    assert follows(engine) == 0


def test_editing_the_draft_and_publishing_mail_followers(
    accounts: dict[str, int], engine: Engine, settings: Settings, login_as: Any
) -> None:
    """A direct edit of a followed draft clause, then the publication, each send a mail."""
    resident = login_as()
    follow(resident, "clause", "contact-humain")
    official = login_as("official")
    token = csrf_token(official, "/signup")
    official.post(
        "/charter/draft/clauses/4/edit",
        data={"title": "Un humain à qui parler", "body": "Texte revu.", "csrf_token": token},
    )
    published = official.post(
        "/charter/v/2/publish",
        data={"note": "Version 2", "lock_version": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert published.status_code == 303
    edit_mail, publish_mail = mails_to(engine, email_of(engine, resident.user_id))
    assert "Texte revu." in edit_mail.body
    assert publish_mail.subject == "La version 2 de la charte est publiée"
    # Links in mails are absolute, from the site's address in the settings.
    assert f"{settings.base_url}/charter/v/2#article-4" in publish_mail.body
    assert f"{settings.base_url}/follow/unsubscribe/" in publish_mail.body


def test_mail_links_take_the_site_address_configured_when_the_mail_is_read(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """The service queues paths; the same mail read on another host or port links there."""
    resident = login_as()
    follow(resident, "clause", "finalite")
    with session_scope(engine) as session:
        services.publish_version(
            session, number=2, note="Publiée", actor_id=accounts["elu"], expected_lock=1
        )
    address = email_of(engine, resident.user_id)
    for site in ("https://ia.suresnes.fr", "http://127.0.0.1:8123"):
        [mail] = mails_to(engine, address, base_url=site)
        assert f"{site}/charter/v/2#article-2" in mail.body
        assert f"{site}/follow/unsubscribe/" in mail.body
        assert mail.headers["List-Unsubscribe"].startswith(f"<{site}/follow/unsubscribe/")
        assert "\x1e" not in mail.body


def test_unfollow_and_bad_targets(accounts: dict[str, int], engine: Engine, login_as: Any) -> None:
    """Unfollowing removes the follow; an unknown kind of target gets a clear 400."""
    resident = login_as()
    follow(resident, "clause", "contact-humain")
    assert follow(resident, "clause", "contact-humain", action="unfollow").status_code == 303
    assert follows(engine) == 0
    bad = follow(resident, "comment", "12")
    assert bad.status_code == 400 and "article ou une proposition" in bad.text
    assert follow(resident, "proposal", "abc").status_code == 400


def test_follow_permissions(accounts: dict[str, int], make_client: Any, client: TestClient) -> None:
    """Signed-out visitors are sent to the login page and see a sign-in link instead of a button."""
    visitor = make_client()
    assert follow(visitor, "clause", "contact-humain").status_code == 303
    assert follow(visitor, "clause", "contact-humain").headers["location"].startswith("/login")
    assert "pour suivre cet élément" in client.get("/charter/clauses/4").text


def test_htmx_follow_swaps_the_button_in_place(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """With htmx the answer is the button's fragment (now pressed) with a spoken notice."""
    resident = login_as()
    response = post(
        resident,
        "/follow",
        {"target_type": "clause", "target_key": "contact-humain", "action": "follow",
         "next": "/charter/clauses/4"},
        headers=HX,
    )  # fmt: skip
    assert response.status_code == 200
    assert response.text.lstrip().startswith(
        '<div class="follow" id="follow-clause-contact-humain">'
    )
    assert 'aria-pressed="true"' in response.text and 'role="status"' in response.text
    assert 'name="next" value="/charter/clauses/4"' in response.text
    assert follows(engine) == 1
