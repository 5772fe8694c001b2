"""Every register route answers each role as declared, through real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from portal.db import session_scope
from portal.registry import services
from portal.registry.loader import to_text
from tests.helpers import ROLES, as_role, assert_statuses, post

ALL_200 = [200] * 6
STAFF_PAGE = [303, 403, 200, 403, 200, 200]

# (method, path, expected status per role in helpers.ROLES order); 303 = sent to the login page.
# POSTs carry an empty form: a role that may act gets the 400 of the missing fields.
TABLE = [
    ("GET", "/registry", ALL_200),
    ("GET", "/registry/schema.json", ALL_200),
    ("GET", "/registry/export.json", ALL_200),
    ("GET", "/registry/export.csv", ALL_200),
    ("GET", "/registry/feed.atom", ALL_200),
    ("GET", "/registry/programme", ALL_200),
    ("GET", "/registry/commitments", ALL_200),
    ("GET", "/registry/chatbot-habitants", ALL_200),
    ("GET", "/registry/chatbot-habitants.json", ALL_200),
    ("GET", "/api/registry/systems", ALL_200),
    ("GET", "/api/registry/systems/chatbot-habitants", ALL_200),
    ("GET", "/registry/new", STAFF_PAGE),
    ("GET", "/registry/drafts", STAFF_PAGE),
    ("GET", "/registry/drafts/{draft}", STAFF_PAGE),
    ("GET", "/registry/chatbot-habitants/edit", STAFF_PAGE),
    ("POST", "/registry/new", [303, 403, 400, 403, 400, 400]),
    ("POST", "/registry/chatbot-habitants/edit", [303, 403, 400, 403, 400, 400]),
    ("POST", "/registry/drafts/{draft}/publish", [303, 403, 403, 403, 400, 400]),
    ("POST", "/registry/drafts/{draft}/reject", [303, 403, 403, 403, 400, 400]),
    ("POST", "/registry/chatbot-habitants/questions", [303, 400, 400, 400, 400, 400]),
    # The route admits staff; only the owner, an official or the admin may answer.
    ("POST", "/registry/questions/{question}/answer", [303, 403, 403, 403, 400, 400]),
    ("GET", "/registry/export-excel.csv", ALL_200),
    ("GET", "/contact", ALL_200),
    ("GET", "/registry/schema", ALL_200),
    ("GET", "/registry/inventaire-algorithmes.csv", ALL_200),
    ("GET", "/registry/chatbot-habitants/conformite", ALL_200),
    ("GET", "/registry/chatbot-habitants/conformite.json", ALL_200),
    ("GET", "/registry/chatbot-habitants/annexe-viii-c.json", ALL_200),
    ("GET", "/registry/chatbot-habitants/conformite/lettre", ALL_200),
    ("GET", "/contact?system=chatbot-habitants", ALL_200),
    # Anyone may write to a person; an empty form is refused field by field.
    ("POST", "/contact", [400] * 6),
    # The route admits staff; only the owner, an official or the admin enter the figures.
    ("GET", "/registry/chatbot-habitants/handover", [303, 403, 403, 403, 200, 200]),
    ("POST", "/registry/chatbot-habitants/handover", [303, 403, 403, 403, 400, 400]),
    ("GET", "/registry/questions/signalees", [303, 403, 403, 200, 403, 200]),
    ("POST", "/registry/questions/{question}/report", [303, 400, 400, 400, 400, 400]),
    ("POST", "/registry/questions/{question}/hide", [303, 403, 403, 400, 403, 400]),
    ("POST", "/registry/questions/{question}/dismiss", [303, 403, 403, 303, 403, 303]),
    ("POST", "/registry/questions/{question}/restore", [303, 403, 403, 409, 403, 409]),
]


@pytest.fixture
def targets(engine: Engine, registry: list[str], make_user: Any) -> dict[str, int]:
    author, resident = make_user("agent"), make_user()
    with session_scope(engine) as session:
        system = services.get_published(session, "chatbot-habitants")
        data = dict(system.data or {}, summary="Un assistant écrit, plus court désormais.")
        draft = services.draft(
            session, text=to_text(data), summary="Résumé raccourci", author_id=author,
            slug="chatbot-habitants",
        )  # fmt: skip
        question = services.ask(
            session, slug="chatbot-habitants", author_id=resident, body="Une question de test.",
            kind="question",
        )  # fmt: skip
        return {"draft": int(draft.id), "question": int(question.id)}  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ROLES)
def test_registry_routes_by_role(
    role: str, make_client: Any, login_as: Any, targets: dict[str, int]
) -> None:
    """Each register route answers each role with the declared status."""
    client = as_role(role, make_client, login_as)
    index = ROLES.index(role)
    expected: dict[tuple[str, str], int] = {}
    observed: dict[tuple[str, str], int] = {}
    for method, path, statuses in TABLE:
        url = path.format(**targets)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = post(client, url, follow_redirects=False)
        expected[method, url] = statuses[index]
        observed[method, url] = response.status_code
    assert_statuses(expected, observed)


def test_anonymous_pages_are_cached_but_signed_in_pages_are_not(
    make_client: Any, login_as: Any, registry: list[str]
) -> None:
    """Public entry pages are shared for anonymous visitors; a signed-in page is never stored."""
    anonymous = make_client()
    assert "no-store" not in anonymous.get("/registry/chatbot-habitants").headers.get(
        "cache-control", ""
    )
    resident = login_as()
    assert (
        resident.get("/registry/chatbot-habitants").headers["cache-control"] == "private, no-store"
    )
