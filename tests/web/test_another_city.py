"""Another city runs the portal without touching code: started with Montreuil's settings and its
own content/ on an empty database, it shows Montreuil's name and Suresnes nowhere: pages, API
documents, exports, feeds, mails.

No code names the demo's city but the demo's own settings and accounts (DEMO_NAMING below).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.app import create_app
from portal.settings import DEMO_CITY, CityContact, Settings, load_settings
from tests.factories import ROOT
from tests.helpers import SECRET, login, mails_to, post, t

CITY_ENV = {
    "PORTAL_CITY_NAME": "Hôtel de ville de Montreuil",
    "PORTAL_CITY_SHORT_NAME": "Montreuil",
    "PORTAL_CITY_OFFICIAL_NAME": "Ville de Montreuil",
    "PORTAL_CITY_ADDRESS": "1 place Jean-Jaurès, 93100 Montreuil",
    "PORTAL_CITY_PHONE": "01 48 70 60 00",
    "PORTAL_CITY_EMAIL": "contact@montreuil.example",
    "PORTAL_CITY_SIRET": "21930048000015",
    "PORTAL_CITY_COLOUR": "vert",
    "PORTAL_PUBLICATION_DIRECTOR": "la maire de Montreuil",
    "PORTAL_HOST_NAME": "Hébergeur de Montreuil",
    "PORTAL_DPO_EMAIL": "dpo@montreuil.example",
}
OLD = re.compile("suresnes", re.I)

# The only source files that may name the demo's city: its settings (DEMO_CITY), the demo
# accounts' address domain and password, and the common-password list (words people pick).
DEMO_NAMING = {
    "portal/settings.py",
    "portal/demo.py",
    "portal/app.py",
    "portal/consultation/demo/loader.py",
    "portal/accounts/passwords.py",
}


@pytest.fixture
def city_settings(db_url: str, tmp_path: Path) -> Settings:
    """Montreuil's settings (from the environment, as a deployment sets them) and its content/:
    the legal texts as shipped, its own contact channels."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "legal", content / "legal")
    (content / "registry").mkdir(parents=True)
    (content / "registry" / "contact.yaml").write_text(
        """service:
  name: "Relation usagers"
  email: "usagers@montreuil.example"
channels:
  - channel: "Téléphone"
    phone: "01 48 70 60 00"
    hours: "du lundi au vendredi de 9 h à 17 h"
handover_commitment:
  clause: contact-humain
  minutes: 480
  text: "Une personne joignable dans la journée."
""",
        encoding="utf-8",
    )
    env = {
        **CITY_ENV,
        "PORTAL_DATABASE_URL": db_url,
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_BASE_URL": "http://127.0.0.1:8000",
        "PORTAL_DATA_DIR": str(tmp_path / "var"),
        "PORTAL_CONTENT_DIR": str(content),
    }
    return load_settings(env)


@pytest.fixture
def city_client(city_settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(city_settings, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _public_paths(client: TestClient) -> list[str]:
    paths = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and "{" not in route.path and "GET" in (route.methods or ()):
            paths.append(route.path)
    return sorted(set(paths))


def _found(response: object) -> list[str]:
    text = t(response) + " " + " ".join(f"{k}: {v}" for k, v in response.headers.items())  # type: ignore[attr-defined]
    return [text[max(0, m.start() - 60) : m.end() + 20] for m in OLD.finditer(text)]


def test_code_defaults_name_no_city() -> None:
    """The settings' defaults name no city and carry none of the demo city's details; the
    demo's name Suresnes."""
    defaults = CityContact()
    assert not any(OLD.search(str(v)) for v in vars(defaults).values())
    # Nor the demo city's reception details under another name.
    demo_details = {DEMO_CITY.phone, DEMO_CITY.address, DEMO_CITY.hours, DEMO_CITY.email}
    assert not demo_details & {str(v) for v in vars(defaults).values()}
    assert not OLD.search(Settings(database_url="sqlite://", secret_key=SECRET).mail_from)
    demo = load_settings({"PORTAL_DEMO": "1", "PORTAL_SECRET_KEY": SECRET})
    assert demo.city.short_name == "Suresnes" and "Suresnes" in demo.mail_from


def test_another_city_shows_its_name_and_never_suresnes(
    city_client: TestClient, engine: Engine, make_user: object
) -> None:
    """Every page, API document, export and feed of an empty portal run as Montreuil names
    Montreuil and not Suresnes (but for the documented, still pending, occurrences)."""
    client = city_client
    paths = _public_paths(client)
    assert len(paths) > 20 and "/registry/export.json" in paths
    home = t(client.get("/"))
    assert "Portail IA de Montreuil" in home and "Ville de Montreuil" in home
    assert 'data-theme="vert"' in home and "01 48 70 60 00" in home
    assert "Ville de Montreuil" in t(client.get("/mentions-legales"))
    assert "la maire de Montreuil" in t(client.get("/mentions-legales"))
    assert "dpo@montreuil.example" in t(client.get("/donnees-personnelles"))
    assert client.get("/api/openapi.json").json()["info"]["title"].endswith("Montreuil")
    offenders = {}
    for path in paths:
        response = client.get(path, follow_redirects=False)
        found = _found(response)
        if found:
            offenders[path] = found
    # Signed in as an admin: the back-office pages too.
    admin = make_user("admin", email="admin@montreuil.example")  # type: ignore[operator]
    assert admin
    login(client, "admin@montreuil.example")
    for path in paths:
        found = _found(client.get(path, follow_redirects=False))
        if found:
            offenders[f"{path} (admin)"] = found
    assert offenders == {}


def test_another_citys_mail_names_it(city_client: TestClient, engine: Engine) -> None:
    """The sign-up mail comes from Montreuil's portal and never names Suresnes."""
    post(city_client, "/signup", {"email": "ines@exemple.fr", "display_name": "Inès",
                                  "password": "une phrase assez longue"})  # fmt: skip
    mails = mails_to(engine, "ines@exemple.fr")
    assert mails, "no confirmation mail"
    for mail in mails:
        whole = mail.subject + mail.body + mail.html + " ".join(mail.headers.values())
        assert not OLD.search(whole), whole
    settings = city_client.app.state.settings  # type: ignore[attr-defined]
    assert settings.mail_from == "Portail IA de Montreuil <ne-pas-repondre@montreuil.example>"


def test_no_code_names_the_demo_city() -> None:
    """Outside the demo's own settings and accounts, no code, template or schema of the portal
    names Suresnes: titles, exports, feeds and answers take the city from the settings."""
    naming = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "portal").rglob("*")
        if path.suffix in {".py", ".html", ".json", ".yaml", ".css", ".txt"}
        and OLD.search(path.read_text(encoding="utf-8"))
    }
    assert naming <= DEMO_NAMING, sorted(naming - DEMO_NAMING)


def test_a_city_without_reception_details_shows_no_empty_lines(
    settings: Settings, engine: Engine
) -> None:
    """A city that has not set its phone, address and hours yet gets no empty "Téléphone :" or
    "Appelez la mairie au ." line, in the footer, on an error page or in the council's answer."""
    bare = settings.with_(city=CityContact())
    with TestClient(create_app(bare, engine=engine), base_url="http://testserver") as client:
        home = t(client.get("/"))
        assert "Téléphone :" not in home and "Horaires :" not in home
        assert "Accueil : Mairie" in home
        missing = t(client.get("/nulle-part"))
        assert "Appelez la mairie au" not in missing
        answer = t(client.get("/council/ask?q=quand+rouvre+la+piscine"))
        assert "Téléphone :" not in answer
