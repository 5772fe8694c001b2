"""Issue 19, finding 13: an uploaded file comes back as a download, never as a page of the site,
whatever its name and content."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Engine

from portal.settings import Settings
from portal.web.downloads import ascii_filename, attachment_headers
from tests.helpers import csrf_token, read_council_uploads

MINUTES = (
    "# Conseil municipal du 3 mars 2025\n\n"
    "## Délibération n° 2025-03-01 : Un test\n\n"
    "Rapporteur : Jeanne Martin\n\n"
    "Le conseil municipal, après en avoir délibéré, adopte la délibération relative à l'essai "
    "des téléchargements de procès-verbaux. <script>alert(1)</script>\n\n"
    "Vote : pour 30, contre 0, abstentions 2 — adoptée à la majorité.\n"
)


def test_a_quoted_name_adds_no_parameter_and_the_file_is_sandboxed(
    login_as: Any, client: Any, engine: Engine, settings: Settings
) -> None:
    """A file named `pv".html; x=.md` is served as an attachment under a cleaned name, with the
    name as sent in `filename*`, a sandboxing CSP and nosniff."""
    agent = login_as("agent")
    name = 'pv".html; filename=pièce.html; x=.md'
    uploaded = agent.post(
        "/council/upload",
        data={"csrf_token": csrf_token(agent, "/council/upload")},
        files={"file": (name, MINUTES.encode(), "text/markdown")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, re.sub(r"<[^>]+>", " ", uploaded.text)[-1500:]
    assert read_council_uploads(engine, settings) == "uploads read: done=1 refused=0"
    response = client.get("/council/m/2025-03-03/source")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    # The test client sends the quote percent-encoded (%22), as browsers do in a multipart name.
    assert disposition.startswith('attachment; filename="pv_22.html_filename_piece.html_x_.md"; ')
    assert disposition.count('"') == 2 and disposition.count(";") == 2
    assert (
        "filename*=UTF-8''pv%2522.html%3B%20filename%3Dpi%C3%A8ce.html%3B%20x%3D.md" in disposition
    )
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == MINUTES.encode()


def test_download_names_are_cleaned() -> None:
    """Control characters, separators and leading dots never reach the header."""
    assert ascii_filename("../../etc/passwd") == "etc_passwd"
    assert ascii_filename('\r\nSet-Cookie: a=b".pdf') == "Set-Cookie_a_b_.pdf"
    assert ascii_filename("") == "fichier"
    headers = attachment_headers("pv\r\n2024.pdf")
    assert "\r" not in headers["Content-Disposition"] and "\n" not in headers["Content-Disposition"]
