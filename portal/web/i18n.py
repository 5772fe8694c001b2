"""French first, English second: catalogues read from .po files with Babel, chosen per request.

French is the source language: a message id is the French text, so a missing English
translation shows French rather than a key.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache, lru_cache
from gettext import c2py
from pathlib import Path

from babel import negotiate_locale
from babel.dates import format_date, get_timezone
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANG_COOKIE = "portal_lang"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def plural_index(locale: str) -> Callable[[int], int]:
    """The catalogue's rule from a count to the index of its plural form (gettext's
    Plural-Forms, e.g. English `n != 1`: 1 -> 0, 2 -> 1); French's rule for French."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return lambda n: int(n > 1)
    with path.open("rb") as handle:
        return c2py(read_po(handle, locale=locale).plural_expr)


@cache
def catalogue(locale: str) -> dict[str, str | tuple[str, ...]]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return {}
    with path.open("rb") as handle:
        cat = read_po(handle, locale=locale)
    messages: dict[str, str | tuple[str, ...]] = {}
    for message in cat:
        if not message.id or not message.string or message.fuzzy:
            continue
        key = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
        if isinstance(message.string, (tuple, list)):
            if all(message.string):
                messages[key] = tuple(str(s) for s in message.string)
        else:
            messages[key] = str(message.string)
    return messages


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def translation(locale: str, message: str) -> str:
    """`message` in `locale` (itself when the catalogue lacks it), its parameters not put in."""
    translated = catalogue(locale).get(message, message)
    return translated if isinstance(translated, str) else translated[0]


def gettext(message: str, **params: object) -> str:
    text = translation(current_locale.get(), message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    translated = catalogue(current_locale.get()).get(singular)
    if isinstance(translated, tuple):
        index = plural_index(current_locale.get())(n)
        text = translated[min(index, len(translated) - 1)]
    else:
        # French puts 0 and 1 in the singular.
        text = singular if n <= 1 else plural
    params.setdefault("num", n)
    return text % params


def choose_locale(cookie: str | None, accept_language: str | None, default: str) -> str:
    if cookie in LOCALES:
        return cookie
    if accept_language:
        # RFC 9110 §12.5.4: tags by decreasing weight (q), in the order written when equal; q=0
        # means "not acceptable".
        weighted = []
        for position, part in enumerate(accept_language.split(",")):
            tag, _sep, params = part.strip().partition(";")
            q = 1.0
            for param in params.split(";"):
                name, _eq, value = param.strip().partition("=")
                if name.strip().lower() == "q":
                    try:
                        q = float(value)
                    except ValueError:
                        q = 0.0
            if tag.strip() and q > 0:
                weighted.append((-q, position, tag.strip().replace("-", "_")))
        preferred = [tag for _q, _p, tag in sorted(weighted)]
        chosen = negotiate_locale(preferred, list(LOCALES), sep="_")
        if chosen:
            return chosen.split("_")[0]
        for tag in preferred:
            if tag.split("_")[0].lower() in LOCALES:
                return tag.split("_")[0].lower()
    return default


def format_datetime(value: object, fmt: str = "medium") -> str:
    """A date or time as people of the interface's language write it, in Paris time."""
    if isinstance(value, (datetime, date)):
        return _formatted(value, fmt, current_locale.get())
    return "" if value is None else str(value)


@lru_cache(maxsize=8192)
def _formatted(value: date, fmt: str, locale: str) -> str:
    """Babel's formatting, kept per value, format and language: it is slow (each call reads its
    locale data and time-zone rules: 5 % of a signed-in clause page and 4 % of a council
    search in the profile) and the same dates are shown over and over (comments, meetings)."""
    if isinstance(value, datetime):
        return babel_format_datetime(value, fmt, tzinfo=get_timezone("Europe/Paris"), locale=locale)
    return format_date(value, "long" if fmt == "medium" else fmt, locale=locale)


def format_number(value: float | int) -> str:

    return format_decimal(value, locale=current_locale.get())
