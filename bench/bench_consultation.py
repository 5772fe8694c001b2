"""The consultation at scale: 20 clauses, 10,000 comments, 2,000 users.

The charter page and a clause page are timed for an anonymous visitor (who may get the 5-second
shared page cache) and for a signed-in resident (never cached: every request renders), against a
bare Starlette endpoint measured in the same run. Target: median < 50 ms and at least a third of
the bare endpoint's requests per second.
"""

from __future__ import annotations

import http.client
import random
import re
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.common import ROOT, machine, median_ms, serve, today, wrk
from portal.accounts.models import User, UserRole
from portal.accounts.passwords import hash_password
from portal.clock import utcnow
from portal.consultation.charter import services
from portal.consultation.charter.models import Clause
from portal.consultation.charter.source import load_charter
from portal.consultation.demo.loader import open_schedule
from portal.consultation.participation.models import ClauseStats, Comment, Support
from portal.consultation.participation.services import rerender_stale_html
from portal.db import make_engine, session_scope
from portal.migrate import upgrade
from portal.settings import Settings

USERS = 2000
COMMENTS = 10000
CLAUSES = 20
TARGET_MS = 50.0
TARGET_RATIO = 1 / 3
WORDS = [
    "agent",
    "numéro",
    "accueil",
    "données",
    "transparence",
    "robot",
    "délai",
    "registre",
    "habitants",
    "service",
    "public",
    "relecture",
    "contrôle",
    "évaluation",
    "formation",
    "sobriété",
    "égalité",
    "explication",
    "humain",
]


def populate(url: str, secret: str) -> str:
    """Fill the database; returns a signed-in resident's session cookie value."""
    from portal.accounts.services import start_session

    engine = make_engine(url)
    rng = random.Random(1)
    folder = ROOT / "content" / "charter"
    now = utcnow()
    pw = hash_password("bench-password-not-used")
    with session_scope(engine) as session:
        session.execute(
            insert(User),
            [{"email": f"u{i}@bench.invalid", "display_name": f"Habitant {i}", "password_hash": pw,
              "email_confirmed_at": now, "created_at": now, "is_active": True}
             for i in range(USERS)],
        )  # fmt: skip
        ids = list(session.scalars(select(User.id).order_by(User.id)))  # type: ignore[arg-type]
        session.execute(insert(UserRole), [{"user_id": i, "role": "resident"} for i in ids])
        official = ids[0]
        session.execute(insert(UserRole), [{"user_id": official, "role": "official"}])
        services.create_version(session, source=load_charter(folder / "v1"), number=1,
                                actor_id=official)  # fmt: skip
        services.publish_version(session, number=1, note="v1", actor_id=official, expected_lock=1)
        draft = services.create_version(
            session, source=load_charter(folder), number=2, actor_id=official
        )
        session.flush()
        view = services.view(session, draft)
        extra = CLAUSES - len(view.clauses)
        for n in range(extra):
            session.add(Clause(version_id=draft.id, number=len(view.clauses) + n + 1,
                               slug=f"article-bench-{n}", section_slug=view.sections[-1].slug,
                               title=f"Article supplémentaire {n + 1}",
                               body="Texte d'un article ajouté pour le banc d'essai."))  # fmt: skip
        session.flush()
        open_schedule(session, version_id=int(draft.id or 0))
        clause_ids = list(session.scalars(select(Clause.id).where(Clause.version_id == draft.id)))
        rows = []
        for n in range(COMMENTS):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 60))).capitalize()
            rows.append({"clause_id": rng.choice(clause_ids), "author_id": rng.choice(ids),
                         "body": body + ".", "created_at": now - timedelta(minutes=n),
                         "support_count": 0, "reply_count": 0, "report_count": 0})  # fmt: skip
        session.execute(insert(Comment), rows)
        # Inserted around the ORM: store their HTML as the services would have when written.
        rerender_stale_html(session, limit=len(rows))
        supports = {(rng.choice(ids), rng.choice(clause_ids)) for _ in range(8000)}
        session.execute(insert(Support), [
            {"user_id": u, "target_type": "clause", "target_id": c, "created_at": now}
            for u, c in supports
        ])  # fmt: skip
        counts: dict[int, list[int]] = {c: [0, 0] for c in clause_ids}
        for row in rows:
            counts[row["clause_id"]][0] += 1  # type: ignore[index]
        for _u, c in supports:
            counts[c][1] += 1
        session.execute(insert(ClauseStats), [
            {"clause_id": c, "comment_count": n, "support_count": s} for c, (n, s) in counts.items()
        ])  # fmt: skip
        settings = Settings(database_url=url, secret_key=secret)
        resident = session.get(User, ids[-1])
        assert resident is not None
        cookie = start_session(session, user=resident, settings=settings)
    engine.dispose()
    return cookie


def median_signed_in(url: str, cookie: str, *, n: int = 60, warmup: int = 10) -> float:
    parts = re.match(r"http://([^:/]+):(\d+)(.*)", url)
    assert parts
    conn = http.client.HTTPConnection(parts.group(1), int(parts.group(2)), timeout=30)
    times = []
    for i in range(n + warmup):
        start = time.perf_counter()
        conn.request("GET", parts.group(3), headers={"Cookie": f"portal_session={cookie}"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return statistics.median(times)


def main() -> str:
    secret = "b" * 40
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        cookie = populate(url, secret)
        env = {"PORTAL_DATABASE_URL": url, "PORTAL_DATA_DIR": tmp, "PORTAL_SECRET_KEY": secret}
        with serve("bench.bare:create") as bare:
            baseline = wrk(f"{bare}/")
        rows = []
        with serve("portal.app:app_from_env", env) as base:
            for path in ("/charter", "/charter/clauses/4"):
                anon = wrk(f"{base}{path}")
                rows.append((path, "anonymous", median_ms(f"{base}{path}"), anon))
            for path in ("/charter", "/charter/clauses/4"):
                median = median_signed_in(f"{base}{path}", cookie)
                rows.append((path, "signed in", median, None))
    lines = [
        "## Consultation: charter and clause pages at scale",
        "",
        f"{today()}, {machine()}; {CLAUSES} clauses, {COMMENTS:,} comments, {USERS:,} users, "
        "SQLite; wrk, 8 connections, 5 s, one uvicorn worker each. Anonymous visitors may be "
        "served from the 5-second shared page cache; signed-in residents never are.",
        "",
        "| page | visitor | median (1 visitor) | requests/s | ratio to bare Starlette | "
        "p99 under load | target met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| bare Starlette endpoint | – | – | {baseline.rps:,.0f} | 1.00 | "
        f"{baseline.p99_ms:.1f} ms | – |",
    ]
    for path, who, median, load in rows:
        if load is None:
            lines.append(
                f"| `{path}` | {who} | {median:.1f} ms | – | – | – | "
                f"{'yes' if median < TARGET_MS else 'NO'} (median) |"
            )
            continue
        ratio = load.rps / baseline.rps
        ok = median < TARGET_MS and ratio >= TARGET_RATIO
        lines.append(
            f"| `{path}` | {who} | {median:.1f} ms | {load.rps:,.0f} | {ratio:.2f} | "
            f"{load.p99_ms:.1f} ms | {'yes' if ok else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main())
