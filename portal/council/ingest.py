"""Ingest minutes files from paths (command line, watched folder, demo) or an upload."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy.engine import Engine

from portal.council import services
from portal.council.parse import SUPPORTED, MinutesError, parse_bytes
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


def ingest_file(
    engine: Engine, path: Path, *, actor_id: int | None = None
) -> services.IngestResult:
    """One file in its own transaction; a MinutesError leaves nothing of it stored."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MinutesError(path.name, "fichier illisible ou introuvable") from exc
    parsed = parse_bytes(data, path.name)
    with session_scope(engine) as session:
        return services.ingest(
            session, parsed=parsed, filename=path.name, data=data, actor_id=actor_id
        )


def ingest_paths(
    engine: Engine,
    paths: Iterable[Path],
    *,
    actor_id: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[list[services.IngestResult], list[MinutesError]]:
    """Each file in its own transaction: a bad file is refused whole and the others still load."""
    files = minutes_files(paths)
    results: list[services.IngestResult] = []
    errors: list[MinutesError] = []
    for n, path in enumerate(files, 1):
        try:
            results.append(ingest_file(engine, path, actor_id=actor_id))
        except MinutesError as exc:
            errors.append(exc)
        if progress:
            progress(n, len(files), path.name)
    return results, errors


def index_entities(engine: Engine, *, batch: int = 2000) -> int:
    """Let spaCy read every passage not read yet, `batch` passages per transaction."""
    total = 0
    while True:
        with session_scope(engine) as session:
            done = services.index_pending(session, limit=batch)
        total += done
        if done < batch:
            return total
