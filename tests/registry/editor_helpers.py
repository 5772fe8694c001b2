"""Helpers of the entry-editor tests: the inputs a browser sends for an entry, a new entry to
propose, a form posted, kept or published, an error read beside its field."""

from __future__ import annotations

import copy
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.db import session_scope
from portal.registry.editor.form import to_form
from portal.registry.loader import load_folder
from portal.registry.models import System
from tests.factories import REGISTRY_CONTENT
from tests.helpers import post

SLUG = "chatbot-habitants"
NEW_NAME = "Aide à la traduction des courriers"

flat = to_form  # the inputs a browser sends for an entry, as the form shows it


def new_system() -> dict[str, Any]:
    """A new entry to propose: the chatbot's fields under another identifier and name."""
    data = copy.deepcopy(next(e.data for e in load_folder(REGISTRY_CONTENT) if e.slug == SLUG))
    data.update(slug="aide-traduction", name=NEW_NAME,
                summary="Un outil qui propose une traduction des courriers de la mairie.")  # fmt: skip
    return data


def published(engine: Engine, slug: str = SLUG) -> System:
    """The entry as stored now (published data and revision)."""
    with session_scope(engine, write=False) as session:
        system = session.scalar(select(System).where(System.slug == slug))
        assert system is not None and system.data is not None
        session.expunge(system)
        return system


def count(engine: Engine, table: Any) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def send(
    client: TestClient, path: str, fields: dict[str, str], *, form_page: str = "", **extra: str
) -> Any:
    """The editor's form posted to `path` (the CSRF token read from `form_page`, else `path`)."""
    return post(client, path, {**fields, **extra}, form_page=form_page or path,
                follow_redirects=False)  # fmt: skip


def keep(client: TestClient, path: str, fields: dict[str, str], **extra: str) -> str:
    """Keep the form without sending it; returns the kept draft's address."""
    response = send(client, path, fields, form_page="/registry/new", _action="keep", **extra)
    assert response.status_code == 303, unescape(response.text)[:3000]
    location = str(response.headers["location"])
    assert re.fullmatch(r"/registry/drafts/incomplete/\d+", location), location
    return location


def sent_draft(response: Any) -> int:
    """The draft for review a form's sending made (its page's number)."""
    assert response.status_code == 303, unescape(response.text)[:3000]
    location = str(response.headers["location"])
    assert re.fullmatch(r"/registry/drafts/\d+", location), location
    return int(location.rsplit("/", 1)[1])


def publish(client: TestClient, draft_id: int, expected: int) -> Any:
    """An official publishes a draft seen at the entry's revision `expected`."""
    return post(client, f"/registry/drafts/{draft_id}/publish",
                {"expected_revision": str(expected)}, form_page=f"/registry/drafts/{draft_id}",
                follow_redirects=False)  # fmt: skip


def field_error(html: str, field: str) -> str:
    """The error shown beside `field` (which is marked invalid)."""
    fid = "f-" + field.replace(".", "-")
    block = re.search(rf'<p class="field-error" id="{fid}-error">(.*?)</p>', html, re.S)
    assert block, f"no error beside {field}"
    assert re.search(rf'id="{fid}"[^>]*aria-invalid="true"', html), f"{field} not marked invalid"
    return block.group(1)


class _Inputs(HTMLParser):
    """The values a browser would send for the editor's form (class "registry-editor")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = "registry-editor" in a.get("class", "").split()
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type") in ("text", "hidden"):
            self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.values[a["name"]] = ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.inside:
            self.values[self.textarea] += data


def form_inputs(html: str) -> dict[str, str]:
    """What the editor page's form sends as shown (empty inputs left out, no CSRF token)."""
    reader = _Inputs()
    reader.feed(html)
    return {k: v for k, v in reader.values.items() if v and k != "csrf_token"}
