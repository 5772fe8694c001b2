"""In Chromium, on a portal holding a charter under consultation, the register and council
minutes: every page visited at 320 and 375 px wide has no horizontal overflow (scrollWidth), no
table heading with a word broken mid-word, and passes axe-core (WCAG 2.1 A/AA); a table wider than
the screen scrolls in a named region the keyboard can reach; the header's menu opens and closes
without JavaScript.

With PORTAL_UPDATE_AXE_EVIDENCE=1 the run is written to content/legal/axe-evidence.json, which
the accessibility statement publishes (date, axe-core version, pages covered, results).
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.consultation.synthesis.demo import load_demo as load_synthesis
from portal.council.ingest import ingest_paths
from portal.council.models import Meeting
from portal.db import session_scope
from portal.settings import Settings
from tests.factories import ROOT, add_comment, add_proposal, consultation, register_entries
from tests.helpers import AXE_JS, missing, sign_in

WIDTHS = (320, 375)
EVIDENCE = ROOT / "content" / "legal" / "axe-evidence.json"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# The elements sticking out on the right, to say what overflows.
WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      let inScroller = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') { inScroller = true; break; }
      }
      if (!inScroller) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
        ' right=' + Math.round(r.right));
    }
  }
  return out.slice(0, 6);
}"""


# The words of table headings that the browser laid out on more than one line ("Com/men/ts"): a
# word is a run of letters between spaces, hyphens or slashes, where a line may break anyway.
BROKEN_HEADINGS = """() => {
  const broken = [];
  for (const th of document.querySelectorAll('main th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const words = /[^\\s\\-\u2010\u2011\u2013\u2014/]+/g;
      let m;
      while ((m = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken.slice(0, 6);
}"""

# Tables wider than the space they are given, and whether each is in a region the keyboard can
# scroll (role="region", a name, tabindex="0", overflow-x auto).
WIDE_TABLES = """() => [...document.querySelectorAll('main table')].map(table => {
  const box = table.closest('.table-scroll');
  const scroller = box || table;
  const wide = table.scrollWidth > (box ? box.clientWidth : table.parentElement.clientWidth) + 1
    || scroller.scrollWidth > scroller.clientWidth + 1;
  const reachable = !!box && box.getAttribute('role') === 'region' && box.tabIndex === 0
    && !!box.getAttribute('aria-label') && getComputedStyle(box).overflowX === 'auto';
  return {wide, reachable, name: (table.caption ? table.caption.textContent : '').trim()};
})"""


def _world(engine: Engine, settings: Settings, make_user: Any) -> dict[str, str]:
    accounts = consultation(engine, settings, make_user)
    # The demo's comments grouped into a published synthesis: its table is on the list.
    load_synthesis(engine, settings, accounts=accounts, progress=lambda _m: None)
    resident = make_user(name="Léa Habitante")
    add_proposal(engine, author_id=resident, supporters=[accounts["agent"]])
    add_comment(
        engine, author_id=resident, body="Un très long mot: " + "anticonstitutionnellement" * 4
    )
    slugs = register_entries(engine, accounts["agent"])
    # A city account whose name is one long word, on the staff's table of accounts.
    make_user(name="Anticonstitutionnellement" * 2)  # 50 of the 60 characters allowed
    results, errors = ingest_paths(engine, sorted((ROOT / "content" / "council").glob("*.md"))[:2])
    assert errors == [] and results
    with session_scope(engine, write=False) as s:
        day = s.scalar(select(Meeting.meeting_date).order_by(Meeting.meeting_date.desc()))
    assert isinstance(day, date)
    return {"slug": slugs[0], "day": day.isoformat()}


def _pages(world: dict[str, str]) -> list[tuple[str, str]]:
    """(what the page is, its address): the label is published in the statement, so it names
    the kind of page, never the demo's content."""
    return [
        ("Accueil", "/"),
        ("Déclaration d'accessibilité", "/accessibilite"),
        ("Mentions légales", "/mentions-legales"),
        ("Données personnelles", "/donnees-personnelles"),
        ("Cookies", "/cookies"),
        ("Plan du site", "/plan-du-site"),
        ("Recherche dans tout le portail", "/search?q=donn%C3%A9es"),
        ("La charte en consultation", "/charter"),
        ("Un article de la charte et ses commentaires", "/charter/clauses/4"),
        ("Les propositions", "/charter/proposals"),
        ("Les versions de la charte", "/charter/versions"),
        ("Les cycles de la consultation", "/charter/cycles"),
        ("Un cycle de la consultation", "/charter/cycles/1"),
        ("Une version publiée", "/charter/v/1"),
        ("Les différences entre deux versions", "/charter/diff"),
        ("La synthèse des commentaires", "/consultation/synthesis"),
        ("Les données ouvertes de la consultation", "/consultation/export"),
        ("Le registre des systèmes d'IA", "/registry"),
        ("Une fiche du registre", f"/registry/{world['slug']}"),
        ("Le dossier de conformité d'une fiche", f"/registry/{world['slug']}/conformite"),
        ("Le schéma des fiches du registre", "/registry/schema"),
        ("Les données ouvertes du portail", "/donnees-ouvertes"),
        ("Le programme IA", "/registry/programme"),
        ("Les engagements de la charte par système", "/registry/commitments"),
        ("Le conseil municipal", "/council"),
        ("Une recherche dans les procès-verbaux", "/council/search?q=vid%C3%A9oprotection"),
        ("Une question au conseil", "/council/ask?q=Combien+co%C3%BBte+la+cantine"),
        ("Un procès-verbal", f"/council/m/{world['day']}"),
        ("La méthode des réponses", "/council/methode"),
        ("Connexion", "/login"),
        ("Création de compte", "/signup"),
        ("Mot de passe oublié", "/password-reset"),
        ("Joindre une personne", "/contact"),
        ("Page introuvable", "/page-inconnue"),
    ]


def _axe(page: Any) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return [
        f"{v['id']}: " + "; ".join(n["target"][0] for n in v["nodes"][:3] if n["target"])
        for v in result["violations"]
    ]


STAFF_PAGES = [
    ("Mon espace", "/espace"),
    ("Mon compte", "/account"),
    ("Proposer une modification", "/charter/proposals/new"),
    ("Le bureau de la consultation", "/charter/desk"),
    ("Les réponses aux propositions", "/charter/review"),
    ("La file de modération", "/moderation"),
    ("Les chiffres de la modération", "/moderation/figures"),
    ("Les brouillons du registre", "/registry/drafts"),
    ("Une nouvelle fiche du registre", "/registry/new"),
    ("Déposer un procès-verbal", "/council/upload"),
    ("Les comptes", "/admin/users"),
    ("Le journal des actions", "/admin/audit"),
    ("Les courriels envoyés", "/admin/outbox"),
]


def _measure(page: Any, base: str, label: str, path: str, problems: list[str]) -> dict[str, Any]:
    """Visit `path` at each phone width: record any sideways scroll (with what sticks out), any
    table heading broken mid-word, any wide table out of a keyboard-reachable region and, at
    375 px, axe-core's violations, into `problems`; return the page's line of evidence."""
    fits = True
    violations: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{base}{path}")
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll > client:
            fits = False
            problems.append(f"{path} at {width}px: {scroll} > {client}: {page.evaluate(WIDE)}")
        if broken := page.evaluate(BROKEN_HEADINGS):
            problems.append(f"{path} at {width}px: table headings broken mid-word: {broken}")
        for table in page.evaluate(WIDE_TABLES):
            if table["wide"] and not table["reachable"]:
                problems.append(
                    f"{path} at {width}px: wide table not in a keyboard-scrollable region: "
                    f"{table['name']!r}"
                )
        if width == 375:
            violations = _axe(page)
            problems.extend(f"{path}: axe {v}" for v in violations)
    return {"label": label, "path": path, "violations": len(violations), "no_overflow": fits}


def test_no_page_overflows_on_phones_and_every_page_passes_axe(
    live_server: str, new_page: Any, engine: Engine, settings: Settings, make_user: Any
) -> None:
    """At 320 and 375 px no visited page scrolls sideways, and axe-core finds no violation."""
    if not AXE_JS.exists():
        missing("axe-core is missing: run `npm ci` (make setup does it)")
    world = _world(engine, settings, make_user)
    page = new_page()
    page.set_default_navigation_timeout(120_000)  # the first council search loads spaCy
    problems: list[str] = []
    evidence = [_measure(page, live_server, label, path, problems) for label, path in _pages(world)]
    # Signed in as an admin, who sees every tool: the staff's pages and forms too.
    make_user("admin", email="admine@exemple.fr", name="Admine")
    sign_in(page, live_server, "admine@exemple.fr")
    someone = make_user(name="Personne Suivie")
    staff = [*STAFF_PAGES, ("Ce qu'a écrit une personne", f"/moderation/users/{someone}")]
    evidence += [_measure(page, live_server, label, path, problems) for label, path in staff]
    if os.environ.get("PORTAL_UPDATE_AXE_EVIDENCE") == "1" and not problems:
        version = json.loads((AXE_JS.parent / "package.json").read_text())["version"]
        EVIDENCE.write_text(
            json.dumps(
                {"date": date.today().isoformat(), "axe_version": version,
                 "rules": "WCAG 2.0 et 2.1, A et AA", "widths": list(WIDTHS), "pages": evidence},
                ensure_ascii=False, indent=1,
            ) + "\n",
            encoding="utf-8",
        )  # fmt: skip
    assert not problems, "\n".join(problems)


def test_header_menu_opens_and_closes_without_javascript(live_server: str, new_page: Any) -> None:
    """On a phone without JavaScript the header shows a "Menu" link that opens the navigation and
    the search box, and "Fermer le menu" folds them again."""
    page = new_page(javascript=False)
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(f"{live_server}/")
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert not nav.is_visible()
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] < 80, header
    # the site's name clear of the header's edges (a phone's rule once took its padding away)
    name = page.locator(".site-name").bounding_box()
    assert (
        name["y"] - header["y"] >= 6
        and header["y"] + header["height"] - name["y"] - name["height"] >= 6
    ), (header, name)
    page.get_by_role("link", name="Menu").click()
    assert nav.is_visible()
    # the menu opens right under the header, whatever its height: no strip of the page between
    gap = page.evaluate(
        "() => document.querySelector('#menu').getBoundingClientRect().top"
        " - document.querySelector('.site-header').getBoundingClientRect().bottom"
    )
    assert abs(gap) < 1, gap
    page.get_by_role("link", name="Registre des IA").click()
    assert page.url.endswith("/registry")
    page.get_by_role("link", name="Menu").click()
    page.get_by_role("searchbox", name="Rechercher dans tout le portail").fill("caméra")
    page.get_by_role("button", name="Chercher").first.click()
    assert "/search?q=cam" in page.url
    page.get_by_role("link", name="Menu").click()
    page.get_by_role("link", name="Fermer le menu").click()
    assert not nav.is_visible()
    page.set_viewport_size({"width": 1280, "height": 700})
    assert nav.is_visible()
    assert not page.get_by_role("link", name="Menu").is_visible()
