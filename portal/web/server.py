"""The web server: uvicorn, with one change to how a web process stops.

When a web process is told to stop (SIGTERM: a restart, a deployment, `--limit-max-requests`),
uvicorn stops listening and, in the same turn of its event loop, closes every connection that
has no request read yet. A connection it accepted a moment before, whose request is already in
the socket's buffer, is closed unread: the visitor sees "connection reset" (a 502 behind the
proxy). That is uvicorn's behaviour up to at least 0.54 (Kludex/uvicorn#2757, discussion #2315;
the fix proposed in PR #3124 was closed). The production load test met it: two requests in a
minute, in each of two runs, when one of four web processes was restarted (bench/bench_production.py).

`DrainingServer` stops listening, lets the event loop read what those connections already sent
(DRAIN_SECONDS), then shuts down as uvicorn does: a request read by then is answered (with the
connection closed after it), an idle connection is closed as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

# Long enough for the event loop to read the requests already received (a turn of the loop;
# more while a page's thread holds the interpreter), short next to a restart.
DRAIN_SECONDS = 0.1


class DrainingServer(uvicorn.Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        # Not listening any more: requests already received on accepted connections are read
        # now, so that uvicorn's shutdown below finds them in progress and answers them.
        await asyncio.sleep(DRAIN_SECONDS)
        await super().shutdown(sockets=None)


class DrainingProcess(multiprocess.Process):
    """A worker process of uvicorn's supervisor that runs a DrainingServer."""

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = DrainingServer(config=self.config)
        return self._server


def run(config: uvicorn.Config) -> int:
    """Serve as `uvicorn.run` does (one process, or `config.workers` under its supervisor, which
    starts a dead worker again and restarts them one by one on SIGHUP), with DrainingServer in
    every process. Returns 3 when a single process could not start, as uvicorn exits."""
    if config.workers > 1:
        sock = config.bind_socket()
        # The supervisor makes its workers from this module global (uvicorn.supervisors.
        # multiprocess.Process) in this process; each worker, a spawned process, unpickles its
        # DrainingProcess from this module.
        multiprocess.Process = DrainingProcess  # type: ignore[misc]
        multiprocess.Multiprocess(config, sockets=[sock]).run()
        return 0
    config.load_app()
    server: Any = DrainingServer(config=config)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: stopped as asked, as uvicorn.run
        server.run()
    return 0 if server.started else 3
