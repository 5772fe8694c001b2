"""Typed, frozen settings read once from the environment and passed in (never a global)."""

from __future__ import annotations

import ipaddress
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
    """The city running this portal: its identity (titles, publisher of open data, legal notices)
    and how to reach a person there (every footer, every 'not found' answer).

    The defaults name no city: a second city sets PORTAL_CITY_* (see README, 'Another city'); the
    demo (PORTAL_DEMO=1) starts from DEMO_CITY, Suresnes."""

    # The reception desk, as written in the footer: "Accueil : <name>, <address>".
    # Empty until the city sets them (PORTAL_CITY_PHONE, _ADDRESS, _HOURS): pages then leave the
    # line out rather than show another city's details.
    name: str = "Mairie"
    phone: str = ""
    address: str = ""
    hours: str = ""
    email: str = "contact@mairie.example"
    # "Portail IA de <short_name>"; the official name publishes the open data and the site.
    short_name: str = "la commune"
    official_name: str = "La commune"
    siret: str = ""
    website: str = ""
    # A logo under /static or an https:// address; empty: the header shows the name only.
    logo: str = ""
    # One of web.theme.PALETTE (each keeps 4.5:1 against white).
    colour: str = "bleu"
    # Legal notices and privacy notice.
    publication_director: str = "le maire"
    host: str = "l'hébergeur de la commune"
    host_address: str = ""
    dpo_email: str = "dpo@mairie.example"
    legal_updated: str = ""

    @property
    def publisher(self) -> str:
        return self.official_name


DEMO_CITY = CityContact(
    name="Mairie de Suresnes",
    phone="01 41 18 19 20",
    address="2 rue Carnot, 92150 Suresnes",
    hours=(
        "du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h 30, le samedi de 9 h à 12 h"
    ),
    email="contact@ville-suresnes.example",
    short_name="Suresnes",
    official_name="Ville de Suresnes",
    siret="21920073600014",
    website="https://www.suresnes.fr",
    publication_director="le maire de Suresnes",
    host="l'hébergeur de la démonstration (exemple)",
    host_address="adresse de l'hébergeur (exemple)",
    dpo_email="dpo@ville-suresnes.example",
)
CITY_ENV = {
    "name": "PORTAL_CITY_NAME",
    "phone": "PORTAL_CITY_PHONE",
    "address": "PORTAL_CITY_ADDRESS",
    "hours": "PORTAL_CITY_HOURS",
    "email": "PORTAL_CITY_EMAIL",
    "short_name": "PORTAL_CITY_SHORT_NAME",
    "official_name": "PORTAL_CITY_OFFICIAL_NAME",
    "siret": "PORTAL_CITY_SIRET",
    "website": "PORTAL_CITY_WEBSITE",
    "logo": "PORTAL_CITY_LOGO",
    "colour": "PORTAL_CITY_COLOUR",
    "publication_director": "PORTAL_PUBLICATION_DIRECTOR",
    "host": "PORTAL_HOST_NAME",
    "host_address": "PORTAL_HOST_ADDRESS",
    "dpo_email": "PORTAL_DPO_EMAIL",
    "legal_updated": "PORTAL_LEGAL_UPDATED",
}
CITY_COLOURS = ("bleu", "vert", "violet", "bordeaux", "ardoise")


def default_mail_from(city: CityContact) -> str:
    return f"Portail IA de {city.short_name} <ne-pas-repondre@{city.email.partition('@')[2]}>"


def load_city(environ: Mapping[str, str], *, demo: bool) -> CityContact:
    """The city's identity from PORTAL_CITY_* ; unset values come from the demo city in demo
    mode, from the neutral defaults otherwise."""
    base = DEMO_CITY if demo else CityContact()
    given = {attr: environ[var] for attr, var in CITY_ENV.items() if environ.get(var)}
    city = replace(base, **given)
    if city.colour not in CITY_COLOURS:
        raise SettingsError(f"PORTAL_CITY_COLOUR must be one of {', '.join(CITY_COLOURS)}")
    if city.siret and not (city.siret.isdigit() and len(city.siret) == 14):
        raise SettingsError("PORTAL_CITY_SIRET must be 14 digits")
    if city.logo and not (city.logo.startswith("/static/") or city.logo.startswith("https://")):
        raise SettingsError("PORTAL_CITY_LOGO must start with /static/ or https://")
    return city


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
    mail_from: str = "Portail IA <ne-pas-repondre@mairie.example>"
    city: CityContact = field(default_factory=CityContact)
    run_scheduler: bool = False
    session_idle_minutes: int = 120
    session_absolute_hours: int = 24 * 7
    max_body_bytes: int = 20 * 1024 * 1024
    # Threads of a web process for its CPU-bound pages (route(..., cpu_bound=True): the council's
    # search and questions): Python runs one thread at a time, and more threads on such pages
    # only contend; more web processes (--workers) scale instead. 0: on the event loop itself.
    # None: 0, the pages run on the event loop itself. On SQLite its statements are the
    # process's own work: a thread adds only the hop, whose cost was 30-40 % of a changing
    # search on the demo (2026-12-02: 194 / 171 req/s with 1 thread, 238 / 256 with none, p99
    # 87-117 -> 54-61 ms). PostgreSQL had 2 (one waits for the server while the other
    # computes: ten-year archive, search / ask, 105 / 164 req/s with 1, 111 / 212 with 2,
    # 82 / 197 with 40) until a search whose passages are kept made no statement at all
    # (council/fulltext.py STATE_SECONDS): then none gave 176-190 / 364-386 req/s against
    # 114-118 / 219-282 with 2 (two runs each, 2026-12-02 afternoon). Measured with wrk, a query
    # changing on every request; SQLite demo 421 req/s with 1 thread, 376 with 2, 324 with 40.
    cpu_bound_threads: int | None = None
    data_dir: Path = ROOT / "var"
    content_dir: Path = ROOT / "content"
    watch_dir: Path | None = None
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    # Caps on reading an uploaded minutes file (portal/council/uploads.py): what a PDF's pages
    # inflate to in all, its pages, and the time and memory of the process that reads it.
    council_max_inflated_mb: int = 64
    council_max_pages: int = 2000
    council_parse_seconds: int = 120
    council_parse_memory_mb: int = 1024
    debug: bool = False
    # Sign-in with FranceConnect / ProConnect (portal/accounts/oidc/): none unless configured.
    oidc_providers: tuple[OidcProvider, ...] = ()

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


def _proxies(raw: str | None) -> tuple[str, ...]:
    """PORTAL_TRUSTED_PROXIES: addresses or networks (CIDR) whose X-Forwarded-* headers are
    believed; "" trusts nobody; unset trusts the local machine (a proxy on the same host)."""
    if raw is None:
        return Settings.trusted_proxies
    entries = tuple(p.strip() for p in raw.split(",") if p.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise SettingsError(
                f"PORTAL_TRUSTED_PROXIES: {entry!r} is not an IP address or network (CIDR)"
            ) from exc
    return entries


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
    city = load_city(env, demo=demo)
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
        mail_from=env.get("PORTAL_MAIL_FROM") or default_mail_from(city),
        city=city,
        run_scheduler=_bool(env.get("PORTAL_RUN_SCHEDULER")),
        session_idle_minutes=_int(env, "PORTAL_SESSION_IDLE_MINUTES", 120),
        session_absolute_hours=_int(env, "PORTAL_SESSION_ABSOLUTE_HOURS", 24 * 7),
        max_body_bytes=_int(env, "PORTAL_MAX_BODY_BYTES", 20 * 1024 * 1024),
        cpu_bound_threads=(
            max(0, _int(env, "PORTAL_CPU_BOUND_THREADS", 1))
            if env.get("PORTAL_CPU_BOUND_THREADS")
            else None
        ),
        data_dir=data_dir,
        content_dir=Path(env.get("PORTAL_CONTENT_DIR") or ROOT / "content"),
        watch_dir=Path(watch) if watch else None,
        trusted_proxies=_proxies(env.get("PORTAL_TRUSTED_PROXIES")),
        council_max_inflated_mb=_int(env, "PORTAL_COUNCIL_MAX_INFLATED_MB", 64),
        council_max_pages=_int(env, "PORTAL_COUNCIL_MAX_PAGES", 2000),
        council_parse_seconds=_int(env, "PORTAL_COUNCIL_PARSE_SECONDS", 120),
        council_parse_memory_mb=_int(env, "PORTAL_COUNCIL_PARSE_MEMORY_MB", 1024),
        debug=_bool(env.get("PORTAL_DEBUG")),
        oidc_providers=load_oidc_providers(env),
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


# --- sign-in with FranceConnect (residents) and ProConnect (agents) ---------------------------

OIDC_PROVIDER_NAMES = ("franceconnect", "proconnect")
# FranceConnect and ProConnect name one scope per claim (their partner documentation).
OIDC_DEFAULT_SCOPES = {
    "franceconnect": "openid given_name family_name email",
    "proconnect": "openid given_name usual_name email uid siret",
}


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect provider the portal signs people in with (authorization-code flow).

    Configured by PORTAL_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET (all three, or none: then the
    provider is off and its button hidden), and optionally _SCOPES, _ACR_VALUES, _DISCOVERY_URL,
    _EMAIL_VERIFIED (the provider vouches for every address it sends, without the claim) and,
    for ProConnect, PORTAL_PROCONNECT_ALLOWED_SIRETS (the organisations whose people are agents).
    """

    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    acr_values: str = ""
    discovery_url: str = ""
    allowed_sirets: frozenset[str] = frozenset()
    email_verified_by_provider: bool = False
    timeout_seconds: float = 10.0

    @property
    def metadata_url(self) -> str:
        return self.discovery_url or (self.issuer.rstrip("/") + "/.well-known/openid-configuration")


def load_oidc_providers(environ: Mapping[str, str]) -> tuple[OidcProvider, ...]:
    providers = []
    for name in OIDC_PROVIDER_NAMES:
        prefix = f"PORTAL_{name.upper()}_"
        required = {key: (environ.get(prefix + key) or "").strip() for key in
                    ("ISSUER", "CLIENT_ID", "CLIENT_SECRET")}  # fmt: skip
        if not any(required.values()):
            continue
        absent = [prefix + key for key, value in required.items() if not value]
        if absent:
            raise SettingsError(f"{name} sign-in is half configured: set {', '.join(absent)}")
        issuer = required["ISSUER"]
        if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise SettingsError(f"{prefix}ISSUER must be an https:// address")
        scopes = tuple((environ.get(prefix + "SCOPES") or OIDC_DEFAULT_SCOPES[name]).split())
        if "openid" not in scopes:
            raise SettingsError(f"{prefix}SCOPES must include openid")
        sirets = frozenset(
            s.strip()
            for s in (environ.get(prefix + "ALLOWED_SIRETS") or "").split(",")
            if s.strip()
        )
        if any(not (s.isdigit() and len(s) == 14) for s in sirets):
            raise SettingsError(f"{prefix}ALLOWED_SIRETS must be 14-digit SIRET numbers")
        providers.append(
            OidcProvider(
                name=name,
                issuer=issuer,
                client_id=required["CLIENT_ID"],
                client_secret=required["CLIENT_SECRET"],
                scopes=scopes,
                acr_values=(environ.get(prefix + "ACR_VALUES") or "").strip(),
                discovery_url=(environ.get(prefix + "DISCOVERY_URL") or "").strip(),
                allowed_sirets=sirets,
                email_verified_by_provider=_bool(environ.get(prefix + "EMAIL_VERIFIED")),
            )
        )
    return tuple(providers)
