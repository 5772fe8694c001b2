"""Staff accounts (issue 16, section 7): the admin invites by mail and never knows the password;
the user list is paginated and searchable; an audit page says who changed roles, published and
moderated, what and when."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.accounts import services
from portal.accounts.models import OneTimeToken, User
from portal.clock import utcnow
from portal.core_models import AuditEvent
from portal.db import session_scope
from portal.settings import Settings
from tests.factories import add_comment, consultation
from tests.helpers import (
    ROLES,
    as_role,
    assert_statuses,
    csrf_token,
    login,
    mails_to,
    outbox_link,
    post,
    t,
)

CHOSEN = "une phrase que moi seul connais"


def invite(admin: TestClient, email: str, name: str, *roles: str) -> Any:
    return post(admin, "/admin/users", {"email": email, "display_name": name, "roles": list(roles)},
                form_page="/admin/users", follow_redirects=False)  # fmt: skip


def accept(client: TestClient, token: str, password: str = CHOSEN) -> Any:
    return post(client, "/account/invitation", {"token": token, "password": password},
                form_page="/login", follow_redirects=False)  # fmt: skip


def users(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_an_invited_agent_chooses_a_password_and_signs_in(
    login_as: Any, make_client: Any, engine: Engine
) -> None:
    """The invitation mail links to a page where the person sets a password the admin never
    sees; before that the account cannot sign in; the link works once; all is logged."""
    admin = login_as("admin")
    assert invite(admin, "Agent.Neuve@Ville.example", "Agente Neuve", "agent").status_code == 303
    listing = t(admin.get("/admin/users?q=neuve"))
    assert "invité, pas encore activé" in listing
    [mail] = mails_to(engine, "agent.neuve@ville.example")
    assert mail.subject == "Invitation à rejoindre le portail de la Ville"
    assert "agent de la ville" in mail.body and "sept jours" in mail.body
    link = outbox_link(engine, "agent.neuve@ville.example", "/account/invitation")
    assert f'<a href="{link}">' in mail.html
    guest = make_client()
    early = guest.post("/login", data={"email": "agent.neuve@ville.example", "password": CHOSEN,
                                       "csrf_token": csrf_token(guest)})  # fmt: skip
    assert early.status_code == 400
    path = link.removeprefix("http://testserver")
    page = guest.get(path)
    assert page.status_code == 200 and "Vous seul le connaîtrez" in t(page)
    token = path.split("token=", 1)[1]
    weak = accept(guest, token, "court")
    assert weak.status_code == 400 and 'name="token"' in weak.text  # the link still works
    assert accept(guest, token).status_code == 303
    login(guest, "agent.neuve@ville.example", CHOSEN)
    assert "agent de la ville" in t(guest.get("/account"))
    again = accept(make_client(), token, "encore une autre phrase longue")
    assert again.status_code == 400 and "plus valable" in t(again)
    assert make_client().get(path).status_code == 400
    with session_scope(engine, write=False) as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert "account.invite" in actions and "account.invitation_accept" in actions


def test_forged_and_expired_invitation_links_are_refused(
    login_as: Any, make_client: Any, engine: Engine
) -> None:
    """A forged token and an expired one get the French "no longer valid" page; the account
    keeps no password."""
    admin = login_as("admin")
    invite(admin, "tard@ville.example", "Arrivee Tardive", "official")
    link = outbox_link(engine, "tard@ville.example", "/account/invitation")
    forged = accept(make_client(), "x" * 43)
    assert forged.status_code == 400 and "plus valable" in t(forged)
    with session_scope(engine) as session:
        session.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = accept(make_client(), link.split("token=", 1)[1])
    assert expired.status_code == 400 and "plus valable" in t(expired)
    with session_scope(engine, write=False) as session:
        user = session.scalar(select(User).where(User.email == "tard@ville.example"))
        assert user is not None and user.password_hash == "!" and user.email_confirmed_at is None


def test_bad_invitations_create_nothing(login_as: Any, make_user: Any, engine: Engine) -> None:
    """A taken address or name, an over-long name, a bad address, no role or an unknown one:
    a French message on the form, what was typed kept, no account, no mail."""
    admin = login_as("admin")
    make_user(email="deja@ville.example", name="Nom Pris")
    before = users(engine)
    cases = [
        (("deja@ville.example", "Autre Nom", "agent"), 409, "existe déjà"),
        (("libre@ville.example", "nom pris", "agent"), 409, "déjà pris"),
        (("libre@ville.example", "N" * 61, "agent"), 400, "de 3 à 60 caractères"),
        (("pas-une-adresse", "Bon Nom", "agent"), 400, "adresse e-mail valide"),
        (("libre@ville.example", "Bon Nom"), 400, "au moins un rôle"),
        (("libre@ville.example", "Bon Nom", "superuser"), 400, "Rôle inconnu"),
    ]
    for (email, name, *roles), status, words in cases:
        refused = invite(admin, email, name, *roles)
        assert refused.status_code == status and words in t(refused), (email, name)
        assert f'value="{email}"' in refused.text
    assert users(engine) == before
    assert mails_to(engine, "libre@ville.example") == []


def test_resending_an_invitation_ends_the_old_link(
    login_as: Any, make_client: Any, make_user: Any, engine: Engine
) -> None:
    """A new invitation link replaces the old one; an active account has none to resend."""
    admin = login_as("admin")
    invite(admin, "oubli@ville.example", "Invite Oublieux", "moderator")
    first = outbox_link(engine, "oubli@ville.example", "/account/invitation")
    with session_scope(engine, write=False) as session:
        uid = session.scalar(select(User.id).where(User.email == "oubli@ville.example"))
    resent = post(admin, f"/admin/users/{uid}/invitation", form_page="/admin/users",
                  follow_redirects=False)  # fmt: skip
    assert resent.status_code == 303
    second = outbox_link(engine, "oubli@ville.example", "/account/invitation")
    assert second != first
    assert accept(make_client(), first.split("token=", 1)[1]).status_code == 400
    assert accept(make_client(), second.split("token=", 1)[1]).status_code == 303
    active = post(admin, f"/admin/users/{make_user()}/invitation", form_page="/admin/users")
    assert active.status_code == 409 and "déjà activé" in t(active)


def test_the_user_list_is_paginated_and_searchable(login_as: Any, make_user: Any) -> None:
    """Fifty accounts a page, a next-page link, and a search by name or address."""
    admin = login_as("admin")
    for n in range(55):
        make_user(email=f"habitant{n:02d}@exemple.fr", name=f"Habitant Numero {n:02d}")
    first = admin.get("/admin/users")
    assert "Page 1 sur 2" in t(first) and 'rel="next"' in first.text
    second = admin.get("/admin/users?page=2")
    assert "Habitant Numero 54" in t(second) and "Habitant Numero 00" not in t(second)
    found = t(admin.get("/admin/users?q=numero+07"))
    assert "Habitant Numero 07" in found and "Habitant Numero 08" not in found
    assert "1 compte" in found
    by_mail = t(admin.get("/admin/users?q=HABITANT12@"))
    assert "Habitant Numero 12" in by_mail
    assert "Aucun" not in t(admin.get("/admin/users?page=abc"))  # a bad page number: page 1


def test_the_audit_page_shows_who_did_what_and_when(
    login_as: Any, make_user: Any, engine: Engine, settings: Settings
) -> None:
    """Role changes, a publication and a moderation decision appear with who, what, on what
    and when, newest first, filtered by kind; an ordinary login does not."""
    consultation(engine, settings, make_user)
    admin = login_as("admin")
    target = make_user(name="Promue Elue")
    post(admin, f"/admin/users/{target}/roles", {"roles": ["official"]}, form_page="/admin/users")
    moderator = login_as("moderator")
    cid = add_comment(engine, author_id=make_user(), body="Un commentaire à masquer.")
    post(moderator, f"/moderation/comments/{cid}/hide", {"reason": "insult", "note": "Injure"})
    official = login_as("official")
    published = post(
        official, "/charter/v/2/publish",
        {"note": "Version 2", "lock_version": "1", "reason": "Publication anticipée du test."},
        follow_redirects=False,
    )  # fmt: skip
    assert published.status_code == 303
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    text = t(page)
    assert "a changé des rôles" in text and "compte « Promue Elue »" in text
    assert "avant : habitant ; après : élu, habitant" in text
    assert "a masqué un commentaire" in text and "motif : insult" in text
    assert "a publié une version de la charte" in text
    assert "account.login" not in text and "s'est connecté" not in text
    # newest first
    assert text.index("a publié une version de la charte <") < text.index("a changé des rôles <")
    roles_only = t(admin.get("/admin/audit?kind=roles"))
    assert "a changé des rôles" in roles_only and "a publié une version" not in roles_only
    moderation = t(admin.get("/admin/audit?kind=moderation"))
    assert "a masqué un commentaire" in moderation and "a changé des rôles" not in moderation


def test_the_audit_page_is_paginated(login_as: Any, make_user: Any, engine: Engine) -> None:
    """Fifty decisions a page, with a link to the next one that keeps the filter."""
    admin = login_as("admin")
    target = make_user()
    with session_scope(engine) as session:
        for n in range(60):
            services.set_roles(
                session, user_id=target, roles=["agent"] if n % 2 else ["official"],
                actor_id=admin.user_id,
            )  # fmt: skip
    first = admin.get("/admin/audit?kind=roles")
    assert "60 décisions" in t(first) and "page 1 sur 2" in t(first)
    assert 'href="?kind=roles&amp;page=2"' in first.text
    second = admin.get("/admin/audit?kind=roles&page=2")
    assert second.text.count('<th scope="row">') == 10


def test_staff_routes_permissions(make_client: Any, login_as: Any, make_user: Any) -> None:
    """Exact statuses per role: the audit page and resending an invitation are the admin's;
    the invitation link's page is public (its token is the authority)."""
    target = make_user()
    observed: dict[tuple[str, str], int] = {}
    for role in ROLES:
        client = as_role(role, make_client, login_as)
        observed[(role, "GET /admin/audit")] = client.get(
            "/admin/audit", follow_redirects=False
        ).status_code
        observed[(role, "GET /account/invitation")] = client.get(
            "/account/invitation?token=x", follow_redirects=False
        ).status_code
        observed[(role, "POST /account/invitation")] = accept(client, "x").status_code
        observed[(role, "POST resend")] = post(
            client, f"/admin/users/{target}/invitation", follow_redirects=False
        ).status_code
    table = {
        "GET /admin/audit": [303, 403, 403, 403, 403, 200],
        "GET /account/invitation": [400] * 6,
        "POST /account/invitation": [400] * 6,
        "POST resend": [303, 403, 403, 403, 403, 409],
    }
    expected = {(role, what): row[i] for what, row in table.items() for i, role in enumerate(ROLES)}
    assert_statuses(expected, observed)
