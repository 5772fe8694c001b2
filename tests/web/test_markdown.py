"""One Markdown path for user text: a few hundred XSS payloads of our own, and normal formatting."""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

import pytest

from portal.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, excerpt, render_markdown, slugify

SCRIPTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<button hx-post="/logout" hx-trigger="load">x</button>',
    '<div data-hx-get="/admin" hx-trigger=load>x</div>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    "<link rel=stylesheet href=//x.example/x.css>",
    "<base href=//x.example/>",
    "<!--<script>alert(1)</script>-->",
    '<p title="&quot;><script>alert(1)</script>">x</p>',
]
LINKS = [
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](java\tscript:alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "[clic](data:text/html,<script>alert(1)</script>)",
    "[clic](vbscript:msgbox(1))",
    "[clic](file:///etc/passwd)",
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    '[clic](https://x.example "t\\" onmouseover=\\"alert(1)")',
    "<javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[a]",
    '[clic](https://exemple.fr" onclick="alert(1))',
    "[clic](//evil.example)",
]
WRAPPERS = [
    "{}",
    "Texte avant {} texte après",
    "**{}**",
    "> {}",
    "- {}",
    "`{}`",
    "```\n{}\n```",
    "# {}",
    "| a | b |\n|---|---|\n| {} | x |",
    "[{}](https://exemple.fr)",
    "{}\n\n{}",
    "*{}*",
]
PAYLOADS = [w.format(p, p) for w, p in itertools.product(WRAPPERS, SCRIPTS + LINKS)]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_payload_count() -> None:
    """We really test a few hundred payloads."""
    assert len(PAYLOADS) >= 400


@pytest.mark.parametrize("chunk", range(8))
def test_xss_payloads_are_neutralised(chunk: int) -> None:
    """No script, event handler, style, hx-/data- attribute or dangerous URL survives."""
    for payload in PAYLOADS[chunk::8]:
        html = str(render_markdown(payload))
        parser = _Collector()
        parser.feed(html)
        for tag, attrs in parser.tags:
            assert tag in ALLOWED_TAGS, (payload, html)
            for name, value in attrs:
                assert name in ALLOWED_ATTRIBUTES.get(tag, []), (payload, html)
                if name == "href":
                    assert value and value.split(":", 1)[0].lower() in {
                        "http",
                        "https",
                        "mailto",
                    }, (
                        payload,
                        html,
                    )
                    assert (
                        not value.lower().lstrip().startswith(("javascript", "data", "vbscript"))
                    ), (payload, html)
        lowered = html.lower()
        assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered


def test_links_get_rel_nofollow_ugc_noopener() -> None:
    """Every link in user text carries rel="nofollow ugc noopener"."""
    html = str(render_markdown("Voir [le site](https://www.suresnes.fr) et <https://exemple.fr>."))
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://www.suresnes.fr"' in html


def test_mailto_links_are_kept() -> None:
    """mailto: links survive."""
    assert 'href="mailto:contact@exemple.fr"' in str(
        render_markdown("[écrire](mailto:contact@exemple.fr)")
    )


def test_formatting_survives() -> None:
    """Emphasis, lists, quotes and headings render; headings start at h2."""
    html = str(render_markdown("# Titre\n\n**gras** et *italique*\n\n- un\n- deux\n\n> cité"))
    for fragment in (
        "<h2>Titre</h2>",
        "<strong>gras</strong>",
        "<em>italique</em>",
        "<li>un</li>",
        "<blockquote>",
    ):
        assert fragment in html


def test_excerpt_and_slug() -> None:
    """Excerpts are plain text cut on a word; slugs fold accents."""
    assert excerpt("**Bonjour** à tous les habitants de Suresnes", 20) == "Bonjour à tous les…"
    assert excerpt("<b>x</b>", 20) == "<b>x</b>"  # text, never markup
    assert slugify("Égalité & Transparence !") == "egalite-transparence"
