"""Issue 19, findings 10 (PDF part), 12 and 9 (uploads): an upload is stored and queued by the
request, read by the worker outside any transaction in a process capped in time, memory, pages
and inflated size; every refusal is a clear French reason on the upload's status page; other
people's writes go on while a heavy file is read; fifty identical uploads at once are one."""

from __future__ import annotations

import io
import re
import threading
import time
import zlib
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portal.clock import utcnow
from portal.council import uploads
from portal.council.jobs import JOBS
from portal.council.models import Meeting, Upload
from portal.council.parse import MinutesError, parse_bytes
from portal.db import session_scope
from portal.scheduler import run_once
from portal.settings import Settings
from tests.helpers import PASSWORD, assert_statuses, csrf_token, run_concurrently, t

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "2024-11-14-sample.md"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
LINE = b"BT /F1 12 Tf 72 700 Td (Seance du conseil municipal du 3 mars 2025) Tj ET\n"


# --- hostile PDFs, built here from raw bytes (nothing big is committed) -------------------------


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF whose object n is objects[n - 1] (object 1 the catalog), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _stream(content: bytes) -> bytes:
    packed = zlib.compress(content, 9)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)


def _pages_pdf(contents: list[bytes]) -> bytes:
    """One page per content stream (each compressed), Helvetica as F1."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n), FONT]  # fmt: skip
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (4 + n + i)
        for i in range(n)
    ]
    objects += [_stream(content) for content in contents]
    return _pdf(objects)


def inflating_pdf(megabytes: int = 200) -> bytes:
    """One page whose content stream inflates to `megabytes` MB (blank space after one line):
    about 195 KB on disk for 200 MB."""
    return _pages_pdf([LINE + b" " * (megabytes * 1024 * 1024 - len(LINE))])


def deep_pdf(depth: int = 5000) -> bytes:
    """A page tree `depth` levels deep, one page at its bottom."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (number + 1, parent))
    page = 2 + depth
    objects.append(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d "
        b"0 R >> >> /Contents %d 0 R >>" % (page - 1, page + 2, page + 1)
    )
    objects += [_stream(LINE), FONT]
    return _pdf(objects)


def slow_pdf(pages: int = 2, lines: int = 20_000) -> bytes:
    """Small on disk (11 KB) but about 5 s of pypdf per page: tens of thousands of text
    operations, each page under pypdf's own limits."""
    return _pages_pdf([LINE * lines] * pages)


# --- helpers ---------------------------------------------------------------------------------


def _upload(client: Any, name: str, data: bytes, **kw: Any) -> Any:
    return client.post(
        "/council/upload",
        data={"csrf_token": csrf_token(client, "/council/upload")},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
        **kw,
    )


def _count(engine: Engine, model: Any) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _read(engine: Engine, settings: Settings) -> str:
    """What the worker's job does, now."""
    return uploads.read_queued(engine, settings)


# --- finding 10: hostile PDFs get the French refusal, not a 500 ----------------------------------


def test_hostile_pdfs_are_refused_with_a_reason() -> None:
    """A PDF inflating to 200 MB (195 KB on disk) and a page tree 5,000 levels deep are
    refused by the parser with a clear French reason (pypdf's LimitReachedError was a 500)."""
    bomb = inflating_pdf(200)
    assert len(bomb) < 250_000
    with pytest.raises(MinutesError, match="une fois décompressé, dépasse 64 Mo"):
        parse_bytes(bomb, "bombe.pdf")
    with pytest.raises(MinutesError, match="arborescence des pages du PDF est trop profonde"):
        parse_bytes(deep_pdf(5000), "profond.pdf")


def test_the_inflated_cap_counts_every_page() -> None:
    """Forty pages of 3 MB each pass pypdf's per-stream limit but not the cap on the whole."""
    pages = [LINE + b" " * (3 * 1024 * 1024)] * 40
    with pytest.raises(MinutesError, match="dépasse 64 Mo"):
        parse_bytes(_pages_pdf(pages), "gonfle.pdf")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bombe.pdf", inflating_pdf(200), "le contenu du PDF, une fois décompressé, dépasse 64 Mo"),
        ("profond.pdf", deep_pdf(5000), "l'arborescence des pages du PDF est trop profonde"),
    ],
)
def test_hostile_pdf_uploads_are_refused_on_the_status_page(
    name: str, data: bytes, reason: str, login_as: Any, engine: Engine, settings: Settings
) -> None:
    """Uploaded, each hostile PDF is queued (303), then refused by the worker with its reason
    on the status page; nothing of it is stored."""
    agent = login_as("agent")
    response = _upload(agent, name, data)
    assert response.status_code == 303
    status_page = response.headers["location"]
    assert re.fullmatch(r"/council/uploads/\d+", status_page)
    assert "en attente de lecture" in t(agent.get(status_page))
    assert _read(engine, settings) == "uploads read: done=0 refused=1"
    page = t(agent.get(status_page))
    assert f"Fichier refusé, rien n'a été enregistré. {name} : {reason}" in page
    assert _count(engine, Meeting) == 0
    with session_scope(engine, write=False) as session:
        assert session.scalars(select(Upload.data)).one() == b""  # the refused file is not kept


# --- finding 12: the request queues, the worker reads ------------------------------------------


def test_an_upload_is_queued_then_read_by_the_worker_job(
    login_as: Any, engine: Engine, settings: Settings, client: Any
) -> None:
    """The request stores the file and `queued` only; the declared job reads it; the status
    page then says the meeting was added and links to it."""
    agent = login_as("agent")
    response = _upload(agent, SAMPLE.name, SAMPLE.read_bytes())
    assert response.status_code == 303
    status_page = response.headers["location"]
    page = t(agent.get(status_page))
    assert "en attente de lecture" in page and "Actualiser l'état" in page
    assert _count(engine, Meeting) == 0
    assert client.get("/council/m/2024-11-14").status_code == 404
    job = next(j for j in JOBS if j.name == "council.read_uploads")
    assert job.every <= timedelta(seconds=10)
    assert run_once(engine, settings, job)
    page = t(agent.get(status_page))
    assert "Séance du 14/11/2024 ajoutée." in page and "Actualiser l'état" not in page
    assert 'href="/council/m/2024-11-14"' in agent.get(status_page).text
    assert client.get("/council/m/2024-11-14").status_code == 200
    listing = t(agent.get("/council/upload"))
    assert "Derniers envois" in listing and SAMPLE.name in listing and "enregistré" in listing


def test_the_status_fragment_polls_until_the_file_is_read(
    login_as: Any, engine: Engine, settings: Settings
) -> None:
    """htmx gets the status alone, with a poll every 2 s while waiting and none once read."""
    agent = login_as("agent")
    status_page = _upload(agent, SAMPLE.name, SAMPLE.read_bytes()).headers["location"]
    fragment = agent.get(status_page, headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div id="upload-status"')
    assert 'hx-trigger="every 2s"' in fragment and "<html" not in fragment
    _read(engine, settings)
    fragment = agent.get(status_page, headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment and "ajoutée" in fragment


def test_a_bad_file_is_refused_with_its_reason(
    login_as: Any, engine: Engine, settings: Settings
) -> None:
    """What the parser refuses is shown on the status page with the file's name and the reason;
    what can be told at once (format, empty file) is a 400 on the form; nothing is stored."""
    agent = login_as("agent")
    status_page = _upload(agent, "pv.md", b"pas de date").headers["location"]
    _read(engine, settings)
    assert "pv.md : la date de la séance n'a pas été trouvée" in t(agent.get(status_page))
    unsupported = _upload(agent, "pv.docx", b"PK\x03\x04")
    assert unsupported.status_code == 400
    assert "pv.docx : format non pris en charge (.docx)" in t(unsupported)
    empty = _upload(agent, "vide.pdf", b"  \n")
    assert empty.status_code == 400 and "vide.pdf : le fichier est vide" in t(empty)
    assert _count(engine, Meeting) == 0 and _count(engine, Upload) == 1


def test_parse_time_is_capped(login_as: Any, engine: Engine, settings: Settings) -> None:
    """A file that takes longer than PORTAL_COUNCIL_PARSE_SECONDS to read is stopped and
    refused with the reason; the worker goes on with the next upload."""
    capped = settings.with_(council_parse_seconds=1)
    agent = login_as("agent")
    slow = _upload(agent, "lent.pdf", slow_pdf()).headers["location"]
    good = _upload(agent, SAMPLE.name, SAMPLE.read_bytes()).headers["location"]
    started = time.monotonic()
    assert _read(engine, capped) == "uploads read: done=1 refused=1"
    assert time.monotonic() - started < 8
    assert "lent.pdf : la lecture a dépassé 1 secondes et a été arrêtée" in t(agent.get(slow))
    assert "ajoutée" in t(agent.get(good))


def test_parse_memory_is_capped(login_as: Any, engine: Engine, settings: Settings) -> None:
    """A file whose reading needs more memory than PORTAL_COUNCIL_PARSE_MEMORY_MB is refused
    with the reason (the reading process dies alone; the worker is untouched)."""
    capped = settings.with_(council_parse_memory_mb=300, council_max_inflated_mb=2000)
    agent = login_as("agent")
    status_page = _upload(agent, "vorace.pdf", inflating_pdf(600)).headers["location"]
    assert _read(engine, capped) == "uploads read: done=0 refused=1"
    assert "vorace.pdf : la lecture du fichier demande plus de 300 Mo de mémoire" in t(
        agent.get(status_page)
    )


def test_page_count_is_capped(login_as: Any, engine: Engine, settings: Settings) -> None:
    """More pages than PORTAL_COUNCIL_MAX_PAGES: refused, with the number."""
    agent = login_as("agent")
    status_page = _upload(agent, "long.pdf", _pages_pdf([LINE] * 6)).headers["location"]
    _read(engine, settings.with_(council_max_pages=5))
    assert "long.pdf : le PDF dépasse 5 pages" in t(agent.get(status_page))


def test_an_interrupted_reading_is_tried_again_then_refused(
    login_as: Any, engine: Engine, settings: Settings
) -> None:
    """A worker that stopped mid-reading leaves `parsing`: queued again once, then refused."""
    agent = login_as("agent")
    status_page = _upload(agent, SAMPLE.name, SAMPLE.read_bytes()).headers["location"]
    caps = uploads.caps_from(settings)
    later = utcnow() + timedelta(seconds=caps.seconds + 120)
    assert uploads.claim(engine) is not None  # the worker dies here
    assert "en cours de lecture" in t(agent.get(status_page))
    assert uploads.requeue_stale(engine, caps) == 0  # not stale yet
    assert uploads.requeue_stale(engine, caps, now=later) == 1
    assert "en attente de lecture" in t(agent.get(status_page))
    assert uploads.claim(engine) is not None  # and dies again
    assert uploads.requeue_stale(engine, caps, now=later) == 1
    assert "la lecture a été interrompue plusieurs fois" in t(agent.get(status_page))


def test_sending_a_file_again(login_as: Any, engine: Engine, settings: Settings) -> None:
    """The same file again is the same upload: still waiting, or already stored (nothing to
    read); a refused file, or an older version whose meeting was replaced, is read again."""
    agent = login_as("agent")
    first = _upload(agent, SAMPLE.name, SAMPLE.read_bytes()).headers["location"]
    assert _upload(agent, SAMPLE.name, SAMPLE.read_bytes()).headers["location"] == first
    _read(engine, settings)
    assert _upload(agent, SAMPLE.name, SAMPLE.read_bytes()).headers["location"] == first
    assert "ajoutée" in t(agent.get(first))
    corrected = SAMPLE.read_text().replace("Madame la Maire", "Mme la Maire", 1).encode()
    second = _upload(agent, "corrige.md", corrected).headers["location"]
    assert second != first
    _read(engine, settings)
    assert "remplacée par la version corrigée" in t(agent.get(second))
    again = _upload(agent, SAMPLE.name, SAMPLE.read_bytes())
    assert again.headers["location"] == first
    assert "en attente de lecture" in t(agent.get(first))
    _read(engine, settings)
    assert "remplacée par la version corrigée" in t(agent.get(first))
    bad = _upload(agent, "pv.md", b"pas de date").headers["location"]
    _read(engine, settings)
    assert "refusé" in t(agent.get(bad))
    assert _upload(agent, "pv.md", b"pas de date").headers["location"] == bad
    assert "en attente de lecture" in t(agent.get(bad))
    assert _count(engine, Upload) == 3


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 303), ("resident", 403), ("moderator", 403), ("official", 403),
     ("agent", 200), ("admin", 200)],
)  # fmt: skip
def test_who_sees_an_upload_status(role: str, status: int, login_as: Any, make_client: Any) -> None:
    """Only those who upload minutes see the uploads' statuses."""
    agent = login_as("agent")
    status_page = _upload(agent, SAMPLE.name, SAMPLE.read_bytes()).headers["location"]
    client = (
        make_client() if role == "anonymous" else login_as(*(() if role == "resident" else (role,)))
    )
    observed = client.get(status_page, follow_redirects=False).status_code
    assert_statuses({role: status}, {role: observed})  # anonymous: to the login page
    assert agent.get("/council/uploads/999999").status_code == 404


# --- finding 12: other people's writes go on while a heavy file is read --------------------------


def _signed_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.text[:300]
    return client


def test_writes_go_on_while_a_heavy_file_is_read(
    live_server: str, make_user: Any, engine: Engine, settings: Settings
) -> None:
    """The upload request answers at once; while the worker reads a file that takes seconds,
    another person signs in (a write) on the served app promptly, and the status page says
    `en cours de lecture`. Before, the file was parsed inside the request's write transaction:
    the request itself took as long as the parse, and on SQLite every other write waited."""
    make_user("agent", email="agent@exemple.fr")
    make_user(email="habitante@exemple.fr")
    agent = _signed_in(live_server, "agent@exemple.fr")
    token = re.search(r'name="csrf_token" value="([^"]+)"', agent.get("/council/upload").text)
    assert token
    started = time.monotonic()
    response = agent.post(
        "/council/upload",
        data={"csrf_token": token.group(1)},
        files={"file": ("lourd.pdf", slow_pdf(pages=2), "application/pdf")},
    )
    assert response.status_code == 303 and time.monotonic() - started < 3
    status_page = response.headers["location"]
    worker = threading.Thread(target=_read, args=(engine, settings.with_(council_parse_seconds=30)))
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while "en cours de lecture" not in agent.get(status_page).text:
            assert time.monotonic() < deadline, "the worker never started reading"
            time.sleep(0.1)
        started = time.monotonic()
        resident = _signed_in(live_server, "habitante@exemple.fr")  # a login writes a session
        elapsed = time.monotonic() - started
        assert elapsed < 2, f"a login took {elapsed:.1f} s during the reading"
        assert resident.get("/espace").status_code == 200
        assert "en cours de lecture" in agent.get(status_page).text  # still reading
    finally:
        worker.join(60)
    assert "la date de la séance n'a pas été trouvée" in t(agent.get(status_page))


# --- finding 9: fifty identical uploads at once ----------------------------------------------


def test_fifty_identical_uploads_at_once_are_one(
    live_server: str, make_user: Any, engine: Engine, settings: Settings
) -> None:
    """The same file sent 50 times at once: 50 redirects to one status page, one upload, one
    meeting once read, no server error."""
    make_user("agent", email="agent@exemple.fr")
    agent = _signed_in(live_server, "agent@exemple.fr")
    token = re.search(r'name="csrf_token" value="([^"]+)"', agent.get("/council/upload").text)
    assert token
    cookies = "; ".join(f"{k}={v}" for k, v in agent.cookies.items())
    data = SAMPLE.read_bytes()

    def send(_: int) -> tuple[int, str]:
        response = httpx.post(
            live_server + "/council/upload",
            data={"csrf_token": token.group(1)},
            files={"file": (SAMPLE.name, data, "text/markdown")},
            headers={"cookie": cookies},
            timeout=120,
        )
        return response.status_code, response.headers.get("location", response.text[:200])

    outcomes = run_concurrently(50, send, timeout=180)
    assert outcomes.errors == []
    assert Counter(status for status, _ in outcomes.results) == Counter({303: 50})
    assert len({location for _, location in outcomes.results}) == 1
    assert _count(engine, Upload) == 1
    assert _read(engine, settings) == "uploads read: done=1 refused=0"
    assert _count(engine, Meeting) == 1
