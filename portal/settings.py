"""Typed, frozen settings read once from the environment and passed in (never a global)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A setting is missing, malformed or unsafe for the chosen mode."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgresql://` spelling and use psycopg 3 for it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@dataclass(frozen=True)
class CityContact:
    """How to reach a person at the city: shown in every footer and in every 'not found' answer."""

    name: str = "Mairie de Suresnes"
    phone: str = "01 41 18 19 20"
    address: str = "2 rue Carnot, 92150 Suresnes"
    hours: str = (
        "du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h 30, le samedi de 9 h à 12 h"
    )
    email: str = "contact@ville-suresnes.example"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    base_url: str = "http://127.0.0.1:8000"
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "testserver")
    demo: bool = False
    language: str = "fr"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "Portail IA de Suresnes <ne-pas-repondre@ville-suresnes.example>"
    city: CityContact = field(default_factory=CityContact)
    run_scheduler: bool = False
    session_idle_minutes: int = 120
    session_absolute_hours: int = 24 * 7
    max_body_bytes: int = 20 * 1024 * 1024
    data_dir: Path = ROOT / "var"
    content_dir: Path = ROOT / "content"
    watch_dir: Path | None = None
    debug: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)


def _secret_key(environ: Mapping[str, str], data_dir: Path, demo: bool) -> str:
    key = environ.get("PORTAL_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise SettingsError("PORTAL_SECRET_KEY must be at least 32 characters long")
        return key
    # No key given: keep one generated on first run next to the data, never in the repository.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from environment variables (see README, 'Settings')."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("PORTAL_DATA_DIR") or ROOT / "var")
    demo = _bool(env.get("PORTAL_DEMO"))
    default_db = f"sqlite:///{data_dir / 'portal.sqlite3'}"
    database_url = normalise_database_url(env.get("PORTAL_DATABASE_URL") or default_db)
    base_url = (env.get("PORTAL_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    hosts_raw = env.get("PORTAL_ALLOWED_HOSTS")
    if hosts_raw:
        allowed_hosts = tuple(h.strip() for h in hosts_raw.split(",") if h.strip())
    else:
        allowed_hosts = ("127.0.0.1", "localhost", "testserver")
    language = env.get("PORTAL_LANGUAGE", "fr")
    if language not in {"fr", "en"}:
        raise SettingsError("PORTAL_LANGUAGE must be 'fr' or 'en'")
    city = CityContact(
        name=env.get("PORTAL_CITY_NAME", CityContact.name),
        phone=env.get("PORTAL_CITY_PHONE", CityContact.phone),
        address=env.get("PORTAL_CITY_ADDRESS", CityContact.address),
        hours=env.get("PORTAL_CITY_HOURS", CityContact.hours),
        email=env.get("PORTAL_CITY_EMAIL", CityContact.email),
    )
    watch = env.get("PORTAL_COUNCIL_WATCH_DIR")
    settings = Settings(
        database_url=database_url,
        secret_key=_secret_key(env, data_dir, demo),
        base_url=base_url,
        allowed_hosts=allowed_hosts,
        demo=demo,
        language=language,
        smtp_host=env.get("PORTAL_SMTP_HOST") or None,
        smtp_port=_int(env, "PORTAL_SMTP_PORT", 587),
        smtp_user=env.get("PORTAL_SMTP_USER") or None,
        smtp_password=env.get("PORTAL_SMTP_PASSWORD") or None,
        smtp_starttls=_bool(env.get("PORTAL_SMTP_STARTTLS"), True),
        mail_from=env.get("PORTAL_MAIL_FROM", Settings.mail_from),
        city=city,
        run_scheduler=_bool(env.get("PORTAL_RUN_SCHEDULER")),
        session_idle_minutes=_int(env, "PORTAL_SESSION_IDLE_MINUTES", 120),
        session_absolute_hours=_int(env, "PORTAL_SESSION_ABSOLUTE_HOURS", 24 * 7),
        max_body_bytes=_int(env, "PORTAL_MAX_BODY_BYTES", 20 * 1024 * 1024),
        data_dir=data_dir,
        content_dir=Path(env.get("PORTAL_CONTENT_DIR") or ROOT / "content"),
        watch_dir=Path(watch) if watch else None,
        debug=_bool(env.get("PORTAL_DEBUG")),
    )
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """Refuse unsafe combinations outside demo mode."""
    if settings.demo:
        return
    if settings.base_url.startswith("http://") and not any(
        host in settings.base_url for host in ("127.0.0.1", "localhost")
    ):
        raise SettingsError(
            "PORTAL_BASE_URL must use https:// outside demo mode (cookies would travel in clear)"
        )
