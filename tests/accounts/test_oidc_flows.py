"""Signing in with FranceConnect and ProConnect over HTTP, end to end against a real OpenID
Provider (panva's oidc-provider, started on 127.0.0.1 by the tests): first sign-in confirmed,
linking by verified address, the agent role by SIRET, every refusal, the logout at the provider."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.accounts import services as accounts_services
from portal.accounts.models import User
from portal.accounts.oidc.models import OidcIdentity, OidcLogin
from portal.app import create_app
from portal.core_models import AuditEvent
from portal.db import session_scope
from portal.settings import Settings
from tests.factories import email_of
from tests.helpers import (
    PASSWORD,
    ROLES,
    as_role,
    assert_statuses,
    csrf_token,
    login,
    post,
    run_concurrently,
    t,
)
from tests.oidc.op import (
    OTHER_SIRET,
    RunningProvider,
    free_port,
    providers,
    running_provider,
    sign_in_at_provider,
)

PORTAL = "http://testserver"

Client = Callable[..., TestClient]


@pytest.fixture
def op(tmp_path: Path) -> Iterator[RunningProvider]:
    with running_provider((PORTAL,), tmp_path) as running:
        yield running


@pytest.fixture
def new_client(settings: Settings, engine: Engine, op: RunningProvider) -> Iterator[Client]:
    """A fresh browser on the portal configured with both providers at the test's provider."""
    clients: list[TestClient] = []

    def factory(**provider_options: Any) -> TestClient:
        configured = settings.with_(oidc_providers=providers(op.issuer, **provider_options))
        c = TestClient(create_app(configured, engine=engine), base_url=PORTAL)
        c.__enter__()
        clients.append(c)
        return c

    yield factory
    for c in clients:
        c.__exit__(None, None, None)


def start(c: TestClient, provider: str = "franceconnect", next_url: str = "") -> str:
    """Click the provider's button: the URL of the provider's authorization endpoint."""
    r = c.get(f"/login/oidc/{provider}" + (f"?next={next_url}" if next_url else ""),
              follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text[:500]
    return str(r.headers["location"])


def come_back(c: TestClient, provider: str = "franceconnect", who: str = "claire") -> Any:
    """A whole trip to the provider and back; the portal's answer to the callback."""
    callback = sign_in_at_provider(start(c, provider), who, PORTAL)
    return c.get(callback, follow_redirects=False)


def confirm(c: TestClient, **data: str) -> Any:
    token = csrf_token(c, "/login/oidc/confirm")
    return c.post("/login/oidc/confirm", data={"csrf_token": token, "action": "confirm", **data},
                  follow_redirects=False)  # fmt: skip


def count(engine: Engine, model: Any) -> int:
    with session_scope(engine, write=False) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def audit_actions(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with session_scope(engine, write=False) as s:
        return [(e.action, e.detail) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def refusals(engine: Engine) -> list[str]:
    return [str(d["reason"]) for a, d in audit_actions(engine) if a == "account.oidc.refused"]


def roles(engine: Engine, email: str) -> set[str]:
    with session_scope(engine, write=False) as s:
        rows = s.execute(text(
            "SELECT r.role FROM accounts_user_role r JOIN accounts_user u ON u.id = r.user_id "
            "WHERE u.email = :e"), {"e": email})  # fmt: skip
        return {r[0] for r in rows}


def signed_out(c: TestClient) -> bool:
    r = c.get("/account", follow_redirects=False)
    return r.status_code == 303 and r.headers["location"].startswith("/login")


def assert_refused_page(r: Any, status: int, words: str) -> None:
    """The French error page, the local sign-in offered, nothing created."""
    assert r.status_code == status, r.text[:800]
    page = t(r)
    assert "Connexion impossible" in page and words in page
    assert "Se connecter avec une adresse e-mail et un mot de passe" in page
    assert "Aucun compte n'a été créé ni modifié." in page


def assert_nothing_created(engine: Engine) -> None:
    assert count(engine, User) == 0
    assert count(engine, OidcIdentity) == 0


# --- off by default ---------------------------------------------------------------------------


def test_off_by_default_no_button_and_no_route(client: TestClient) -> None:
    """Without settings no provider button shows, its addresses are 404, local sign-in stays."""
    page = t(client.get("/login"))
    assert "FranceConnect" not in page and "ProConnect" not in page
    assert "Mot de passe" in page
    assert client.get("/login/oidc/franceconnect").status_code == 404
    assert client.get("/login/oidc/proconnect/callback?state=x&code=y").status_code == 404


def test_buttons_show_when_configured(new_client: Client) -> None:
    """Configured, the login page offers both providers, with what each is for, beside the form."""
    page = t(new_client().get("/login?next=/charter"))
    assert "S'identifier avec FranceConnect" in page and "S'identifier avec ProConnect" in page
    assert "Qu'est-ce que FranceConnect ?" in page
    assert 'href="/login/oidc/franceconnect?next=/charter"' in page.replace("%2F", "/")
    assert 'name="password"' in page
    english = t(new_client().get("/login", headers={"Accept-Language": "en"}))
    assert "Sign in with FranceConnect" in english and "What is ProConnect?" in english


# (method, path, expected status per role in helpers.ROLES order); providers not configured.
PERMISSIONS_OFF = [
    ("GET", "/login/oidc/franceconnect", [404, 404, 404, 404, 404, 404]),
    ("GET", "/login/oidc/proconnect/callback?state=x&code=y", [404, 404, 404, 404, 404, 404]),
    ("GET", "/login/oidc/confirm", [400, 400, 400, 400, 400, 400]),
    ("POST", "/login/oidc/confirm", [400, 400, 400, 400, 400, 400]),
    ("GET", "/login/oidc/logged-out", [303, 303, 303, 303, 303, 303]),
    # last: it ends the session the rows above rely on (303: to the login page, or signed out)
    ("POST", "/login/oidc/logout", [303, 303, 303, 303, 303, 303]),
]


@pytest.mark.parametrize("role", ROLES)
def test_routes_by_role(role: str, make_client: Any, login_as: Any) -> None:
    """Each sign-in route answers each role with the declared status, through real HTTP."""
    c = as_role(role, make_client, login_as)
    index = ROLES.index(role)
    expected: dict[tuple[str, str], int] = {}
    observed: dict[tuple[str, str], int] = {}
    for method, path, statuses in PERMISSIONS_OFF:
        if method == "GET":
            response = c.get(path, follow_redirects=False)
        else:
            response = post(c, path, {"display_name": "Nom"}, follow_redirects=False)
        expected[method, path] = statuses[index]
        observed[method, path] = response.status_code
    assert_statuses(expected, observed)


@pytest.mark.parametrize("role", ROLES)
def test_anyone_may_start_a_sign_in(
    role: str, new_client: Client, engine: Engine, make_user: Any
) -> None:
    """Configured, every role may start a sign-in with either provider (303 to the provider)."""
    c = new_client()
    if role != "anonymous":
        user_id = make_user(*(() if role == "resident" else (role,)))
        login(c, email_of(engine, user_id))
    observed = {name: c.get(f"/login/oidc/{name}", follow_redirects=False).status_code
                for name in ("franceconnect", "proconnect")}  # fmt: skip
    assert_statuses({"franceconnect": 303, "proconnect": 303}, observed)


# --- the resident's first sign-in and the next ones -------------------------------------------


def test_first_sign_in_creates_the_account_only_after_confirmation(
    new_client: Client, engine: Engine
) -> None:
    """FranceConnect's answer is shown and waits; the account exists only once confirmed; the
    next sign-in goes straight in; every step is in the audit trail."""
    c = new_client()
    url = start(c, next_url="/charter")
    query = parse_qs(urlsplit(url).query)
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["state"][0] != query["nonce"][0]
    assert query["code_challenge_method"] == ["S256"] and query["acr_values"] == ["eidas1"]
    assert query["scope"] == ["openid given_name family_name email"]
    r = c.get(sign_in_at_provider(url, "claire", PORTAL), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login/oidc/confirm"
    assert_nothing_created(engine)

    page = t(c.get("/login/oidc/confirm"))
    assert "Première connexion avec FranceConnect" in page
    assert "Claire Martin" in page and "claire.martin@exemple.fr" in page
    assert 'value="Claire M."' in page

    r = confirm(c, display_name="Claire M.")
    assert r.status_code == 303 and r.headers["location"] == "/charter"
    account = t(c.get("/account"))
    assert "Claire M." in account
    with session_scope(engine, write=False) as s:
        user = s.scalar(select(User))
        identity = s.scalar(select(OidcIdentity))
        assert user is not None and identity is not None
        assert user.email == "claire.martin@exemple.fr" and user.email_confirmed_at is not None
        assert identity.user_id == user.id and identity.subject == "claire"
        assert identity.issuer == c.app.state.settings.oidc_providers[0].issuer
        stored = s.scalar(select(OidcLogin).where(OidcLogin.finished_at.is_not(None)))
        assert stored is not None and stored.claims == {}  # nothing kept beyond the sign-in
    assert roles(engine, "claire.martin@exemple.fr") == {"resident"}
    # No password was set: the password form cannot open the account.
    assert c.post("/login", data={"email": user.email, "password": "!", "csrf_token":
                                  csrf_token(c)}).status_code == 400  # fmt: skip

    again = new_client()
    r = come_back(again)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "Bienvenue, Claire M." in t(again.get("/"))
    assert count(engine, User) == 1 and count(engine, OidcIdentity) == 1
    actions = [a for a, _ in audit_actions(engine)]
    for expected in ("account.oidc.start", "account.oidc.return", "account.signup",
                     "account.oidc.link", "account.login", "account.oidc.login"):  # fmt: skip
        assert expected in actions, actions
    assert actions.count("account.oidc.login") == 2


def test_a_deleted_account_forgets_its_provider_link(new_client: Client, engine: Engine) -> None:
    """Deleting an account made with FranceConnect erases the link (issuer, sub, address): the
    next FranceConnect sign-in offers a new account, not "Ce compte est suspendu"."""
    c = new_client()
    come_back(c)
    assert confirm(c, display_name="Claire M.").status_code == 303
    deleted = c.post("/account/delete", data={"csrf_token": csrf_token(c, "/account"),
                                              "confirm": "SUPPRIMER"}, follow_redirects=False)  # fmt: skip
    assert deleted.status_code == 303
    assert count(engine, OidcIdentity) == 0
    again = new_client()
    r = come_back(again)
    assert r.status_code == 303 and r.headers["location"] == "/login/oidc/confirm"
    page = t(again.get("/login/oidc/confirm"))
    assert "Première connexion avec FranceConnect" in page and "suspendu" not in page


def test_first_sign_in_links_the_account_holding_the_verified_address(
    new_client: Client, engine: Engine, make_user: Any
) -> None:
    """An account with the same address is linked, after the person confirms, and keeps its
    password and contributions; no second account is made."""
    user_id = make_user(email="claire.martin@exemple.fr", name="Claire la locale")
    c = new_client()
    come_back(c)
    page = t(c.get("/login/oidc/confirm"))
    assert "Un compte existe déjà avec cette adresse (nom affiché : Claire la locale)" in page
    assert 'name="display_name"' not in page
    r = confirm(c)
    assert r.status_code == 303
    assert "Claire la locale" in t(c.get("/account"))
    with session_scope(engine, write=False) as s:
        identity = s.scalar(select(OidcIdentity))
        assert identity is not None and identity.user_id == user_id
    assert count(engine, User) == 1
    password_client = new_client()
    login(password_client, "claire.martin@exemple.fr", PASSWORD)  # the password still works


def test_linking_an_unconfirmed_account_drops_the_password_set_by_whoever_made_it(
    new_client: Client, engine: Engine
) -> None:
    """Someone signed up with Claire's address but never confirmed it: once Claire links it
    with FranceConnect, that stranger's password no longer opens it."""
    stranger = new_client()
    stranger.post("/signup", data={"email": "claire.martin@exemple.fr", "display_name": "Faux",
                                   "password": "un mot de passe assez long", "csrf_token":
                                   csrf_token(stranger, "/signup")})  # fmt: skip
    c = new_client()
    come_back(c)
    assert confirm(c).status_code == 303
    r = stranger.post("/login", data={"email": "claire.martin@exemple.fr", "password":
                      "un mot de passe assez long", "csrf_token": csrf_token(stranger)})  # fmt: skip
    assert r.status_code == 400
    assert "Faux" in t(c.get("/account"))


def test_cancel_creates_nothing(new_client: Client, engine: Engine) -> None:
    """Cancelling the confirmation creates no account and the pending answer is gone."""
    c = new_client()
    come_back(c)
    token = csrf_token(c, "/login/oidc/confirm")
    r = c.post("/login/oidc/confirm", data={"csrf_token": token, "action": "cancel"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "aucun compte n'a été créé" in t(c.get("/login"))
    assert_nothing_created(engine)
    assert_refused_page(c.get("/login/oidc/confirm"), 400, "Aucune connexion n'attend")


def test_a_confirmation_sent_four_times_at_once_makes_one_account(
    new_client: Client, engine: Engine
) -> None:
    """A double click (here four posts at once) on the confirmation: one account, one identity,
    one sign-in; the others are told nothing waits any more."""
    c = new_client()
    come_back(c)
    token = csrf_token(c, "/login/oidc/confirm")
    cookies = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    browsers = [new_client() for _ in range(4)]
    outcomes = run_concurrently(4, lambda i: browsers[i].post(
        "/login/oidc/confirm", headers={"cookie": cookies}, follow_redirects=False,
        data={"csrf_token": token, "action": "confirm", "display_name": "Claire M."},
    ).status_code)  # fmt: skip
    assert not outcomes.errors, outcomes.errors
    assert sorted(outcomes.results) == [303, 400, 400, 400]
    assert count(engine, User) == 1 and count(engine, OidcIdentity) == 1


@pytest.mark.parametrize("elsewhere", ["https://pirate.example/", "//pirate.example", "/\\pirate"])
def test_next_stays_on_this_site(new_client: Client, elsewhere: str) -> None:
    """A `next` pointing to another site is dropped: the person lands on the home page."""
    c = new_client()
    callback = sign_in_at_provider(start(c, next_url=quote(elsewhere, safe="")), "claire", PORTAL)
    assert c.get(callback, follow_redirects=False).headers["location"] == "/login/oidc/confirm"
    assert confirm(c, display_name="Claire M.").headers["location"] == "/"


def test_signing_in_again_ends_the_session_already_open(new_client: Client) -> None:
    """Signing in again with FranceConnect in a browser already signed in ends the first
    session: one browser, one session."""
    c = new_client()
    come_back(c)
    confirm(c, display_name="Claire M.")
    old_cookie = c.cookies.get("portal_session")
    assert come_back(c).status_code == 303
    assert c.cookies.get("portal_session") != old_cookie
    stale, current = new_client(), new_client()
    stale.cookies.set("portal_session", str(old_cookie))
    current.cookies.set("portal_session", str(c.cookies.get("portal_session")))
    assert signed_out(stale) and not signed_out(current)


def test_a_taken_display_name_is_asked_again(
    new_client: Client, engine: Engine, make_user: Any
) -> None:
    """A display name already taken shows the form again with the error, nothing created."""
    make_user(email="autre@exemple.fr", name="Claire M.")
    c = new_client()
    come_back(c)
    r = confirm(c, display_name="claire m.")
    assert r.status_code == 400 and "déjà pris" in t(r)
    assert count(engine, OidcIdentity) == 0
    assert confirm(c, display_name="Claire de Suresnes").status_code == 303


# --- agents: ProConnect and the SIRET allow-list ------------------------------------------------


def test_agent_of_an_allowed_siret_gets_the_agent_role(new_client: Client, engine: Engine) -> None:
    """An agent whose organisation's SIRET is in the settings' list is an agent here; logged."""
    c = new_client()
    r = come_back(c, "proconnect", "agent-ville")
    assert r.headers["location"] == "/login/oidc/confirm"
    with session_scope(engine, write=False) as s:
        waiting = s.scalar(select(OidcLogin.claims).where(OidcLogin.subject.is_not(None)))
    # Only what the confirmation shows waits there (no uid, no phone, no birth data).
    shown = {"sub", "email", "email_verified", "given_name", "usual_name", "siret",
             "organizational_unit"}  # fmt: skip
    assert shown <= set(waiting or {}) <= shown | {"acr"}
    page = t(c.get("/login/oidc/confirm"))
    assert "Première connexion avec ProConnect" in page and "21920073000011" in page
    assert "vous aurez le rôle d'agent" in page
    assert confirm(c, display_name="Agnès D.").status_code == 303
    assert roles(engine, "agnes.durand@ville.exemple") == {"resident", "agent"}
    granted = [d for a, d in audit_actions(engine) if a == "account.role_change"]
    assert granted == [{"added": ["agent"], "via": "proconnect", "siret": "21920073000011"}]
    # The agent's tools are open to them.
    assert c.get("/registry/new").status_code == 200


def test_agent_of_another_siret_signs_in_as_a_resident_only(
    new_client: Client, engine: Engine
) -> None:
    """Another organisation's agent is told so, signs in without the agent role; logged."""
    c = new_client()
    come_back(c, "proconnect", "agent-ailleurs")
    page = t(c.get("/login/oidc/confirm"))
    assert "ne fait pas partie de celles que la mairie a déclarées" in page
    assert confirm(c, display_name="Bruno L.").status_code == 303
    assert roles(engine, "bruno.leroy@autre.exemple") == {"resident"}
    refused = [d for a, d in audit_actions(engine) if a == "account.oidc.agent_refused"]
    assert refused == [{"provider": "proconnect", "siret": OTHER_SIRET}]
    assert c.get("/registry/new").status_code == 403
    # Listed later by the city: the next sign-in makes them an agent.
    later = new_client(allowed_sirets=("21920073000011", OTHER_SIRET))
    assert come_back(later, "proconnect", "agent-ailleurs").status_code == 303
    assert roles(engine, "bruno.leroy@autre.exemple") == {"resident", "agent"}


def test_agent_role_is_taken_back_when_the_siret_leaves_the_list(
    new_client: Client, engine: Engine
) -> None:
    """An agent whose organisation the city no longer lists loses, at the next ProConnect
    sign-in, the agent role ProConnect gave (logged), and signs in as a resident; an agent role
    given by an administrator stays."""
    first = new_client()
    come_back(first, "proconnect", "agent-ville")
    assert confirm(first, display_name="Agnès D.").status_code == 303
    second = new_client()
    come_back(second, "proconnect", "agent-ailleurs")
    assert confirm(second, display_name="Bruno L.").status_code == 303
    # An administrator makes Bruno (another organisation) an agent by hand.
    with session_scope(engine) as s:
        admin = s.scalar(select(User.id).where(User.email == "agnes.durand@ville.exemple"))
        bruno = s.scalar(select(User.id).where(User.email == "bruno.leroy@autre.exemple"))
        accounts_services.set_roles(
            s, user_id=int(bruno or 0), roles={"resident", "agent"}, actor_id=admin
        )
    assert roles(engine, "agnes.durand@ville.exemple") == {"resident", "agent"}
    # The city's list changes: its own SIRET is gone.
    later = new_client(allowed_sirets=(OTHER_SIRET,))
    assert come_back(later, "proconnect", "agent-ville").status_code == 303
    assert roles(engine, "agnes.durand@ville.exemple") == {"resident"}
    assert later.get("/registry/new").status_code == 403
    removed = [d for a, d in audit_actions(engine) if a == "account.role_change" and "removed" in d]
    assert removed == [{"removed": ["agent"], "via": "proconnect", "siret": "21920073000011"}]
    # Bruno's organisation is not on the list either, but his role came from an administrator.
    assert come_back(new_client(), "proconnect", "agent-ailleurs").status_code == 303
    assert roles(engine, "bruno.leroy@autre.exemple") == {"resident", "agent"}
    # Listed again, the next sign-in gives the role back.
    assert come_back(new_client(), "proconnect", "agent-ville").status_code == 303
    assert roles(engine, "agnes.durand@ville.exemple") == {"resident", "agent"}


def test_a_plain_json_userinfo_is_read_too(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """A provider sending the userinfo as plain JSON (not a signed JWT) works as well."""
    with running_provider((PORTAL,), tmp_path, plain_userinfo=True) as plain:
        configured = settings.with_(oidc_providers=providers(plain.issuer))
        with TestClient(create_app(configured, engine=engine), base_url=PORTAL) as c:
            assert come_back(c, "proconnect", "agent-ville").status_code == 303
            assert "21920073000011" in t(c.get("/login/oidc/confirm"))


# --- refusals: each ends on the French page, with the local sign-in, creating nothing -----------


def test_forged_state_is_refused(new_client: Client, engine: Engine) -> None:
    """A callback with a state the portal never issued is refused and logged."""
    c = new_client()
    callback = sign_in_at_provider(start(c), "claire", PORTAL)
    forged = re.sub(r"state=[^&]+", "state=" + "A" * 43, callback)
    assert_refused_page(c.get(forged), 400, "ne correspond à aucune demande")
    assert_nothing_created(engine)
    assert refusals(engine) == ["state"]


def test_state_brought_back_by_another_browser_is_refused(
    new_client: Client, engine: Engine
) -> None:
    """A genuine callback delivered to another browser (a login CSRF) is refused."""
    victim, attacker = new_client(), new_client()
    callback = sign_in_at_provider(start(attacker), "claire", PORTAL)
    assert_refused_page(victim.get(callback), 400, "ne correspond à aucune demande")
    assert_nothing_created(engine)
    assert refusals(engine) == ["state"]


def test_a_callback_replayed_is_refused(new_client: Client, engine: Engine) -> None:
    """The same callback (state and code) a second time is refused: the state is spent."""
    c = new_client()
    callback = sign_in_at_provider(start(c), "claire", PORTAL)
    assert c.get(callback, follow_redirects=False).status_code == 303
    assert_refused_page(c.get(callback), 400, "a déjà servi")
    assert refusals(engine) == ["replay"]
    assert_nothing_created(engine)


def test_an_id_token_minted_for_another_nonce_is_refused(
    new_client: Client, engine: Engine
) -> None:
    """The ID token's nonce must be this sign-in's: a token for another (a replayed one) is
    refused by the ID token check, nothing created."""
    c = new_client()
    callback = sign_in_at_provider(start(c), "claire", PORTAL)
    with session_scope(engine) as s:
        s.execute(update(OidcLogin).values(nonce="un-autre-nonce-" + "x" * 32))
    assert_refused_page(c.get(callback), 400, "n'a pas pu être vérifiée")
    assert refusals(engine) == ["invalid"]
    assert_nothing_created(engine)


def test_the_same_answer_four_times_at_once_counts_once(new_client: Client, engine: Engine) -> None:
    """Four deliveries of one callback at the same instant, from the same browser: one goes on
    to the confirmation, three are refused (the state is spent by one conditional UPDATE)."""
    c = new_client()
    callback = sign_in_at_provider(start(c), "claire", PORTAL)
    secret = c.cookies.get("portal_oidc")
    browsers = [new_client() for _ in range(4)]
    outcomes = run_concurrently(4, lambda i: browsers[i].get(
        callback, headers={"cookie": f"portal_oidc={secret}"}, follow_redirects=False
    ).status_code)  # fmt: skip
    assert not outcomes.errors, outcomes.errors
    assert sorted(outcomes.results) == [303, 400, 400, 400]
    assert sorted(refusals(engine)) == ["replay", "replay", "replay"]
    assert_nothing_created(engine)


def test_a_used_code_is_refused(new_client: Client, engine: Engine) -> None:
    """A code already exchanged, brought back with a new sign-in's state, is refused by the
    provider; the portal says so."""
    c = new_client()
    first = sign_in_at_provider(start(c), "claire", PORTAL)
    assert c.get(first, follow_redirects=False).status_code == 303
    used_code = parse_qs(urlsplit(first).query)["code"][0]
    second = sign_in_at_provider(start(c), "claire", PORTAL)
    replay = re.sub(r"code=[^&]+", f"code={used_code}", second)
    assert_refused_page(c.get(replay), 400, "a expiré ou a déjà servi")
    assert refusals(engine) == ["refused"]
    assert_nothing_created(engine)


def test_an_expired_code_is_refused(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    """A code used after its lifetime at the provider (1 s here) is refused, nothing created."""
    with running_provider((PORTAL,), tmp_path, code_ttl=1) as short:
        configured = settings.with_(oidc_providers=providers(short.issuer))
        with TestClient(create_app(configured, engine=engine), base_url=PORTAL) as c:
            callback = sign_in_at_provider(start(c), "claire", PORTAL)
            time.sleep(2.5)
            assert_refused_page(c.get(callback), 400, "a expiré ou a déjà servi")
    assert refusals(engine) == ["refused"]
    assert_nothing_created(engine)


def test_a_provider_down_at_the_start(settings: Settings, engine: Engine) -> None:
    """A provider that does not answer: the page says so (503), nothing is stored."""
    down = f"http://127.0.0.1:{free_port()}"
    configured = settings.with_(oidc_providers=providers(down))
    with TestClient(create_app(configured, engine=engine), base_url=PORTAL) as c:
        r = c.get("/login/oidc/franceconnect")
        assert_refused_page(r, 503, "FranceConnect ne répond pas pour le moment")
        assert "Réessayer avec FranceConnect" in t(r)
    assert count(engine, OidcLogin) == 0
    assert refusals(engine) == ["unavailable"]


def test_a_provider_down_at_the_return(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    """The provider stops between the sign-in and the code exchange: 503, nothing created."""
    with running_provider((PORTAL,), tmp_path) as brief:
        configured = settings.with_(oidc_providers=providers(brief.issuer))
        with TestClient(create_app(configured, engine=engine), base_url=PORTAL) as c:
            callback = sign_in_at_provider(start(c), "claire", PORTAL)
            brief.stop()
            assert_refused_page(c.get(callback), 503, "ne répond pas pour le moment")
    assert refusals(engine) == ["unavailable"]
    assert_nothing_created(engine)


def test_metadata_naming_another_issuer_is_refused(
    settings: Settings, engine: Engine, op: RunningProvider
) -> None:
    """Discovery must name the issuer configured (OpenID Connect Discovery 4.3): otherwise the
    sign-in does not start and nothing is stored."""
    configured = settings.with_(oidc_providers=providers(op.issuer + "/"))
    with TestClient(create_app(configured, engine=engine), base_url=PORTAL) as c:
        assert_refused_page(c.get("/login/oidc/franceconnect"), 400, "n'a pas pu être vérifiée")
    assert count(engine, OidcLogin) == 0
    assert refusals(engine) == ["invalid"]


def test_a_sign_in_at_another_level_than_asked_is_refused(
    settings: Settings, engine: Engine, op: RunningProvider
) -> None:
    """The provider signs people in at `eidas1`; a portal asking for `eidas2` refuses the ID
    token whose `acr` says `eidas1`."""
    (fc, pc) = providers(op.issuer)
    configured = settings.with_(oidc_providers=(replace(fc, acr_values="eidas2"), pc))
    with TestClient(create_app(configured, engine=engine), base_url=PORTAL) as c:
        url = start(c)
        assert parse_qs(urlsplit(url).query)["acr_values"] == ["eidas2"]
        r = c.get(sign_in_at_provider(url, "claire", PORTAL))
        assert_refused_page(r, 400, "n'a pas pu être vérifiée")
    assert refusals(engine) == ["invalid"]
    assert_nothing_created(engine)


def test_starts_from_one_address_are_capped(new_client: Client, engine: Engine) -> None:
    """Each start stores a row: past 30 a minute from one address, the page asks to wait (429)
    and stores nothing more."""
    c = new_client()
    for _ in range(30):
        start(c)
    r = c.get("/login/oidc/proconnect")
    assert_refused_page(r, 429, "Patientez une minute")
    assert count(engine, OidcLogin) == 30


def test_an_unverified_email_is_refused(new_client: Client, engine: Engine) -> None:
    """An address the provider did not verify links and creates nothing, even if an account
    holds it."""
    c = new_client()
    assert_refused_page(come_back(c, who="paul"), 400, "n'a pas été vérifiée")
    assert_nothing_created(engine)
    assert refusals(engine) == ["unverified_email"]
    assert_refused_page(c.get("/login/oidc/confirm"), 400, "Aucune connexion n'attend")


def test_a_refusal_at_the_provider(new_client: Client, engine: Engine) -> None:
    """The person cancels at the provider (error=access_denied): a clear page, nothing made."""
    c = new_client()
    state = parse_qs(urlsplit(start(c)).query)["state"][0]
    r = c.get(f"/login/oidc/franceconnect/callback?error=access_denied&state={state}")
    assert_refused_page(r, 400, "a été annulée ou refusée")
    assert refusals(engine) == ["provider_error"]
    assert_nothing_created(engine)


def test_a_suspended_account_cannot_sign_in(
    new_client: Client, engine: Engine, make_user: Any
) -> None:
    """A suspended account holding the address is not linked nor signed in."""
    user_id = make_user(email="claire.martin@exemple.fr", name="Claire S.")
    with session_scope(engine) as s:
        s.execute(update(User).where(User.id == user_id).values(is_active=False))
    c = new_client()
    come_back(c)
    assert_refused_page(confirm(c), 403, "Ce compte est suspendu")
    assert count(engine, OidcIdentity) == 0
    assert signed_out(c)


# --- logout at the provider ---------------------------------------------------------------------


def test_logout_ends_the_session_here_and_at_the_provider(
    new_client: Client, engine: Engine, op: RunningProvider
) -> None:
    """Signing out sends the browser to the provider's end_session_endpoint with the ID token
    as id_token_hint; the provider accepts it and sends the browser back to the portal."""
    c = new_client()
    come_back(c)
    confirm(c, display_name="Claire M.")
    with session_scope(engine, write=False) as s:
        id_token = s.scalar(select(OidcLogin.id_token).where(OidcLogin.id_token.is_not(None)))
    token = csrf_token(c, "/account")
    r = c.post("/login/oidc/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    end = urlsplit(r.headers["location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{op.issuer}/session/end"
    query = parse_qs(end.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [f"{PORTAL}/login/oidc/logged-out"]
    assert len(query["state"][0]) >= 32
    assert signed_out(c)
    back = sign_in_at_provider(r.headers["location"], "claire", PORTAL)
    assert back.startswith(f"{PORTAL}/login/oidc/logged-out")
    r = c.get(back)
    assert "Vous êtes déconnecté" in t(r)


def test_logout_needs_a_session(new_client: Client) -> None:
    """Signed out, the logout address sends to the login page and does nothing."""
    c = new_client()
    r = c.post("/login/oidc/logout", data={"csrf_token": csrf_token(c)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_logout_of_a_password_session_stays_local(
    new_client: Client, engine: Engine, make_user: Any
) -> None:
    """A person signed in with a password signs out here only."""
    make_user(email="locale@exemple.fr", name="Locale")
    c = new_client()
    login(c, "locale@exemple.fr")
    token = csrf_token(c, "/account")
    r = c.post("/login/oidc/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert signed_out(c)
