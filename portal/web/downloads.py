"""Files served back as downloads, never as pages of the site (issue 19, finding 13).

An uploaded file keeps whatever it carries (a PDF's /OpenAction JavaScript, an HTML file's
scripts); it is sent as an attachment, under a sandboxing Content-Security-Policy, with a
`Content-Disposition` built from a cleaned name (RFC 6266, with RFC 5987's `filename*` for the
name as it was), so a quote or a semicolon in a name can add no parameter.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


def ascii_filename(name: str, default: str = "fichier") -> str:
    """The name with accents folded and anything else than letters, digits, dot, dash and
    underscore replaced by "_"; never empty, never starting with a dot."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("_", folded).strip("._") or default
    return cleaned[-MAX_NAME:]


def attachment_headers(filename: str) -> dict[str, str]:
    """Headers for sending a stored file as a download: never run, never framed, never sniffed."""
    readable = "".join(c for c in filename if unicodedata.category(c)[0] != "C")[:MAX_NAME]
    return {
        "Content-Disposition": (
            f'attachment; filename="{ascii_filename(readable)}"; '
            f"filename*=UTF-8''{quote(readable or 'fichier', safe='')}"
        ),
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
    }
