"""A web process told to stop answers the requests it has already received (portal/web/server.py):
a connection accepted a moment before the stop, its request in the socket's buffer but not yet
read, gets its page, not a reset. uvicorn's own server, the control, closes it unanswered
(Kludex/uvicorn#2757): when a uvicorn upgrade answers it too, the control fails and the
workaround can go. Real sockets, the portal's app, both databases; `portal serve` itself runs
with the workaround in every worker (the production load test restarts one of four)."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
import uvicorn
from starlette.applications import Starlette

from portal.web.server import DrainingServer
from tests.oidc.op import free_port


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        chunks.append(b"<reset>")
    return b"".join(chunks)


def _stop_with_a_request_unread(server_class: type[uvicorn.Server], app: Starlette) -> bytes:
    """What a client gets when the server begins to stop right after receiving its request."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = server_class(config)

    async def scenario() -> bytes:
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        while not server.server_state.connections:  # accepted by the server
            await asyncio.sleep(0.001)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        # No turn of the event loop between the request's arrival and the stop: the request is
        # in the socket's buffer, unread, as when SIGTERM lands in the middle of a burst.
        reading = asyncio.ensure_future(asyncio.to_thread(_read_all, sock))
        await server.shutdown()
        server.should_exit = True
        answer = await reading
        await serving
        sock.close()
        return answer

    found: list[bytes] = []
    # An event loop of its own: a browser test before may have left one in this thread.
    thread = threading.Thread(target=lambda: found.append(asyncio.run(scenario())))
    thread.start()
    thread.join(timeout=60)
    assert found, "the server did not stop"
    return found[0]


def test_a_request_received_as_the_process_stops_is_answered(app: Starlette) -> None:
    answer = _stop_with_a_request_unread(DrainingServer, app)
    # The page whole (then the connection closed: _read_all returned).
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert answer.endswith(b"}") and b'"database":{"status":"ok"' in answer


def test_control_uvicorn_s_own_server_drops_it(app: Starlette) -> None:
    answer = _stop_with_a_request_unread(uvicorn.Server, app)
    if answer.startswith(b"HTTP/1.1 200 "):
        pytest.fail("uvicorn now answers it: portal/web/server.py's DrainingServer can go")
    assert answer in (b"", b"<reset>")
