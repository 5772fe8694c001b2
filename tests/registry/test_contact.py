"""Section 5 of issue 15, "always a human": the contact page and its form (mail to the service
owning the system, acknowledgment to the sender), every contact link of every entry resolving,
no publication without a human channel with hours, and the monthly handover figures."""

from __future__ import annotations

import copy
import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.errors import ValidationFailed
from portal.registry import services
from portal.registry.loader import EntryError, load_folder, to_text
from portal.registry.models import Handover, Revision, System
from tests.factories import REGISTRY_CONTENT, email_of
from tests.helpers import assert_statuses, csrf_token, mails_to, post

CHATBOT = "chatbot-habitants"
SERVICE_MAIL = "relation.usagers@ville-suresnes.example"


def _mail_count(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMail)) or 0)


def _send(client: TestClient, **fields: str) -> Any:
    data = {"system": CHATBOT, "name": "Camille Martin", "email": "camille@exemple.fr",
            "body": "Bonjour, l'assistant ne comprend pas ma demande de carte de stationnement."}  # fmt: skip
    data.update(fields)
    return post(client, "/contact", data, form_page="/contact", follow_redirects=False)


def test_contact_page_lists_the_citys_channels_with_hours(
    client: TestClient, registry: list[str]
) -> None:
    """/contact shows the city's phone and desk with their hours, and a form with CSRF."""
    page = client.get("/contact")
    assert page.status_code == 200
    text = unescape(page.text)
    assert "Les moyens de joindre la mairie" in text
    assert "01 41 18 19 20" in text and 'href="tel:0141181920"' in page.text
    assert "du lundi au vendredi de 8 h 30 à 12 h" in text
    assert 'name="csrf_token"' in page.text
    assert "Aucun système en particulier" in text


def test_contact_about_a_system_shows_its_channels_and_preselects_it(
    client: TestClient, registry: list[str]
) -> None:
    """/contact?system=<slug> shows that system's channels and service and selects it."""
    page = client.get(f"/contact?system={CHATBOT}")
    assert page.status_code == 200
    text = unescape(page.text)
    assert "Joindre une personne au sujet de « Assistant conversationnel" in text
    assert "parler à un agent" in text  # the entry's opt-out
    assert "Direction de la relation usagers" in text
    assert f'<option value="{CHATBOT}" selected>' in page.text


def test_contact_about_an_unknown_system_is_a_french_404(
    client: TestClient, registry: list[str]
) -> None:
    """An address naming no published system is a 404 page in French, not an empty form."""
    page = client.get("/contact?system=inconnu")
    assert page.status_code == 404
    assert "Aucun système « inconnu »" in unescape(page.text)


def test_message_goes_to_the_owning_service_and_the_sender_gets_an_acknowledgment(
    client: TestClient, registry: list[str], engine: Engine
) -> None:
    """A sent message reaches the system's service mailbox (with Reply-To the sender and the
    entry's link), the sender gets an acknowledgment without the text, the page confirms."""
    response = _send(client)
    assert response.status_code == 303
    assert response.headers["location"] == f"/contact?system={CHATBOT}"
    to_service = mails_to(engine, SERVICE_MAIL)
    assert len(to_service) == 1
    mail = to_service[0]
    assert "Assistant conversationnel" in mail.subject
    assert "carte de stationnement" in mail.body and "Camille Martin" in mail.body
    assert f"http://testserver/registry/{CHATBOT}" in mail.body
    assert mail.headers["Reply-To"] == "camille@exemple.fr"
    ack = mails_to(engine, "camille@exemple.fr")
    assert len(ack) == 1
    assert "bien été reçu" in ack[0].subject
    assert "Direction de la relation usagers" in ack[0].body
    assert "carte de stationnement" not in ack[0].body
    assert "http://testserver/contact" in ack[0].body
    page = client.get(response.headers["location"])
    assert "Votre message est transmis à : Direction de la relation usagers" in unescape(page.text)


def test_message_about_a_system_without_a_service_mailbox_goes_to_its_owner(
    client: TestClient, registry: list[str], engine: Engine, owner_id: int
) -> None:
    """With no service e-mail in the entry, the message goes to the account owning the system."""
    slug = "comptes-rendus-reunions"
    with session_scope(engine) as session:
        system = session.scalar(select(System).where(System.slug == slug))
        assert system is not None and system.data is not None
        data = copy.deepcopy(system.data)
        del data["service"]["email"]
        system.data = data
    assert _send(client, system=slug).status_code == 303
    assert len(mails_to(engine, email_of(engine, owner_id))) == 1
    assert mails_to(engine, "dgs@ville-suresnes.example") == []


def test_message_without_a_system_goes_to_the_citys_contact_centre(
    client: TestClient, registry: list[str], engine: Engine
) -> None:
    """With no system chosen, the message goes to the address of content/registry/contact.yaml."""
    assert _send(client, system="").status_code == 303
    mails = mails_to(engine, SERVICE_MAIL)
    assert len(mails) == 1 and "sans système précis" in mails[0].subject


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": ""}, {"name": "Indiquez votre nom"}),
        ({"email": "pas-une-adresse"}, {"email": "Adresse électronique invalide"}),
        ({"email": "a@b.fr\r\nBcc: x@y.fr"}, {"email": "Adresse électronique invalide"}),
        ({"body": "court"}, {"body": "10 caractères au moins"}),
        ({"body": "x" * 4001}, {"body": "dépasse 4 000 caractères"}),
        ({"name": "n" * 101}, {"name": "dépasse 100 caractères"}),
        ({"system": "inconnu"}, {"system": "Choisissez un système"}),
        (
            {"name": "", "email": "", "body": ""},
            {"name": "Indiquez votre nom", "email": "Indiquez votre adresse", "body": "Écrivez"},
        ),
    ],
)
def test_bad_input_shows_each_error_beside_its_field_and_keeps_what_was_typed(
    client: TestClient, registry: list[str], engine: Engine, fields: dict[str, str],
    errors: dict[str, str],
) -> None:  # fmt: skip
    """Each problem is shown in French next to its field (aria-invalid), the other fields keep
    what was typed, and no mail is queued."""
    response = _send(client, **fields)
    assert response.status_code == 400
    html = unescape(response.text)
    for name, message in errors.items():
        block = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
        assert block and message in block.group(1), (name, html[:3000])
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"', html, re.S) or (
            re.search(rf'<select id="{name}"[^>]*aria-invalid="true"', html)
        )
    if "body" not in fields:
        assert "carte de stationnement" in html
    assert _mail_count(engine) == 0


def test_the_form_needs_its_csrf_token(client: TestClient, registry: list[str]) -> None:
    """A post without the form's token is refused and sends nothing."""
    client.get("/contact")
    response = client.post("/contact", data={"name": "A", "email": "a@b.fr", "body": "x" * 20})
    assert response.status_code == 403


def test_one_address_cannot_flood_with_acknowledgments(
    client: TestClient, registry: list[str], engine: Engine
) -> None:
    """Five messages an hour per sender address; the sixth gets 429 in French, no mail."""
    for _ in range(5):
        assert _send(client).status_code == 303
    before = _mail_count(engine)
    response = _send(client)
    assert response.status_code == 429
    assert "réessayez plus tard" in unescape(response.text)
    assert "carte de stationnement" in unescape(response.text)  # what was typed is kept
    assert _mail_count(engine) == before


def test_every_contact_link_of_every_entry_resolves(
    client: TestClient, registry: list[str], engine: Engine
) -> None:
    """Each channel's link of each published entry answers 200 (site paths), or is a tel:,
    mailto: or https: link; the chatbot's form link is the contact page about it."""
    checked = 0
    with session_scope(engine, write=False) as session:
        systems = services.all_published(session)
    for system in systems:
        for channel in (system.data or {})["human_contact"]["channels"]:
            url = channel.get("url")
            if not url:
                continue
            parts = urlsplit(url)
            if parts.scheme in ("tel", "mailto", "https"):
                continue
            assert not parts.scheme and url.startswith("/"), url
            assert client.get(url).status_code == 200, url
            checked += 1
        page = client.get(f"/registry/{system.slug}")
        hrefs = re.findall(r'href="(/contact[^"]*)"', page.text)
        assert f"/contact?system={system.slug}" in hrefs, system.slug
        for href in hrefs:
            assert client.get(unescape(href)).status_code == 200, href
            checked += 1
    assert checked >= len(systems) + 2
    chatbot = next(s for s in systems if s.slug == CHATBOT)
    urls = [c.get("url") for c in (chatbot.data or {})["human_contact"]["channels"]]
    assert f"/contact?system={CHATBOT}" in urls


def test_every_demo_entry_has_a_human_channel_with_hours() -> None:
    """Each file of content/registry/ names at least one way to reach a person with its hours."""
    for entry in load_folder(REGISTRY_CONTENT):
        channels = entry.data["human_contact"]["channels"]
        assert any(c.get("hours") and (c.get("phone") or c.get("desk") or c.get("url"))
                   for c in channels), entry.source  # fmt: skip


def test_a_folder_with_an_entry_without_hours_loads_nothing(tmp_path: Any) -> None:
    """`portal registry load` refuses a file whose channels give no hours, naming file and field."""
    for path in REGISTRY_CONTENT.glob("*.md"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    entry = load_folder(tmp_path)[0]
    data = copy.deepcopy(entry.data)
    for channel in data["human_contact"]["channels"]:
        channel.pop("hours", None)
    (tmp_path / entry.source).write_text(to_text(data), encoding="utf-8")
    with pytest.raises(EntryError) as caught:
        load_folder(tmp_path)
    assert caught.value.source == entry.source
    assert caught.value.field == "human_contact.channels"
    assert "horaires" in str(caught.value)


def test_a_draft_without_hours_cannot_be_published(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """A draft whose channels lose their hours is saved but the draft page says why it cannot be
    published, and publishing it is refused with nothing changed."""
    agent, official = login_as("agent"), login_as("official")
    with session_scope(engine, write=False) as session:
        system = session.scalar(select(System).where(System.slug == CHATBOT))
        assert system is not None and system.data is not None
        data = copy.deepcopy(system.data)
        published = system.published_revision
    for channel in data["human_contact"]["channels"]:
        channel.pop("hours", None)
    response = post(
        agent, f"/registry/{CHATBOT}/edit", {"text": to_text(data), "summary": "Sans horaires"},
        form_page=f"/registry/{CHATBOT}/edit", follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    draft = response.headers["location"]
    page = official.get(draft)
    assert "Publication impossible" in unescape(page.text)
    revision_id = int(draft.rsplit("/", 1)[1])
    refused = post(
        official, f"/registry/drafts/{revision_id}/publish", {"expected_revision": str(published)},
        form_page=draft, follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 400
    assert "horaires" in unescape(refused.text)
    with session_scope(engine, write=False) as session:
        system = session.scalar(select(System).where(System.slug == CHATBOT))
        revision = session.get(Revision, revision_id)
        assert system is not None and revision is not None
        assert system.published_revision == published and revision.status == "draft"


def test_publishing_without_a_human_channel_is_refused_by_the_service(
    registry: list[str], engine: Engine, make_user: Any
) -> None:
    """The rule holds below the web layer too: services.publish raises ValidationFailed."""
    official = make_user("official")
    with session_scope(engine) as session:
        system = session.scalar(select(System).where(System.slug == CHATBOT))
        assert system is not None and system.data is not None
        data = copy.deepcopy(system.data)
        data["human_contact"]["channels"] = [{"channel": "Quelqu'un", "hours": "toujours"}]
        revision = Revision(system_id=system.id, base_revision=system.published_revision,
                            data=data, summary="Aucun moyen réel")  # fmt: skip
        session.add(revision)
        session.flush()
        with pytest.raises(ValidationFailed):
            services.publish(session, revision_id=revision.id,
                             expected_revision=system.published_revision, actor_id=official)  # fmt: skip


# --- handover figures -------------------------------------------------------------------------


def _figures(client: TestClient, **fields: str) -> Any:
    data = {"month": "2026-09", "conversations": "1200", "handovers": "180",
            "median_minutes": "35"}  # fmt: skip
    data.update(fields)
    path = f"/registry/{CHATBOT}/handover"
    return post(client, path, data, form_page=path, follow_redirects=False)


@pytest.fixture
def owner(make_client: Any, engine: Engine, owner_id: int) -> TestClient:
    from tests.helpers import login

    client = make_client()
    login(client, email_of(engine, owner_id))
    return client


def test_owner_enters_monthly_figures_charted_against_the_commitment(
    owner: TestClient, client: TestClient, registry: list[str], engine: Engine
) -> None:
    """The owner's figures appear on the public entry as two SVG charts with text alternatives,
    a table, and the months beyond the charter's commitment named."""
    assert _figures(owner).status_code == 303
    assert (
        _figures(owner, month="2026-10", handovers="150", median_minutes="600").status_code == 303
    )
    page = client.get(f"/registry/{CHATBOT}")
    text = unescape(page.text)
    assert text.count('role="img"') >= 2
    assert "Conversations passées à un agent (%) : 2026-09 : 15, 2026-10 : 12,5" in text
    assert "Engagement de la charte : 480" in text
    assert "Au-delà de l'engagement : 2026-10." in text
    assert "Engagement non tenu :</strong> 2026-10." in text
    assert re.search(r"<td>2026-09</td><td>1[\u202f\xa0 ]?200</td><td>180</td><td>15 %</td>", text)
    assert "dans la journée" in text


def test_a_month_entered_again_is_corrected_not_duplicated(
    owner: TestClient, registry: list[str], engine: Engine
) -> None:
    """Entering the same month twice keeps one row with the new figures."""
    _figures(owner)
    _figures(owner, conversations="1300", median_minutes="")
    with session_scope(engine, write=False) as session:
        rows = list(session.scalars(select(Handover)))
    assert [(r.month, r.conversations, r.median_minutes) for r in rows] == [("2026-09", 1300, None)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"month": "09/2026"}, "month", "attendu AAAA-MM"),
        ({"month": "2026-13"}, "month", "attendu AAAA-MM"),
        ({"month": "2999-01"}, "month", "pas encore commencé"),
        ({"conversations": "beaucoup"}, "conversations", "nombre entier"),
        ({"conversations": ""}, "conversations", "obligatoire"),
        ({"handovers": "2000"}, "handovers", "Plus de passages"),
        ({"median_minutes": "vite"}, "median_minutes", "nombre de minutes"),
        ({"median_minutes": "-3"}, "median_minutes", "hors limites"),
    ],
)
def test_bad_figures_are_refused_beside_their_field(
    owner: TestClient, registry: list[str], engine: Engine, fields: dict[str, str], field: str,
    message: str,
) -> None:  # fmt: skip
    """Each bad value gets a French message next to its field; what was typed stays; nothing
    is stored."""
    response = _figures(owner, **fields)
    assert response.status_code == 400
    html = unescape(response.text)
    block = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert block and message in block.group(1), html[:2000]
    for value in fields.values():
        if value:
            assert f'value="{value}"' in html
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Handover)) == 0


def test_who_may_enter_figures(
    registry: list[str], make_client: Any, login_as: Any, owner: TestClient
) -> None:
    """The owner, officials and the admin open the figures form; another agent gets 403, a
    resident 403, a visitor is sent to sign in."""
    path = f"/registry/{CHATBOT}/handover"
    observed = {}
    for role in ("anonymous", "resident", "agent", "official", "admin", "owner"):
        if role == "owner":
            c = owner
        elif role == "anonymous":
            c = make_client()
        else:
            c = login_as(*([] if role == "resident" else [role]))
        observed[role] = c.get(path, follow_redirects=False).status_code
    assert_statuses(
        {"anonymous": 303, "resident": 403, "agent": 403, "official": 200, "admin": 200,
         "owner": 200},
        observed,
    )  # fmt: skip
    assert csrf_token(owner, path)
