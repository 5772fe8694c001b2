"""Read a minutes file in a child process capped in time and memory (uploads, watched folder).

The child is forked from a forkserver that has imported only this module and parse.py (a fork of
the web or worker process would copy its threads and connections; importing the search and spaCy
in every child would cost a second each). Its address space is limited with RLIMIT_AS; it is
killed when the time is up. Either way the caller gets a MinutesError with a French reason.
"""

from __future__ import annotations

import multiprocessing
import resource
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from portal.council.parse import MB, Limits, MinutesError, ParsedMinutes, parse_bytes


@dataclass(frozen=True)
class Caps:
    """What reading one file may cost."""

    limits: Limits
    seconds: float
    memory_bytes: int


def _read_in_child(
    conn: Connection, data: bytes, filename: str, limits: Limits, memory_bytes: int
) -> None:
    """The child process: parse with the memory cap set, send back the result or the reason."""
    try:
        if memory_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        message: tuple[Any, ...] = ("ok", parse_bytes(data, filename, limits))
    except MinutesError as exc:
        message = ("refused", exc.reason)
    except MemoryError:
        message = ("refused", _memory_reason(memory_bytes))
    except Exception as exc:  # noqa: BLE001 - any failure of a parser is a refusal of the file
        message = ("refused", f"le fichier n'a pas pu être lu ({type(exc).__name__})")
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("refused", _memory_reason(memory_bytes)))
    finally:
        conn.close()


def _memory_reason(memory_bytes: int) -> str:
    return (
        f"la lecture du fichier demande plus de {memory_bytes // MB} Mo de mémoire "
        "(contenu démesuré ou piégé)"
    )


_context: Any = None


def _process_context() -> Any:
    """A forkserver: each reading is a fresh fork of a small clean process (never of the web or
    worker process, whose threads and connections a fork would copy)."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["portal.council.sandbox"])
        _context = context
    return _context


def parse_capped(data: bytes, filename: str, caps: Caps) -> ParsedMinutes:
    """parse_bytes in a child process that is stopped after `caps.seconds` and cannot take more
    than `caps.memory_bytes`; a MinutesError with a French reason when it cannot finish."""
    context = _process_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_read_in_child,
        args=(sender, data, filename, caps.limits, caps.memory_bytes),
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(caps.seconds):
            raise MinutesError(
                filename,
                f"la lecture a dépassé {caps.seconds:g} secondes et a été arrêtée "
                "(fichier démesuré ou piégé)",
            )
        try:
            message = receiver.recv()
        except EOFError as exc:  # the child died: killed by the memory cap, or crashed
            raise MinutesError(filename, _memory_reason(caps.memory_bytes)) from exc
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if message[0] == "ok":
        parsed: ParsedMinutes = message[1]
        return parsed
    raise MinutesError(filename, str(message[1]))
