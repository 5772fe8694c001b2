"""One path for all user text: Markdown without raw HTML, then an allowlist sanitiser."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from typing import Any
from urllib.parse import unquote

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
# The rules of `render_markdown` (parser options, allowed tags, attributes, link handling). Stored
# HTML carries the version it was rendered with; raise this number whenever a change to the rules
# would change any output, and the `consultation.rerender` job re-renders the rows still older.
RENDERER_VERSION = 1


# Control characters no person types: all of C0 and C1 but tab and line feed, and DEL.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TRAILING_SPACES = re.compile(r"[ \t]+$", re.M)


def normalise_input(text: str) -> str:
    """Text as people meant it, once, at the edge: line ends LF (browsers send textareas with
    CRLF), Unicode NFC (an "é" typed two ways is one "é"), no trailing spaces on a line, no control
    characters. Stored text, diffs, searches and exports then never see the difference between two
    browsers. Idempotent. Passwords are not text: they are never passed through this."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROLS.sub("", text)
    return _TRAILING_SPACES.sub("", text)


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://", "mailto:"))


# Links that come from people or files (register entries, contact channels, sources): these schemes,
# or a path of this site. Checked when an entry is saved and again when a page shows the link.
LINK_SCHEMES = frozenset({"https", "http", "mailto", "tel"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
MAX_LINK_CHARS = 2000


def _has_control_or_space(text: str) -> bool:
    # Browsers drop tabs and newlines inside a URL ("java\tscript:" runs) and trim spaces and
    # controls around it: no such character is accepted anywhere.
    return any(unicodedata.category(c)[0] in "CZ" for c in text)


def has_url_tricks(text: str) -> bool:
    """A backslash (browsers read "/\\host" as "//host"), a control character or whitespace."""
    return "\\" in text or _has_control_or_space(text)


def decoded_variants(url: str) -> list[str]:
    """`url` and what it becomes once, twice, three times percent-decoded ("%252F" -> "/")."""
    variants = [url]
    for _round in range(3):
        decoded = unquote(variants[-1], errors="strict") if "%" in variants[-1] else variants[-1]
        if decoded == variants[-1]:
            break
        variants.append(decoded)
    return variants


def is_safe_link(url: object) -> bool:
    """True for an http(s), mailto or tel URL with no tricks, or a path of this site ("/…").

    Refused: other schemes (javascript:, data:, vbscript:, file:…), scheme-relative URLs
    ("//other.host", "/\\other.host"), control characters and whitespace anywhere (write a
    space as %20).
    """
    if not isinstance(url, str) or not url or len(url) > MAX_LINK_CHARS or has_url_tricks(url):
        return False
    if url.startswith("/"):
        return not url.startswith("//")
    match = _SCHEME.match(url)
    if match is None or match.group(1).lower() not in LINK_SCHEMES:
        return False
    rest = url[match.end() :]
    if match.group(1).lower() in ("http", "https"):
        host = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
        return rest.startswith("//") and bool(host.rsplit("@", 1)[-1])
    return bool(rest)


def safe_link(url: object) -> str | None:
    """The URL when `is_safe_link` accepts it, else None: templates show the text without a link."""
    return url if isinstance(url, str) and is_safe_link(url) else None


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


# The same texts (articles, comments) are shown on every view: rendering is the largest share of a
# charter page's time (docs/benchmarks.md, profile), so each distinct text is rendered once per process.
@functools.lru_cache(maxsize=8192)
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
