"""One path for all user text: Markdown without raw HTML, then an allowlist sanitiser."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
        "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://", "mailto:"))


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    # Links only to absolute http(s) and mailto targets; anything else stays plain text.
    md.validateLink = _safe_link  # type: ignore[method-assign]
    # Headings in user text start at h2: the page owns its h1.
    md.disable("lheading")

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", LINK_REL)
        return str(self.renderToken(tokens, idx, options, env))

    def heading_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        level = max(2, int(token.tag[1:]) + 1) if token.tag.startswith("h") else 2
        token.tag = f"h{min(level, 6)}"
        return str(self.renderToken(tokens, idx, options, env))

    def heading_close(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        level = max(2, int(token.tag[1:]) + 1)
        token.tag = f"h{min(level, 6)}"
        return str(self.renderToken(tokens, idx, options, env))

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    return md


_MD = _build_parser()
_CLEANER = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def render_markdown(text: str) -> Markup:
    """Render user Markdown to safe HTML (no raw HTML, no scripts, safe links only)."""
    html = _MD.render(text or "")
    cleaned = _CLEANER.clean(html)
    # bleach keeps `rel` only where our renderer set it; make sure every surviving link has it.
    cleaned = re.sub(r"<a (?![^>]*\brel=)", f'<a rel="{LINK_REL}" ', cleaned)
    return Markup(cleaned)  # noqa: S704 (sanitised above)


def plain_text(text: str) -> str:
    """Markdown source to plain text (for excerpts, feeds and search)."""
    html = _MD.render(text or "")
    stripped = bleach.clean(html, tags=set(), strip=True)
    return re.sub(r"\s+", " ", _unescape(stripped)).strip()


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def excerpt(text: str, length: int = 200) -> str:
    plain = plain_text(text)
    if len(plain) <= length:
        return plain
    cut = plain[:length].rsplit(" ", 1)[0]
    return cut + "…"


def fold_accents(text: str) -> str:
    """'Égalité' -> 'egalite': for slugs and accent-insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def slugify(text: str, max_length: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold_accents(text)).strip("-")
    return slug[:max_length].rstrip("-") or "sans-titre"
