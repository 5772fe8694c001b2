"""Minutes an older reader read are read again from their source with today's reader
(parse.READER_VERSION): by `portal council reread`, by the council.reread job, and by sending the
same file again. Unchanged passages keep their row and permanent link; a date that is another
meeting's leaves the minutes as they are; a second run changes nothing."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from portal.clock import utcnow
from portal.core_models import AuditEvent, JobRun
from portal.council import jobs, parse, reread, services, uploads
from portal.council.ingest import index_entities
from portal.council.models import Entity, Item, Meeting, Passage, Question
from portal.council.parse import ParsedMinutes, parse_bytes
from portal.db import session_scope
from portal.scheduler import run_once
from portal.settings import Settings
from tests.helpers import csrf_token, t

ROOT = Path(__file__).resolve().parents[2]
# Markdown minutes of another hand, without a front matter: the date in words, deliberations under
# '#### Délibération n° 24/011 — …' headings, votes in Markdown tables.
SOURCE = Path(__file__).with_name("eval3") / "minutes" / "2024-03-12.md"
DEMO = ROOT / "content" / "council" / "2024-02-08.md"  # with a front matter
DEMO_DAY = date(2024, 2, 8)
TODAY = parse.READER_VERSION
OLD_DATE, NEW_DATE = date(2023, 12, 19), date(2024, 3, 12)
DATE_LINE = "Séance ordinaire du mardi douze mars deux mille vingt-quatre"
AGENDA_LINE = "1. Approbation du compte rendu de la séance du 19 décembre 2023"
# A paragraph both readers read alike.
KEPT_TEXT = next(
    p.text
    for p in parse_bytes(SOURCE.read_bytes(), SOURCE.name).passages
    if p.text.startswith("Les pluies des 23 et 24 janvier ont inondé les vestiaires")
)


def as_the_older_reader_read(parsed: ParsedMinutes) -> ParsedMinutes:
    """What a reader without dates in words, other hands' Markdown headings and vote tables made
    of SOURCE: the first date in figures of its preamble (the agenda's 'séance du 19 décembre
    2023', taken for the title), the date line in words as a paragraph, no deliberation at all
    (their headings were paragraphs, as written), no vote."""
    passages = []
    for passage in parsed.passages:
        if passage.text == AGENDA_LINE:
            continue  # taken for the meeting's title
        text, kind = passage.text, passage.kind
        if kind == "heading" and text.startswith("Délibération n°"):
            text, kind = f"#### {text}", "paragraph"
        elif kind in ("vote", "decision"):
            kind = "paragraph"
        passages.append(replace(passage, text=text, kind=kind, item_index=None))
        if passage.index == 0:
            passages.append(replace(passage, text=DATE_LINE, kind="paragraph"))
    return replace(
        parsed,
        meeting_date=OLD_DATE,
        title=AGENDA_LINE,
        items=[],
        passages=[replace(p, index=i) for i, p in enumerate(passages)],
    )


def without_items(parsed: ParsedMinutes) -> ParsedMinutes:
    """An older reading of a file whose date was read right: no deliberation, one passage cut
    differently (its first sentence alone)."""
    passages = []
    for passage in parsed.passages:
        passages.append(replace(passage, item_index=None))
    first = next(p for p in passages if p.kind == "paragraph" and ". " in p.text)
    cut = first.text.split(". ")[0] + "."
    passages[first.index] = replace(first, text=cut)
    return replace(parsed, items=[], passages=passages)


def store_old(
    engine: Engine,
    path: Path,
    older: Any = as_the_older_reader_read,
    *,
    data: bytes | None = None,
) -> None:
    """Store `path` as the reader before today's stored it (its reading and its version)."""
    source = path.read_bytes()
    parsed = older(parse_bytes(source, path.name))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "READER_VERSION", TODAY - 1)
        with session_scope(engine) as session:
            services.ingest(
                session, parsed=parsed, filename=path.name, data=data or source, actor_id=None
            )


def store_other_meeting(engine: Engine, folder: Path) -> None:
    """Another meeting's minutes at NEW_DATE (the date today's reader reads in SOURCE)."""
    other = folder / "autre.md"
    other.write_text(
        f"---\ndate: {NEW_DATE}\n---\n# Séance du conseil municipal du 12 mars 2024\n\n"
        "Le Conseil entend le rapport annuel du délégataire du marché forain.\n",
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        services.ingest(
            session, parsed=parse_bytes(other.read_bytes(), other.name), filename=other.name,
            data=other.read_bytes(), actor_id=None,
        )  # fmt: skip


def rows(engine: Engine, day: date) -> dict[str, tuple[Any, ...]]:
    """{text: (id, anchor, nlp_done, lemmas, entities)} of a meeting's passages, in order."""
    with session_scope(engine, write=False) as session:
        meeting = services.meeting_by_date(session, day)
        entities: dict[int, list[tuple[str, str]]] = {}
        for passage_id, kind, value in session.execute(
            select(Entity.passage_id, Entity.kind, Entity.value).where(
                Entity.meeting_id == meeting.id
            )
        ):
            entities.setdefault(passage_id, []).append((kind, value))
        found: dict[str, tuple[Any, ...]] = {}
        for p in session.scalars(
            select(Passage).where(Passage.meeting_id == meeting.id).order_by(Passage.position)
        ):
            key = p.text
            while key in found:  # the same text again ('---'): its second row, third...
                key += " (again)"
            found[key] = (p.id, p.anchor, p.nlp_done, p.lemmas, sorted(entities.get(p.id or 0, [])))
        return found


def meeting_row(engine: Engine, day: date) -> Meeting:
    with session_scope(engine, write=False) as session:
        meeting = services.meeting_by_date(session, day)
        session.expunge(meeting)
        return meeting


def shown_at(client: Any, day: date, anchor: int) -> str:
    """The text of the paragraph its permanent link leads to, through HTTP."""
    link = client.get(f"/council/m/{day}/p/{anchor}", follow_redirects=False)
    assert link.status_code == 303, link.status_code
    target = link.headers["location"]
    assert target.endswith(f"#p{anchor}")
    page = client.get(target.split("#")[0]).text
    found = re.search(rf'<(?:p|h2) id="p{anchor}"[^>]*>(.*?) ?(?:<span|<a )', page, re.S)
    assert found, target
    return html.unescape(found.group(1).strip())


def agenda(client: Any, day: date) -> list[str]:
    """The meeting page's agenda ('Ordre du jour': its deliberations, with their votes)."""
    page = client.get(f"/council/m/{day}").text
    if 'id="toc-title"' not in page:
        return []
    box = page.split('id="toc-title"', 1)[1].split("</nav>", 1)[0]
    return [
        re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", li))).strip()
        for li in re.findall(r"<li>(.*?)</li>", box, re.S)
    ]


def plain(response: Any) -> str:
    """The page's text as read, without markup (a search marks the words it found)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", t(response)))


def unread_is_right(engine: Engine) -> None:
    with session_scope(engine, write=False) as session:
        for meeting_id, unread in session.execute(select(Meeting.id, Meeting.unread)):
            actual = session.scalar(
                select(func.count())
                .select_from(Passage)
                .where(Passage.meeting_id == meeting_id, Passage.nlp_done.is_(False))  # type: ignore[attr-defined]
            )
            assert unread == actual, (meeting_id, unread, actual)


def themes(client: Any) -> list[str]:
    page = client.get("/council/search?q=conseil").text
    select_box = page.split('<select id="theme"', 1)[1].split("</select>", 1)[0]
    return [v for v in re.findall(r'<option value="([^"]*)"', select_box) if v]


def audit_count(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


# --- the re-read itself ----------------------------------------------------------------------


def test_minutes_read_by_an_older_reader_are_read_again(
    engine: Engine, client: Any, app: Starlette
) -> None:
    """Date, title and deliberations are those of today's reader; unchanged passages keep their
    row (id, anchor, lemmas, entities) and their link shows the same text; changed and new ones
    get new anchors; removed ones' links give the 'no such paragraph' 404; the search index and
    its caches follow on both databases; the unread counts stay right."""
    store_old(engine, SOURCE)
    assert client.get(f"/council/m/{OLD_DATE}").status_code == 200
    assert agenda(client, OLD_DATE) == []
    assert index_entities(engine) > 0  # spaCy read the old passages: lemmas, entities
    before = rows(engine, OLD_DATE)
    old_meeting = meeting_row(engine, OLD_DATE)
    assert old_meeting.reader_version == TODAY - 1
    _, kept_anchor, done, lemmas, entities = before[KEPT_TEXT]
    assert done and (lemmas or entities)
    removed_anchor = before[DATE_LINE][1]
    changed = "#### Délibération n° 24/012 — Taux des taxes directes locales pour 2024"
    assert shown_at(client, OLD_DATE, kept_anchor) == KEPT_TEXT
    assert themes(client) == []  # no deliberation, no subject: read and kept by the search
    assert DATE_LINE in plain(client.get("/council/search?q=ordinaire"))

    summary = reread.reread_outdated(engine)
    app.state.page_cache.clear()  # a worker's write shows on the shared pages within 5 s

    assert summary.line() == "1 meeting read again, 0 unchanged, 0 left"
    [done_] = summary.done
    assert (done_.before, done_.meeting_date) == (OLD_DATE, NEW_DATE)
    # The links under the old date lead to the new one, permanently (301), query string kept:
    # the meeting, a kept passage's permanent link, the source file.
    for old_link, new_link in (
        (f"/council/m/{OLD_DATE}?page=1", f"/council/m/{NEW_DATE}?page=1"),
        (f"/council/m/{OLD_DATE}/p/{kept_anchor}", f"/council/m/{NEW_DATE}/p/{kept_anchor}"),
        (f"/council/m/{OLD_DATE}/source", f"/council/m/{NEW_DATE}/source"),
    ):
        moved = client.get(old_link, follow_redirects=False)
        assert (moved.status_code, moved.headers["location"]) == (301, new_link)
    # A query the site would not redirect to (over-long) is left out, never sent to "/".
    moved = client.get(f"/council/m/{OLD_DATE}?x={'a' * 3000}", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (301, f"/council/m/{NEW_DATE}")
    assert f"<h1>{DATE_LINE}</h1>" in t(client.get(f"/council/m/{NEW_DATE}"))  # the title now
    assert any(
        entry.startswith(
            "Délibération n° 24/012 : Taux des taxes directes locales pour 2024 adoptée à "
            "l'unanimité — pour 28, contre 0, abstentions 0"
        )
        for entry in agenda(client, NEW_DATE)
    )
    today = parse_bytes(SOURCE.read_bytes(), SOURCE.name)
    with session_scope(engine, write=False) as session:
        items = list(session.scalars(select(Item).order_by(Item.position)))
    assert [(i.number, i.title) for i in items] == [(i.number, i.title) for i in today.items]
    voted = next(i for i in items if i.number == "24/012")
    assert voted.unanimous and voted.adopted and voted.vote_voters == 28
    after = rows(engine, NEW_DATE)
    assert [re.sub(r"( \(again\))+$", "", k) for k in after] == [p.text for p in today.passages]
    # Unchanged: same row, anchor, lemmas and entities, same text at its link.
    assert after[KEPT_TEXT] == before[KEPT_TEXT]
    assert shown_at(client, NEW_DATE, kept_anchor) == KEPT_TEXT
    for text_, row in after.items():
        if text_ in before:
            assert row == before[text_]
    # Changed and new passages: new anchors, after every old one; unread by spaCy.
    new_anchor = after[changed.removeprefix("#### ")][1]
    added = after[AGENDA_LINE][1]
    assert min(new_anchor, added) >= old_meeting.next_anchor
    assert shown_at(client, NEW_DATE, added) == AGENDA_LINE
    assert not after[AGENDA_LINE][2]
    assert set(r[1] for r in after.values()) <= set(r[1] for r in before.values()) | set(
        range(old_meeting.next_anchor, meeting_row(engine, NEW_DATE).next_anchor)
    )
    # Removed passages: their anchors lead to the minutes' 404, never to another text.
    for anchor in (removed_anchor, before[changed][1]):
        gone = client.get(f"/council/m/{NEW_DATE}/p/{anchor}", follow_redirects=False)
        assert gone.status_code == 404
        assert "Ce paragraphe n'existe pas dans le procès-verbal de cette séance." in t(gone)
    # The index: the removed date line is no longer found, the new agenda line is, at its link.
    assert DATE_LINE not in plain(client.get("/council/search?q=ordinaire"))
    found = client.get("/council/search?q=approbation+compte+rendu+décembre").text
    assert f"/council/m/{NEW_DATE}/p/{added}" in found
    # The search's per-process caches were keyed on the index's state: the subjects show.
    with session_scope(engine, write=False) as session:
        stored_topics = sorted({i.topic for i in session.scalars(select(Item)) if i.topic})
    assert stored_topics and themes(client) == stored_topics
    unread_is_right(engine)
    meeting = meeting_row(engine, NEW_DATE)
    assert meeting.reader_version == meeting.reader_tried == TODAY
    assert meeting.unread == sum(not r[2] for r in after.values()) > 0
    with session_scope(engine, write=False) as session:
        entry = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "council.minutes.reread")
        )
        assert entry is not None and entry.object_id == NEW_DATE.isoformat()
    # spaCy then reads the new passages; the counts follow.
    assert index_entities(engine) == meeting.unread
    unread_is_right(engine)


def test_a_second_run_changes_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once read again, nothing is left to read; a newer reader that reads the same minutes
    the same way records its version and writes nothing else."""
    store_old(engine, SOURCE)
    assert reread.reread_outdated(engine).line() == "1 meeting read again, 0 unchanged, 0 left"
    first = rows(engine, NEW_DATE)
    audited = audit_count(engine)
    assert reread.reread_outdated(engine).line() == "0 meetings read again, 0 unchanged, 0 left"
    monkeypatch.setattr(parse, "READER_VERSION", TODAY + 1)
    assert reread.reread_outdated(engine).line() == "0 meetings read again, 1 unchanged, 0 left"
    assert rows(engine, NEW_DATE) == first and audit_count(engine) == audited
    assert meeting_row(engine, NEW_DATE).reader_version == TODAY + 1
    assert reread.reread_outdated(engine).line() == "0 meetings read again, 0 unchanged, 0 left"


def test_a_date_of_another_meeting_leaves_both_as_they_are(
    engine: Engine, client: Any, tmp_path: Path
) -> None:
    """When today's reader reads the date of another stored meeting, nothing is changed or
    lost: both meetings keep their passages and links, the reason is given, and the job does
    not try again until the reader changes (the command does)."""
    store_other_meeting(engine, tmp_path)
    store_old(engine, SOURCE)
    question = Question(
        text="Les vestiaires ?", dedup_key="q" * 64, status="answered", answer="Voir ce passage.",
        cited_meeting=OLD_DATE, cited_anchor=rows(engine, OLD_DATE)[KEPT_TEXT][1],
    )  # fmt: skip
    with session_scope(engine) as session:
        session.add(question)
    before = (rows(engine, OLD_DATE), rows(engine, NEW_DATE))
    old_page, other_page = (t(client.get(f"/council/m/{d}")) for d in (OLD_DATE, NEW_DATE))

    summary = reread.reread_outdated(engine)

    assert summary.line() == (
        "0 meetings read again, 0 unchanged, 1 left (2023-12-19: la date lue aujourd'hui, le "
        "12/03/2024, est celle d'une autre séance enregistrée ; la séance reste au 19/12/2023, "
        "à vérifier)"
    )
    assert (rows(engine, OLD_DATE), rows(engine, NEW_DATE)) == before
    assert t(client.get(f"/council/m/{OLD_DATE}")) == old_page
    assert t(client.get(f"/council/m/{NEW_DATE}")) == other_page
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(Question.cited_meeting)) == OLD_DATE
        assert session.scalar(select(func.count()).select_from(Item)) == 0
    left = meeting_row(engine, OLD_DATE)
    assert (left.reader_version, left.reader_tried) == (TODAY - 1, TODAY)
    assert reread.outdated(engine, retry_left=False) == []
    assert reread.outdated(engine, retry_left=True) == [left.id]
    unread_is_right(engine)


def test_a_date_change_carries_the_answers_citing_the_meeting(engine: Engine) -> None:
    """An answered question citing a passage of a meeting whose date is read again still
    cites it (its date follows, its anchor is kept)."""
    store_old(engine, SOURCE)
    anchor = rows(engine, OLD_DATE)[KEPT_TEXT][1]
    with session_scope(engine) as session:
        session.add(Question(text="Les vestiaires ?", dedup_key="v" * 64, status="answered",
                             answer="Voir ce passage.", cited_meeting=OLD_DATE,
                             cited_anchor=anchor))  # fmt: skip
    reread.reread_outdated(engine)
    with session_scope(engine, write=False) as session:
        assert session.execute(select(Question.cited_meeting, Question.cited_anchor)).one() == (
            NEW_DATE,
            anchor,
        )
    assert rows(engine, NEW_DATE)[KEPT_TEXT][1] == anchor


# --- the command, the job, sending the file again ----------------------------------------------


def test_the_reread_command(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """`portal council reread`: progress on stderr, one summary line on stdout, exit status 1
    when some minutes were left (here a source today's reader refuses); a second run reads
    nothing again and leaves the same."""
    store_old(engine, SOURCE)
    store_old(engine, DEMO, lambda parsed: parsed)  # read the same way by today's reader
    unreadable = tmp_path / "2024-06-27.md"
    unreadable.write_bytes((ROOT / "content" / "council" / unreadable.name).read_bytes())
    store_old(engine, unreadable, lambda parsed: parsed, data=b"Texte sans date ni en-tete")
    env = {**os.environ, "PORTAL_DATABASE_URL": db_url, "PORTAL_DATA_DIR": str(tmp_path),
           "PORTAL_SECRET_KEY": "x" * 40}  # fmt: skip
    command = [sys.executable, "-m", "portal.cli", "council", "reread", "--no-index"]

    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

    # (its date now comes from the file's name, 2024-06-27.md: no text of minutes is left)
    reason = "la source ne se lit plus : aucun texte de procès-verbal n'a été trouvé"
    assert out.stdout == f"1 meeting read again, 1 unchanged, 1 left (2024-06-27: {reason})\n"
    assert out.returncode == 1
    assert (
        "WARNING portal.council: council: minutes of 2024-06-27 not read again: " + reason
    ) in out.stderr.splitlines()  # logged as well
    lines = [line for line in out.stderr.splitlines() if line.startswith("[")]
    assert lines[0].startswith(f"[1/3] {NEW_DATE} (was {OLD_DATE}): reread (")
    assert re.search(r"\d+ passages kept, \d+ new, \d+ removed\)$", lines[0])
    assert lines[1:] == ["[2/3] 2024-02-08: unchanged", f"[3/3] 2024-06-27: left ({reason})"]
    assert meeting_row(engine, date(2024, 6, 27)).reader_version == TODAY - 1

    again = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert again.stdout == f"0 meetings read again, 0 unchanged, 1 left (2024-06-27: {reason})\n"
    assert [line for line in again.stderr.splitlines() if line.startswith("[")] == [
        f"[1/1] 2024-06-27: left ({reason})"
    ]
    help_ = subprocess.run([*command[:-1], "--help"], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=60)  # fmt: skip
    assert "READER_VERSION" in help_.stdout and "N meetings read again" in help_.stdout


def test_the_job_reads_a_few_meetings_at_a_time(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch, client: Any
) -> None:
    """council.reread, run by the worker, reads outdated minutes again a few per run (each in a
    capped process), and then finds nothing to do."""
    job = next(j for j in jobs.JOBS if j.name == "council.reread")
    monkeypatch.setattr(jobs, "REREAD_PER_RUN", 1)
    store_old(engine, SOURCE)
    store_old(engine, DEMO, without_items)
    now = utcnow()
    messages = []
    for n in range(3):
        assert run_once(engine, settings, job, now=now + n * job.every)
        with session_scope(engine, write=False) as session:
            run = session.scalar(select(JobRun).order_by(JobRun.id.desc()).limit(1))
            assert run is not None and run.status == "ok", run
            messages.append(run.message)
    assert messages == [
        "1 meeting read again, 0 unchanged, 0 left",
        "1 meeting read again, 0 unchanged, 0 left",
        "0 meetings read again, 0 unchanged, 0 left",
    ]
    assert any(e.startswith("Délibération n° 24/012 :") for e in agenda(client, NEW_DATE))
    assert any(e.startswith("Délibération n° 2024-02-01 :") for e in agenda(client, DEMO_DAY))
    unread_is_right(engine)


def _upload(client: Any, path: Path) -> Any:
    return client.post(
        "/council/upload",
        data={"csrf_token": csrf_token(client, "/council/upload")},
        files={"file": (path.name, path.read_bytes(), "text/markdown")},
        follow_redirects=False,
    )


def test_sending_minutes_an_older_reader_read_reads_them_again(
    login_as: Any, client: Any, engine: Engine, settings: Settings, app: Starlette
) -> None:
    """The same file sent again is not 'unchanged' when an older reader read it: the worker
    reads it again with today's reader; a passage's permanent link shows the same text before
    and after, and the deliberations appear."""
    store_old(engine, DEMO, without_items)
    day = date(2024, 2, 8)
    before = rows(engine, day)
    kept_text = next(text_ for text_ in before if text_.startswith("Le programme d'investiss"))
    anchor = before[kept_text][1]
    assert shown_at(client, day, anchor) == kept_text
    assert agenda(client, day) == []
    agent = login_as("agent")

    status_page = _upload(agent, DEMO).headers["location"]
    assert "en attente de lecture" in t(agent.get(status_page))
    uploads.read_queued(engine, settings)
    app.state.page_cache.clear()

    assert "Séance du 08/02/2024 relue avec les règles de lecture actuelles." in t(
        agent.get(status_page)
    )
    assert shown_at(client, day, anchor) == kept_text
    assert rows(engine, day)[kept_text] == before[kept_text]
    assert any(e.startswith("Délibération n° 2024-02-01 :") for e in agenda(client, day))
    assert meeting_row(engine, day).reader_version == TODAY
    # Sent once more: read by today's reader already, nothing to read.
    assert _upload(agent, DEMO).headers["location"] == status_page
    assert "relue avec les règles de lecture actuelles" in t(agent.get(status_page))
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_a_done_upload_sent_again_after_the_reader_changed(
    login_as: Any, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload read before the reader changed is queued again when sent again (not answered
    'already stored'), read, and then said unchanged when the new reader reads it the same way."""
    agent = login_as("agent")
    status_page = _upload(agent, DEMO).headers["location"]
    uploads.read_queued(engine, settings)
    assert "Séance du 08/02/2024 ajoutée." in t(agent.get(status_page))
    assert _upload(agent, DEMO).headers["location"] == status_page
    assert "ajoutée" in t(agent.get(status_page))  # same reader: nothing to read again
    monkeypatch.setattr(parse, "READER_VERSION", TODAY + 1)
    assert _upload(agent, DEMO).headers["location"] == status_page
    assert "en attente de lecture" in t(agent.get(status_page))
    uploads.read_queued(engine, settings)
    assert "Ce fichier était déjà enregistré : rien n'a changé." in t(agent.get(status_page))
    assert meeting_row(engine, date(2024, 2, 8)).reader_version == TODAY + 1


def test_ingesting_the_same_file_again_reads_it_again(engine: Engine, tmp_path: Path) -> None:
    """`portal council ingest`'s path: the same file, stored by an older reader under another
    date, is read again (not stored twice under two dates)."""
    from portal.council.ingest import ingest_paths

    store_old(engine, SOURCE)
    results, errors = ingest_paths(engine, [SOURCE])
    assert errors == [] and [(r.meeting_date, r.status) for r in results] == [(NEW_DATE, "reread")]
    with session_scope(engine, write=False) as session:
        assert session.scalars(select(Meeting.meeting_date)).all() == [NEW_DATE]
    results, _ = ingest_paths(engine, [SOURCE])
    assert [(r.meeting_date, r.status) for r in results] == [(NEW_DATE, "unchanged")]


def test_a_meeting_stored_at_a_former_date_takes_its_links_over(
    engine: Engine, client: Any, tmp_path: Path
) -> None:
    """After a re-read moved a meeting to its right date, its former date's links redirect to
    it, until minutes of a meeting really held that day are stored: they then show those."""
    store_old(engine, SOURCE)
    reread.reread_outdated(engine)
    assert client.get(f"/council/m/{OLD_DATE}", follow_redirects=False).status_code == 301
    held = tmp_path / "2023-12-19.md"
    held.write_text(
        "# Conseil municipal du 19 décembre 2023\n\nLe conseil vote le budget de la fête "
        "de fin d'année.\n",
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        services.ingest(
            session, parsed=parse_bytes(held.read_bytes(), held.name), filename=held.name,
            data=held.read_bytes(), actor_id=None,
        )  # fmt: skip
    page = client.get(f"/council/m/{OLD_DATE}", follow_redirects=False)
    assert page.status_code == 200 and "fête de fin d" in t(page)
    assert client.get(f"/council/m/{NEW_DATE}").status_code == 200
    assert client.get("/council/m/2023-12-18", follow_redirects=False).status_code == 404


def test_sending_minutes_whose_new_date_is_another_meetings_says_why_nothing_changed(
    login_as: Any, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """The same file sent again, when today's reader reads the date of another stored meeting:
    the status page says the meeting was left as it was, and why."""
    store_old(engine, SOURCE)
    store_other_meeting(engine, tmp_path)
    agent = login_as("agent")
    status_page = _upload(agent, SOURCE).headers["location"]
    uploads.read_queued(engine, settings)
    shown = t(agent.get(status_page))
    assert (
        "Séance du 19/12/2023 laissée telle quelle : la date lue aujourd'hui, le 12/03/2024, est "
        "celle d'une autre séance enregistrée ; la séance reste au 19/12/2023, à vérifier."
    ) in shown, shown
