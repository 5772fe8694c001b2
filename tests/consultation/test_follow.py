"""Following a clause or a proposal: mails through the outbox when answered, changed, published."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.consultation.charter import services
from portal.consultation.follow.jobs import JOBS as FOLLOW_JOBS
from portal.consultation.follow.models import Follow
from portal.db import session_scope
from portal.scheduler import run_once
from portal.settings import Settings
from tests.factories import add_proposal, email_of
from tests.helpers import (
    HX,
    ROLES,
    answer_proposal,
    as_role,
    assert_statuses,
    csrf_token,
    mails_to,
    new_comment_id,
    post,
    post_comment,
)


def follow(
    client: TestClient, target_type: str, key: str, action: str = "follow", frequency: str = ""
) -> Any:
    return post(
        client,
        "/follow",
        {"target_type": target_type, "target_key": key, "action": action,
         "next": "/charter/clauses/4", **({"frequency": frequency} if frequency else {})},
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
        again = mail_client.post(url, data=body)  # the same link used twice
    assert done.status_code == 200
    assert follows(engine) == 0
    assert again.status_code == 404 and "plus valable" in again.text


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
        data={
            "note": "Version 2",
            "lock_version": "1",
            "csrf_token": token,
            "reason": "Publiée avant la fin de la consultation pour le test.",
        },
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
            session,
            number=2,
            note="Publiée",
            actor_id=accounts["elu"],
            expected_lock=1,
            reason="Publiée avant la fin de la consultation pour le test.",
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


# --- new comments and replies, at once or in a daily digest (issue 13, section 6) ---------------


def run_job(engine: Engine, settings: Settings, name: str, now: datetime | None = None) -> None:
    """Run one of the follow part's jobs as the scheduler does (its own slot, its own session)."""
    [job] = [j for j in FOLLOW_JOBS if j.name == name]
    assert run_once(engine, settings, job, now=now or utcnow() + timedelta(seconds=1))


def test_followers_get_new_comments_and_replies_at_once(
    accounts: dict[str, int], engine: Engine, settings: Settings, login_as: Any
) -> None:
    """A follower is mailed each new comment and reply (text and HTML, named in words, a working
    link, one-click unsubscribe); never their own, never twice."""
    follower, other = login_as(), login_as()
    assert follow(follower, "clause", "contact-humain").status_code == 303
    own = post_comment(follower, "Mon propre avis sur le contact humain.")
    cid = new_comment_id(post_comment(other, "Il faut un numéro <b>direct</b> & gratuit."))
    run_job(engine, settings, "consultation.follow.now")
    address = email_of(engine, follower.user_id)
    [mail] = mails_to(engine, address)
    assert mail.subject.startswith("Nouveau commentaire sur l'article 4 « ")
    assert "contact-humain" not in mail.subject + mail.body  # named in words, never by slug
    assert "Il faut un numéro <b>direct</b> & gratuit." in mail.body
    assert "Mon propre avis" not in mail.body
    assert "&lt;b&gt;direct&lt;/b&gt; &amp; gratuit" in mail.html and "<b>direct" not in mail.html
    url = f"http://testserver/charter/clauses/4#comment-{cid}"
    assert url in mail.body and f'<a href="{url}">' in mail.html
    page = follower.get(url.removeprefix("http://testserver"))
    assert page.status_code == 200 and "Il faut un numéro" in page.text
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.headers["List-Unsubscribe"].startswith("<http://testserver/follow/unsubscribe/")
    run_job(engine, settings, "consultation.follow.now", utcnow() + timedelta(minutes=2))
    assert len(mails_to(engine, address)) == 1  # nothing new: nothing sent again
    post_comment(other, "Je réponds à votre avis.", parent_id=str(new_comment_id(own)))
    run_job(engine, settings, "consultation.follow.now", utcnow() + timedelta(minutes=3))
    _first, reply = mails_to(engine, address)
    assert reply.subject.startswith("Nouvelle réponse sur l'article 4 « ")
    assert "a répondu" in reply.body and "Je réponds à votre avis." in reply.body
    assert mails_to(engine, email_of(engine, other.user_id)) == []  # the other follows nothing


def test_a_comment_hidden_before_the_mail_is_never_sent(
    accounts: dict[str, int], engine: Engine, settings: Settings, login_as: Any
) -> None:
    """Moderation comes first: a comment hidden before the job runs is mailed to nobody."""
    follower, other = login_as(), login_as()
    follow(follower, "clause", "contact-humain")
    cid = new_comment_id(post_comment(other, "Vous êtes tous des incapables."))
    hidden = post(
        login_as("moderator"), f"/moderation/comments/{cid}/hide",
        {"reason": "insult", "note": "Injure"}, follow_redirects=False,
    )  # fmt: skip
    assert hidden.status_code == 303
    run_job(engine, settings, "consultation.follow.now")
    assert mails_to(engine, email_of(engine, follower.user_id)) == []


def test_the_daily_digest_is_one_mail_grouped_by_clause(
    accounts: dict[str, int], engine: Engine, settings: Settings, login_as: Any, make_client: Any
) -> None:
    """A daily follower gets nothing at once, then one mail for the day, a section per clause,
    whose one-click link ends every follow it gathered: once, and only with the real token."""
    follower, other = login_as(), login_as()
    for slug in ("contact-humain", "finalite"):
        assert follow(follower, "clause", slug, frequency="daily").status_code == 303
    post_comment(other, "Premier avis sur l'article 4.")
    post_comment(other, "Second avis sur l'article 4.")
    post_comment(other, "Un avis sur l'article 2.", number=2)
    address = email_of(engine, follower.user_id)
    run_job(engine, settings, "consultation.follow.now")
    assert mails_to(engine, address) == []
    run_job(engine, settings, "consultation.follow.digest")
    [digest] = mails_to(engine, address)
    assert digest.subject == "Résumé du jour : 3 nouveaux messages sur ce que vous suivez"
    assert "== Article 2 « " in digest.body and "— 1 nouveau message ==" in digest.body
    assert "== Article 4 « " in digest.body and "— 2 nouveaux messages ==" in digest.body
    assert digest.body.index("Article 2 «") < digest.body.index("Article 4 «")
    assert "finalite" not in digest.body and "contact-humain" not in digest.body
    assert "Premier avis" in digest.html and "Un avis sur l&#x27;article 2." in digest.html
    run_job(engine, settings, "consultation.follow.digest", utcnow() + timedelta(days=1))
    assert len(mails_to(engine, address)) == 1  # the next day brings nothing new
    url = digest.headers["List-Unsubscribe"].strip("<>")
    assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = url.removeprefix("http://testserver")
    confirm = follower.get(path)
    assert confirm.status_code == 200
    assert (
        "résumé" in confirm.text
        and "Article 2 «" in confirm.text
        and "finalite" not in confirm.text
    )
    mail_client = make_client()  # no cookie, no CSRF token: a mail program
    forged = mail_client.post(path[:-4] + "abcd", data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 404 and follows(engine) == 2
    done = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and follows(engine) == 0
    again = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 404 and "plus valable" in again.text


def test_a_follower_changes_the_pace_of_a_follow(
    accounts: dict[str, int], engine: Engine, settings: Settings, login_as: Any
) -> None:
    """From the account page a follow switches to the daily digest; a bad pace or another
    person's follow is refused and changes nothing."""
    follower, other = login_as(), login_as()
    follow(follower, "clause", "contact-humain")
    with session_scope(engine, write=False) as session:
        follow_id = session.scalar(select(Follow.id))
    changed = post(
        follower, f"/follow/{follow_id}/frequency", {"frequency": "daily"}, follow_redirects=False
    )
    assert (
        changed.status_code == 303
        and changed.headers["location"] == "/account/consultation#follows"
    )
    shown = follower.get("/account/consultation").text
    assert "Rythme des e-mails enregistré : un résumé par jour." in shown
    bad = post(follower, f"/follow/{follow_id}/frequency", {"frequency": "weekly"})
    assert bad.status_code == 400 and "un résumé par jour" in bad.text
    stolen = post(other, f"/follow/{follow_id}/frequency", {"frequency": "immediate"})
    assert stolen.status_code == 404
    bad_follow = follow(follower, "proposal", "1", frequency="hourly")
    assert bad_follow.status_code == 400
    with session_scope(engine, write=False) as session:
        assert [f.frequency for f in session.scalars(select(Follow))] == ["daily"]
    post_comment(other, "Un avis pour le résumé.")
    run_job(engine, settings, "consultation.follow.now")
    assert mails_to(engine, email_of(engine, follower.user_id)) == []


def test_the_frequency_route_permissions(
    accounts: dict[str, int], engine: Engine, make_client: Any, login_as: Any
) -> None:
    """Every role may set the pace of its own follow; a visitor is sent to sign in."""
    observed = {}
    for role in ROLES:
        client = as_role(role, make_client, login_as)
        if role != "anonymous":
            follow(client, "clause", "finalite")
        with session_scope(engine, write=False) as session:
            mine = session.scalar(
                select(Follow.id).where(Follow.user_id == getattr(client, "user_id", 0))
            )
        observed[role] = post(
            client, f"/follow/{mine or 1}/frequency", {"frequency": "daily"},
            follow_redirects=False,
        ).status_code  # fmt: skip
    expected = {role: 303 for role in ROLES}
    assert_statuses(expected, observed)


def test_outbox_links_are_clickable(
    accounts: dict[str, int], engine: Engine, settings: Settings, login_as: Any
) -> None:
    """The admin's outbox shows each mail's HTML part: its links are links, its text escaped."""
    follower, other = login_as(), login_as()
    follow(follower, "clause", "contact-humain")
    cid = new_comment_id(post_comment(other, "Un <script>avis</script> sur le contact."))
    run_job(engine, settings, "consultation.follow.now")
    page = login_as("admin").get("/admin/outbox")
    assert page.status_code == 200
    assert f'<a href="http://testserver/charter/clauses/4#comment-{cid}">' in page.text
    assert "<script>avis" not in page.text and "&lt;script&gt;avis" in page.text
    assert re.search(r'<a href="http://testserver/follow/unsubscribe/[\w-]+">', page.text)
