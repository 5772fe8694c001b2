"""A resident's own account (issue 13, section 8): name, e-mail confirmed by mail, data as JSON,
one's contributions and follows, deletion explained."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.accounts.models import OneTimeToken, User
from portal.clock import utcnow
from portal.db import session_scope
from tests.factories import email_of
from tests.helpers import (
    PASSWORD,
    ROLES,
    XSS,
    as_role,
    assert_statuses,
    csrf_token,
    login,
    mails_to,
    outbox_link,
    post,
    run_concurrently,
    t,
)


def rename(client: TestClient, name: str) -> Any:
    return post(client, "/account/name", {"display_name": name}, form_page="/account",
                follow_redirects=False)  # fmt: skip


def change_email(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return post(client, "/account/email", {"email": email, "password": password},
                form_page="/account", follow_redirects=False)  # fmt: skip


def confirm(client: TestClient, token: str) -> Any:
    return post(client, "/account/email/confirm", {"token": token}, form_page="/login",
                follow_redirects=False)  # fmt: skip


def test_a_resident_renames_the_account(make_user: Any, login_as: Any, engine: Engine) -> None:
    """A new name shows at once; a taken name (whatever its case), an over-long one or one with
    markup is refused with a French message and changes nothing."""
    make_user(name="Claire Martin")
    me = login_as()
    assert rename(me, "  Camille   Durand ").status_code == 303
    page = me.get("/account")
    assert "Camille Durand" in t(page)
    for bad, words in [
        ("claire martin", "déjà pris"),
        ("C" * 61, "de 3 à 60 caractères"),
        (XSS, "de 3 à 60 caractères"),
        ("", "de 3 à 60 caractères"),
    ]:
        refused = rename(me, bad)
        assert refused.status_code == 400 and words in t(refused), bad
        assert 'aria-invalid="true"' in refused.text and "<script>" not in refused.text
    assert "Camille Durand" in t(me.get("/account"))


def test_a_new_address_takes_effect_only_once_confirmed(
    login_as: Any, make_client: Any, engine: Engine
) -> None:
    """The new address gets a link, the old one a notice; until the link is opened the old
    address signs in; after, only the new one does, and the link works once."""
    me = login_as()
    old = email_of(engine, me.user_id)
    asked = change_email(me, "Nouvelle.Adresse@Exemple.fr")
    assert asked.status_code == 303
    assert "en attente de confirmation" in t(me.get("/account"))
    [notice] = mails_to(engine, old)
    assert (
        "nouvelle.adresse@exemple.fr" in notice.body
        and "http://testserver/password-reset" in notice.body
    )
    [mail] = mails_to(engine, "nouvelle.adresse@exemple.fr")
    assert mail.subject == "Confirmez votre nouvelle adresse e-mail"
    link = outbox_link(engine, "nouvelle.adresse@exemple.fr", "/account/email/confirm")
    assert f'<a href="{link}">' in mail.html
    login(make_client(), old)  # nothing changed yet
    phone = make_client()  # the link is opened on another device, signed out
    path = link.removeprefix("http://testserver")
    assert phone.get(path).status_code == 200
    token = path.split("token=", 1)[1]
    done = confirm(phone, token)
    assert done.status_code == 303
    assert email_of(engine, me.user_id) == "nouvelle.adresse@exemple.fr"
    login(make_client(), "nouvelle.adresse@exemple.fr")
    stranger = make_client()
    refused = stranger.post(
        "/login", data={"email": old, "password": PASSWORD, "csrf_token": csrf_token(stranger)}
    )
    assert refused.status_code == 400
    _notice, changed = mails_to(engine, old)
    assert changed.subject == "L'adresse e-mail de votre compte a changé"
    again = confirm(phone, token)
    assert again.status_code == 400 and "plus valable" in t(again)
    assert phone.get(path).status_code == 400


def test_bad_email_changes_change_nothing(login_as: Any, make_client: Any, engine: Engine) -> None:
    """A wrong password, a malformed or over-long address, the same address, a forged or expired
    link: a French message, and the account keeps its address."""
    me = login_as()
    old = email_of(engine, me.user_id)
    cases = [
        (("autre@exemple.fr", "pas le bon mot de passe"), "pas le bon"),
        (("pas-une-adresse", PASSWORD), "adresse e-mail valide"),
        (("a" * 330 + "@exemple.fr", PASSWORD), "adresse e-mail valide"),
        ((old, PASSWORD), "déjà l'adresse"),
    ]
    for (address, password), words in cases:
        refused = change_email(me, address, password)
        assert refused.status_code == 400 and words in t(refused), address
    assert mails_to(engine, "autre@exemple.fr") == []
    forged = confirm(make_client(), "forge" * 8)
    assert forged.status_code == 400 and "plus valable" in t(forged)
    assert change_email(me, "tardive@exemple.fr").status_code == 303
    with session_scope(engine) as session:
        session.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    link = outbox_link(engine, "tardive@exemple.fr", "/account/email/confirm")
    expired = confirm(make_client(), link.split("token=", 1)[1])
    assert expired.status_code == 400 and "plus valable" in t(expired)
    assert email_of(engine, me.user_id) == old


def test_an_address_already_taken_is_never_revealed_nor_taken(
    login_as: Any, make_user: Any, make_client: Any, engine: Engine
) -> None:
    """Asking for another account's address answers as usual but mails its owner a notice with
    no link; an address taken between the request and the link is refused at the link."""
    me, other = login_as(), make_user(email="prise@exemple.fr")
    old = email_of(engine, me.user_id)
    asked = change_email(me, "prise@exemple.fr")
    assert asked.status_code == 303
    [notice] = mails_to(engine, "prise@exemple.fr")
    assert (
        "Rien n'a changé pour vous" in notice.body and "/account/email/confirm" not in notice.body
    )
    assert change_email(me, "libre@exemple.fr").status_code == 303
    link = outbox_link(engine, "libre@exemple.fr", "/account/email/confirm")
    late = login_as()
    with session_scope(engine) as session:  # someone else takes it first (an admin, a sign-up)
        session.execute(
            update(User).where(User.id == late.user_id).values(email="libre@exemple.fr")
        )
    refused = confirm(make_client(), link.split("token=", 1)[1])
    assert refused.status_code == 409 and "un autre compte" in t(refused)
    assert email_of(engine, me.user_id) == old and email_of(engine, other) == "prise@exemple.fr"


def test_a_new_request_ends_the_links_of_earlier_ones(
    login_as: Any, make_client: Any, engine: Engine
) -> None:
    """Only the last requested address can be confirmed."""
    me = login_as()
    change_email(me, "premiere@exemple.fr")
    first = outbox_link(engine, "premiere@exemple.fr", "/account/email/confirm")
    change_email(me, "seconde@exemple.fr")
    assert confirm(make_client(), first.split("token=", 1)[1]).status_code == 400
    second = outbox_link(engine, "seconde@exemple.fr", "/account/email/confirm")
    assert confirm(make_client(), second.split("token=", 1)[1]).status_code == 303
    assert email_of(engine, me.user_id) == "seconde@exemple.fr"


def test_my_account_data_downloads_as_json(login_as: Any, engine: Engine) -> None:
    """RGPD access and portability: the account, its roles, sessions, mails and own actions."""
    me = login_as("moderator")
    rename(me, "Dominique Exemple")
    response = me.get("/account/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert "no-store" in response.headers["cache-control"]
    data = json.loads(response.text)
    assert data["account"]["email"] == email_of(engine, me.user_id)
    assert data["account"]["display_name"] == "Dominique Exemple"
    assert {r["role"] for r in data["roles"]} == {"resident", "moderator"}
    assert data["sessions"] and data["sessions"][0]["created_at"]
    assert "account.rename" in {a["action"] for a in data["actions"]}
    assert "Dominique Exemple" in t(me.get("/account"))
    page = t(me.get("/account"))
    assert "/account/export.json" in page and "/account/data.json" in page


def test_deleting_explains_what_happens(login_as: Any, engine: Engine) -> None:
    """The account page says what is erased, what stays and that it is final; deleting needs
    the word typed, and afterwards the address can no longer sign in."""
    me = login_as()
    page = t(me.get("/account"))
    for words in (
        "sont effacés tout de suite",
        "Compte supprimé",
        "définitive",
        "Téléchargez vos données",
    ):
        assert words in page
    refused = post(me, "/account/delete", {"confirm": "oui"}, form_page="/account")
    assert refused.status_code == 400 and "SUPPRIMER" in t(refused)
    done = post(me, "/account/delete", {"confirm": "SUPPRIMER"}, form_page="/account",
                follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert email_of(engine, me.user_id).endswith("@invalid.invalid")


def test_account_routes_permissions(make_client: Any, login_as: Any) -> None:
    """Each new account route: signed-in roles reach their own account, visitors are sent to
    sign in; the e-mail confirmation link is public (the token is the authority)."""
    observed: dict[tuple[str, str], int] = {}
    for role in ROLES:
        client = as_role(role, make_client, login_as)
        for path in (
            "/account",
            "/account/data.json",
            "/account/consultation",
            "/account/consultation.json",
            "/account/export.json",
            "/account/email/confirm?token=x",
        ):
            observed[(role, "GET " + path)] = client.get(path, follow_redirects=False).status_code
        observed[(role, "POST /account/name")] = post(
            client, "/account/name", {"display_name": f"Nom {role}"}, follow_redirects=False
        ).status_code  # fmt: skip
    expected = {}
    for role in ROLES:
        signed_in = 200 if role != "anonymous" else 303
        for path in (
            "/account",
            "/account/data.json",
            "/account/consultation",
            "/account/consultation.json",
            "/account/export.json",
        ):
            expected[(role, "GET " + path)] = signed_in
        expected[(role, "GET /account/email/confirm?token=x")] = 400
        expected[(role, "POST /account/name")] = 303
    assert_statuses(expected, observed)


def test_two_accounts_confirming_one_address_at_once_one_wins(
    login_as: Any, engine: Engine, live_server: str
) -> None:
    """Two accounts asked for the same free address; both links posted at the same instant to a
    served app: one account takes it, the other gets the conflict page, nothing half-written."""
    first, second = login_as(), login_as()
    olds = [email_of(engine, first.user_id), email_of(engine, second.user_id)]
    tokens = []
    for client in (first, second):
        assert change_email(client, "course@exemple.fr").status_code == 303
        tokens.append(
            outbox_link(engine, "course@exemple.fr", "/account/email/confirm").split("token=")[1]
        )
    visitors = [httpx.Client(base_url=live_server, timeout=120) for _ in tokens]
    forms = []
    for visitor in visitors:
        page = visitor.get("/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match
        forms.append(match.group(1))

    def send(i: int) -> int:
        response = visitors[i].post(
            "/account/email/confirm", data={"token": tokens[i], "csrf_token": forms[i]}
        )
        return response.status_code

    outcome = run_concurrently(2, send)
    for visitor in visitors:
        visitor.close()
    assert not outcome.errors and sorted(outcome.results) == [303, 409]
    now = [email_of(engine, first.user_id), email_of(engine, second.user_id)]
    assert now.count("course@exemple.fr") == 1 and set(now) - {"course@exemple.fr"} <= set(olds)


def test_email_change_routes_answer_each_role(make_client: Any, login_as: Any) -> None:
    """An empty change request is refused to every signed-in role (a visitor is sent to sign
    in); a confirmation with no valid token is refused to everyone."""
    observed: dict[tuple[str, str], int] = {}
    for role in ROLES:
        client = as_role(role, make_client, login_as)
        observed[(role, "POST /account/email")] = post(
            client, "/account/email", {}, follow_redirects=False
        ).status_code
        observed[(role, "POST /account/email/confirm")] = confirm(client, "").status_code
    expected = {}
    for role in ROLES:
        expected[(role, "POST /account/email")] = 303 if role == "anonymous" else 400
        expected[(role, "POST /account/email/confirm")] = 400
    assert_statuses(expected, observed)
