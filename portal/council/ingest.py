"""Ingest minutes files from paths (command line, watched folder, demo) or an upload."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy.engine import Engine

from portal.council import services
from portal.council.nlp import spacy_read
from portal.council.parse import SUPPORTED, MinutesError, ParsedMinutes, parse_bytes
from portal.db import session_scope


def minutes_files(paths: Iterable[Path]) -> list[Path]:
    """The supported files among `paths`, folders walked recursively, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED
            )
        else:
            found.append(path)
    return found


def read_and_parse(path: Path) -> tuple[bytes, ParsedMinutes]:
    """Read and parse one file; stores nothing (so it can run in another process)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MinutesError(path.name, "fichier illisible ou introuvable") from exc
    return data, parse_bytes(data, path.name)


def _parsed_or_error(path: Path) -> tuple[bytes, ParsedMinutes] | MinutesError:
    try:
        return read_and_parse(path)
    except MinutesError as exc:
        return exc


def store(
    engine: Engine, path: Path, data: bytes, parsed: ParsedMinutes, *, actor_id: int | None = None
) -> services.IngestResult:
    with session_scope(engine) as session:
        # services.ingest stores each item's voters and members in office with its vote.
        return services.ingest(
            session, parsed=parsed, filename=path.name, data=data, actor_id=actor_id
        )


def ingest_file(
    engine: Engine, path: Path, *, actor_id: int | None = None
) -> services.IngestResult:
    """One file in its own transaction; a MinutesError leaves nothing of it stored."""
    data, parsed = read_and_parse(path)
    result = store(engine, path, data, parsed, actor_id=actor_id)
    if result.status != "unchanged":
        with session_scope(engine) as session:
            services.tidy_search_index(session)
    return result


def ingest_paths(
    engine: Engine,
    paths: Iterable[Path],
    *,
    actor_id: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int = 1,
) -> tuple[list[services.IngestResult], list[MinutesError]]:
    """Each file in its own transaction: a bad file is refused whole and the others still load.

    With `workers` > 1, files are read and parsed (the slow part for PDFs: pypdf is pure Python)
    in that many processes, and stored one after the other, in order, by this one."""
    files = minutes_files(paths)
    results: list[services.IngestResult] = []
    errors: list[MinutesError] = []
    with contextlib.ExitStack() as stack:
        if workers > 1 and len(files) > 1:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers))
            parsed_files: Iterable[tuple[bytes, ParsedMinutes] | MinutesError] = pool.map(
                _parsed_or_error, files
            )
        else:
            parsed_files = map(_parsed_or_error, files)
        for n, (path, outcome) in enumerate(zip(files, parsed_files, strict=True), 1):
            if isinstance(outcome, MinutesError):
                errors.append(outcome)
            else:
                results.append(store(engine, path, *outcome, actor_id=actor_id))
            if progress:
                progress(n, len(files), path.name)
    if any(r.status != "unchanged" for r in results):
        with session_scope(engine) as session:
            services.tidy_search_index(session)
    return results, errors


def index_entities(
    engine: Engine, *, batch: int = 500, progress: Callable[[int, int], None] | None = None
) -> int:
    """Let spaCy read every passage not read yet (lemmas, people, places, organisations),
    `batch` passages at a time, each batch read outside any write transaction and stored in a
    short one. `progress(done, total)` after each batch."""
    total = 0
    with session_scope(engine, write=False) as session:
        todo = services.pending_count(session)
    while True:
        with session_scope(engine, write=False) as session:
            pending = services.pending_passages(session, limit=batch)
        if pending:
            found = spacy_read(p[2] for p in pending)
            with session_scope(engine) as session:
                total += services.store_readings(session, pending=pending, found=found)
            if progress:
                progress(total, max(todo, total))
        if len(pending) < batch:
            if total:
                with session_scope(engine) as session:
                    services.tidy_search_index(session)
            return total
