"""In Chromium, with axe-core on every new page: a resident follows an article with a daily
digest, manages the account (name, e-mail confirmed from the mailed link, participation, data),
unsubscribes from the digest's link; an admin invites an agent who sets a password, and reads
the audit page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from portal.consultation.follow.jobs import JOBS
from portal.scheduler import run_once
from portal.settings import Settings
from tests.factories import add_comment, consultation, email_of
from tests.helpers import assert_accessible, mails_to, outbox_link, sign_in


def test_a_resident_manages_follows_and_account(
    live_server: str, new_page: Any, engine: Engine, settings: Settings, make_user: Any
) -> None:
    """Follow daily, read the digest's link, unsubscribe; rename, change the address from the
    mailed link; the participation page lists it all."""
    consultation(engine, settings, make_user)
    me = make_user()
    first_address = email_of(engine, me)
    page = sign_in(new_page(), live_server, first_address)
    page.goto(f"{live_server}/charter/clauses/4")
    assert_accessible(page)  # the follow form and its pace
    page.get_by_label("Recevoir les nouveaux messages").select_option("daily")
    page.get_by_role("button", name="Suivre (alerte par e-mail)").click()
    page.get_by_text("un résumé par jour vous apportera").wait_for()
    assert_accessible(page)
    add_comment(engine, author_id=make_user(), body="Un avis pour le résumé du jour.")
    [digest_job] = [j for j in JOBS if j.name == "consultation.follow.digest"]
    assert run_once(engine, settings, digest_job)

    page.goto(f"{live_server}/account")
    assert_accessible(page)
    page.get_by_label("Nom affiché", exact=True).fill("Camille Suiveuse")
    page.get_by_role("button", name="Changer mon nom").click()
    page.get_by_text("Votre nom affiché est désormais « Camille Suiveuse »").wait_for()
    page.get_by_label("Nouvelle adresse e-mail").fill("camille@exemple.fr")
    page.locator("#email_password").fill("une phrase de passe de test")
    page.get_by_role("button", name="Recevoir le lien de confirmation").click()
    page.get_by_text("Un lien de confirmation a été envoyé").wait_for()
    assert_accessible(page)
    link = outbox_link(engine, "camille@exemple.fr", "/account/email/confirm")
    page.goto(link.replace("http://testserver", live_server))
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer ma nouvelle adresse").click()
    page.get_by_text("Votre compte utilise désormais l'adresse camille@exemple.fr").wait_for()

    page.get_by_role("link", name="Mes commentaires, propositions, soutiens et abonnements").click()
    page.get_by_role("heading", name="Ce que je suis").wait_for()
    assert_accessible(page)
    assert page.locator("#follows + ul select").input_value() == "daily"

    [digest] = [m for m in mails_to(engine, first_address, base_url=live_server)
                if m.subject.startswith("Résumé du jour")]  # fmt: skip
    page.goto(digest.headers["List-Unsubscribe"].strip("<>"))
    assert_accessible(page)
    page.get_by_role("button", name="Ne plus recevoir ces e-mails").click()
    page.get_by_text("vous ne recevrez plus de résumé quotidien").wait_for()
    assert_accessible(page)


def test_an_admin_invites_an_agent_and_reads_the_audit(
    live_server: str, new_page: Any, engine: Engine, make_user: Any
) -> None:
    """The invitation is sent from the user list, its link sets the password, the audit page
    shows it."""
    admin = make_user("admin")
    page = sign_in(new_page(), live_server, email_of(engine, admin))
    page.goto(f"{live_server}/admin/users")
    assert_accessible(page)
    page.locator("#new-email").fill("agent.invitee@ville.example")
    page.locator("#new-name").fill("Agente Invitee")
    page.locator("form[action='/admin/users'] input[value='agent']").check()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.get_by_text("Invitation envoyée à agent.invitee@ville.example").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Journal des décisions (rôles, publications, modération)").click()
    page.get_by_text("a invité un membre du personnel").wait_for()
    assert_accessible(page)

    guest = new_page()
    link = outbox_link(engine, "agent.invitee@ville.example", "/account/invitation")
    guest.goto(link.replace("http://testserver", live_server))
    assert_accessible(guest)
    guest.get_by_label("Mot de passe").fill("ma propre phrase secrète")
    guest.get_by_role("button", name="Activer mon compte").click()
    guest.get_by_text("Votre compte est activé").wait_for()
    guest.get_by_label("Adresse e-mail").fill("agent.invitee@ville.example")
    guest.get_by_label("Mot de passe").fill("ma propre phrase secrète")
    guest.get_by_role("button", name="Se connecter").click()
    guest.get_by_text("Bienvenue, Agente Invitee").wait_for()
