"""The register at scale: 500 entries, 5,000 published changes; list (search + filter) and entry pages
against a bare Starlette endpoint measured in the same run."""

from __future__ import annotations

import copy
import random
import re
import shutil
import subprocess
import tempfile
import urllib.request
from datetime import timedelta
from pathlib import Path

from bench.common import ROOT, _ms, machine, median_ms, serve, today, wrk
from portal.clock import utcnow
from portal.db import make_engine, session_scope
from portal.migrate import upgrade
from portal.registry import services
from portal.registry.loader import LoadedEntry, load_folder
from portal.registry.models import Change

ENTRIES = 500
CHANGES = 5000
ROUNDS = 3  # each page is measured three times beside the bare endpoint; the median round is kept
SERVICES = ["Direction de la relation usagers", "Direction des systèmes d'information",
            "Direction des ressources humaines", "Service des assemblées", "Direction de l'urbanisme",
            "Direction de l'éducation", "Police municipale", "Direction des finances"]  # fmt: skip
WORDS = ["stationnement", "voirie", "cantine", "crèche", "bibliothèque", "urbanisme", "permis", "subvention", "collecte", "déchets", "piscine", "tri", "courrier", "facture", "inscription", "signalement", "éclairage"]  # fmt: skip


def _fill(url: str) -> None:
    rng = random.Random(5)
    seeds = load_folder(ROOT / "content" / "registry")
    entries = []
    for i in range(ENTRIES):
        data = copy.deepcopy(seeds[i % len(seeds)].data)
        data["slug"] = f"{data['slug']}-{i:03d}"
        data["name"] = f"{data['name']} n° {i}"
        data["service"]["name"] = SERVICES[i % len(SERVICES)]
        data["status"] = ("study", "test", "deployed", "retired")[i % 4]
        data["description"] += "\n\n" + " ".join(rng.choices(WORDS, k=40))
        entries.append(LoadedEntry(f"{data['slug']}.md", data))
    engine = make_engine(url)
    with session_scope(engine) as session:
        services.import_entries(session, entries, owner_id=None)
    with session_scope(engine) as session:
        systems = services.all_published(session)
        per_system = CHANGES // len(systems) - 1  # the import is the first change of each
        for system in systems:
            for n in range(2, per_system + 2):
                session.add(Change(
                    system_id=system.id, number=n, summary=f"Mise à jour {n}",
                    published_at=utcnow() - timedelta(days=400 - n),
                    diff=[{"field": "summary", "old": f"Version {n - 1} " + system.name,
                           "new": f"Version {n} " + system.name}],
                ))  # fmt: skip
            system.published_revision = per_system + 1
    engine.dispose()


def _wrk_fresh(url: str, seconds: int = 5) -> tuple[float, float]:
    """wrk with a session cookie that matches no session: the anonymous micro-cache is bypassed,
    so each request renders the page (the cost for signed-in visitors and the first visitor)."""
    out = subprocess.run(
        ["wrk", "--latency", "-t1", "-c8", f"-d{seconds}s", "-H", "Cookie: portal_session=none", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out)
    # A run whose latency line is missing or "-nan" (too few samples) reports no p99.
    return rps, _ms(p99.group(1)) if p99 else float("nan")


def main() -> str:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        _fill(url)
        env = {"PORTAL_DATABASE_URL": url, "PORTAL_DATA_DIR": tmp, "PORTAL_SECRET_KEY": "b" * 40}
        pages = [
            ("list: search + filter", "/registry?q=chatbots&status=test"),
            ("list: all, first page", "/registry"),
            ("entry (10 changes in its history)", "/registry/chatbot-habitants-001"),
        ]
        rows = []
        # Both servers run side by side and each page is measured right after the bare endpoint:
        # on a shared machine the load drifts, and a ratio of neighbouring runs is the fair one.
        with serve("bench.bare:create") as bare, serve("portal.app:app_from_env", env) as base:
            with urllib.request.urlopen(f"{base}{pages[0][1]}") as response:
                found = re.search(r"(\d+) systèmes? trouvés?", response.read().decode())
            assert found, "the search found nothing"
            for label, path in pages:
                rounds = []
                for _ in range(ROUNDS):
                    baseline = wrk(f"{bare}/")
                    cached = wrk(f"{base}{path}")
                    fresh_rps, fresh_p99 = _wrk_fresh(f"{base}{path}")
                    rounds.append(
                        (cached.rps / baseline.rps, baseline.rps, cached.rps, fresh_rps, fresh_p99)
                    )
                _ratio, bare_rps, cached_rps, fresh_rps, fresh_p99 = sorted(rounds)[ROUNDS // 2]
                rows.append(
                    (
                        label,
                        path,
                        median_ms(f"{base}{path}"),
                        bare_rps,
                        cached_rps,
                        fresh_rps,
                        fresh_p99,
                    )
                )
    lines = [
        "## Registry: list and entry pages at scale",
        "",
        f"{today()}, {machine()}; {ENTRIES} entries, {CHANGES:,} published changes; wrk, 8 connections,",
        "5 s, one uvicorn worker each, SQLite. *Shared* is what anonymous visitors get (the 5-second",
        "anonymous micro-cache); *rendered* bypasses it (a cookie naming no session), as every signed-in",
        "visitor does. Each page is measured right after the bare endpoint, three rounds, median round",
        "kept. Target: at least a third of the bare endpoint's requests per second.",
        f"The search + filter page finds {found.group(1)} entries (20 shown per page).",
        "",
        "| page | median (1 visitor) | bare Starlette req/s (just before) | shared: req/s (ratio) "
        "| rendered: req/s (ratio) | rendered p99 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, path, median, bare_rps, cached_rps, fresh_rps, fresh_p99 in rows:
        lines.append(
            f"| {label} `{path}` | {median:.1f} ms | {bare_rps:,.0f} "
            f"| {cached_rps:,.0f} ({cached_rps / bare_rps:.2f}) "
            f"| {fresh_rps:,.0f} ({fresh_rps / bare_rps:.2f}) | {fresh_p99:.1f} ms |"
        )
    return "\n".join(lines) + "\n"
