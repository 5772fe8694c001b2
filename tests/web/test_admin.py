"""The admin's user desk: create staff accounts, change roles (logged), suspend accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.accounts.services import roles_of
from portal.core_models import AuditEvent
from portal.db import session_scope
from tests.helpers import csrf_token, login, outbox_link


def test_admin_promotes_resident_to_official_and_it_is_logged(
    login_as: Any, make_user: Any, engine: Engine
) -> None:
    """An admin promotes a resident to official; the change is in the audit trail."""
    admin = login_as("admin")
    resident = make_user(name="Futur Élu")
    response = admin.post(
        f"/admin/users/{resident}/roles",
        data={"roles": ["official"], "csrf_token": csrf_token(admin, "/admin/users")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Rôles de « Futur Élu » enregistrés" in response.text
    with session_scope(engine, write=False) as session:
        assert roles_of(session, resident) == {"resident", "official"}
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "account.roles"))
        assert event is not None
        assert event.actor_id == admin.user_id
        assert event.detail == {"before": ["resident"], "after": ["official", "resident"]}


def test_admin_invites_staff_who_choose_their_own_password(
    login_as: Any, make_client: Any, engine: Any
) -> None:
    """The admin UI invites (issue 16, section 7): no password field; the invited person sets
    one from the mailed link, then signs in (tests/accounts/test_staff_invite.py: the rest)."""
    admin = login_as("admin")
    assert 'name="password"' not in admin.get("/admin/users").text
    response = admin.post(
        "/admin/users",
        data={
            "email": "agent.neuf@ville.example",
            "display_name": "Agent Neuf",
            "roles": ["agent", "moderator"],
            "csrf_token": csrf_token(admin, "/admin/users"),
        },
        follow_redirects=True,
    )
    assert "Invitation envoyée à agent.neuf@ville.example" in response.text
    link = outbox_link(engine, "agent.neuf@ville.example", "/account/invitation")
    other = make_client()
    token = link.split("token=", 1)[1]
    other.post(
        "/account/invitation",
        data={"token": token, "password": "un mot de passe choisi par moi",
              "csrf_token": csrf_token(other, "/login")},
    )  # fmt: skip
    login(other, "agent.neuf@ville.example", "un mot de passe choisi par moi")
    assert "Agent Neuf" in other.get("/account").text


def test_unknown_role_is_refused(login_as: Any, make_user: Any) -> None:
    """A forged unknown role gets a clear message and changes nothing."""
    admin = login_as("admin")
    target = make_user()
    response = admin.post(
        f"/admin/users/{target}/roles",
        data={"roles": ["superuser"], "csrf_token": csrf_token(admin, "/admin/users")},
    )
    assert response.status_code == 400
    assert "Rôle inconnu" in response.text


def test_disabling_an_account_ends_its_sessions(
    login_as: Any, make_client: Any, make_user: Any
) -> None:
    """A suspended user is signed out everywhere and cannot log in again."""
    admin = login_as("admin")
    victim = login_as()
    assert 'href="/account"' in victim.get("/").text
    admin.post(
        f"/admin/users/{victim.user_id}/active",
        data={"active": "0", "reason": "abus", "csrf_token": csrf_token(admin, "/admin/users")},
    )
    assert 'href="/account"' not in victim.get("/").text


def test_deleting_my_account_erases_personal_data(login_as: Any, engine: Engine) -> None:
    """A user deletes their account: e-mail and name are erased, sessions ended."""
    from portal.accounts.models import User

    me = login_as()
    refused = me.post(
        "/account/delete", data={"confirm": "non", "csrf_token": csrf_token(me, "/account")}
    )
    assert refused.status_code == 400
    me.post(
        "/account/delete", data={"confirm": "SUPPRIMER", "csrf_token": csrf_token(me, "/account")}
    )
    with session_scope(engine, write=False) as session:
        user = session.get(User, me.user_id)
        assert user is not None
        assert user.email.endswith("@invalid.invalid")
        assert not user.is_active
    assert 'href="/account"' not in me.get("/").text
