"""The tests' OpenID Provider: panva's `oidc-provider` from npm (tests/oidc/provider.mjs), run by
Node on 127.0.0.1 and a free port, and a person signing in at it over HTTP (through its login form).

Without Node or the npm package, tests skip with a message, or fail under
PORTAL_TEST_REQUIRE_ALL=1 (CI), like PostgreSQL and Chromium.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx

from portal.settings import OidcProvider, load_oidc_providers
from tests.helpers import missing

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
FRANCECONNECT = ("portail-franceconnect", "secret-franceconnect-pour-les-tests-0123456789")
PROCONNECT = ("portail-proconnect", "secret-proconnect-pour-les-tests-0123456789")
CITY_SIRET = "21920073000011"  # the SIRET of agent-ville in provider.mjs
OTHER_SIRET = "13002526500013"  # agent-ailleurs


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen[str]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_provider(
    portal_bases: tuple[str, ...],
    folder: Path,
    *,
    code_ttl: int = 60,
    accounts: Mapping[str, Mapping[str, object]] | None = None,
    plain_userinfo: bool = False,
) -> Iterator[RunningProvider]:
    """Start the provider for a portal served at `portal_bases`; stopped when the block ends."""
    node = shutil.which("node")
    if node is None or not PACKAGE.exists():
        missing("the OpenID Provider tests need Node.js and `npm ci` (oidc-provider, package.json)")
    assert node is not None
    env = {
        **os.environ,
        "OIDC_PORTAL_BASES": ",".join(portal_bases),
        "OIDC_CODE_TTL": str(code_ttl),
        "OIDC_ACCOUNTS": json.dumps(dict(accounts or {})),
        "NODE_ENV": "test",
    }
    if plain_userinfo:
        env["OIDC_USERINFO_PLAIN"] = "1"
    log = folder / f"oidc-provider-{time.monotonic_ns()}.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [node, str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors,
            text=True,
        )  # fmt: skip
    running = RunningProvider("", process, log)
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=20):
            raise RuntimeError(f"the OpenID Provider did not start: {log.read_text()}")
        line = process.stdout.readline()
        match = re.match(r"listening (http://127\.0\.0\.1:\d+)", line)
        if not match:
            raise RuntimeError(f"the OpenID Provider did not start: {line!r} {log.read_text()}")
        running.issuer = match.group(1)
        yield running
    finally:
        running.stop()


def providers(
    issuer: str,
    *,
    allowed_sirets: tuple[str, ...] = (CITY_SIRET,),
    issuer_for: Mapping[str, str] | None = None,
) -> tuple[OidcProvider, ...]:
    """Both providers configured through the settings' own parser, as a city would set them."""
    issuer_for = issuer_for or {}
    env = {
        "PORTAL_FRANCECONNECT_ISSUER": issuer_for.get("franceconnect", issuer),
        "PORTAL_FRANCECONNECT_CLIENT_ID": FRANCECONNECT[0],
        "PORTAL_FRANCECONNECT_CLIENT_SECRET": FRANCECONNECT[1],
        "PORTAL_FRANCECONNECT_ACR_VALUES": "eidas1",
        "PORTAL_PROCONNECT_ISSUER": issuer_for.get("proconnect", issuer),
        "PORTAL_PROCONNECT_CLIENT_ID": PROCONNECT[0],
        "PORTAL_PROCONNECT_CLIENT_SECRET": PROCONNECT[1],
        "PORTAL_PROCONNECT_SCOPES": "openid given_name usual_name email uid siret organizational_unit",
        "PORTAL_PROCONNECT_ALLOWED_SIRETS": ",".join(allowed_sirets),
    }
    return load_oidc_providers(env)


_FORM = re.compile(r'<form(?=[^>]*method="post")[^>]*action="([^"]+)"', re.I)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', re.I)


def sign_in_at_provider(authorize_url: str, login: str, portal_base: str) -> str:
    """What a person's browser does at the provider: open the authorization URL, fill in its
    login form (any password), and follow it back; returns the URL it sends the browser to on
    the portal (the callback with `code` and `state`, or an `error`)."""
    with httpx.Client(follow_redirects=False, timeout=15) as browser:
        url, response = authorize_url, browser.get(authorize_url)
        for _step in range(10):
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if url.startswith(portal_base):
                    return url
                response = browser.get(url)
                continue
            page = response.text
            form = _FORM.search(page)
            assert form, f"no form at the provider ({response.status_code}): {page[:500]}"
            data = dict(_HIDDEN.findall(page))
            if data.get("prompt") == "login":
                data.update(login=login, password="mot-de-passe-de-test")
            url = urljoin(url, unescape(form.group(1)))
            response = browser.post(url, data=data)
        raise AssertionError("the provider never sent the browser back to the portal")
