"""Mail: queued in the outbox, delivered by SMTP when configured (a tiny local SMTP server here)."""

from __future__ import annotations

import email.policy
import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from sqlalchemy.engine import Engine

from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.mail import deliver_pending, link, outbox, queue_mail
from portal.settings import Settings


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        received: list[bytes] = self.server.received  # type: ignore[attr-defined]
        self.wfile.write(b"220 test ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-test\r\n250 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                received.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[bytes]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_smtp_delivery_marks_mail_sent(
    settings: Settings, engine: Engine, smtp_server: tuple[int, list[bytes]]
) -> None:
    """With SMTP configured, queued mail is delivered once and marked as sent."""
    port, received = smtp_server
    smtp = settings.with_(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    with session_scope(engine) as session:
        queue_mail(
            session, to="lea@exemple.fr", subject="Réponse à votre proposition", body="Bonjour Léa"
        )
    with session_scope(engine) as session:
        assert deliver_pending(session, smtp) == 1
    with session_scope(engine) as session:
        assert deliver_pending(session, smtp) == 0
        mail = session.get(OutboxMail, 1)
        assert mail is not None and mail.sent_at is not None
    message = message_from_bytes(received[0], policy=email.policy.default)
    assert message["To"] == "lea@exemple.fr"
    assert message["Subject"] == "Réponse à votre proposition"
    assert message.get_body(("plain",)).get_content().strip() == "Bonjour Léa"  # type: ignore[union-attr]


def test_without_smtp_mail_stays_in_the_outbox(settings: Settings, engine: Engine) -> None:
    """Without SMTP (the demo), delivery does nothing and the outbox keeps the mail unsent."""
    with session_scope(engine) as session:
        queue_mail(session, to="x@exemple.fr", subject="Sujet", body="Corps")
    with session_scope(engine) as session:
        assert deliver_pending(session, settings) == 0
    with session_scope(engine, write=False) as session:
        [mail] = outbox(session, to="x@exemple.fr")
        assert mail.sent_at is None and mail.attempts == 0 and mail.body == "Corps"


def test_links_in_a_delivered_mail_are_absolute_on_the_configured_site(
    settings: Settings, engine: Engine, smtp_server: tuple[int, list[bytes]]
) -> None:
    """A link queued as a path arrives by SMTP on the site's address, on another port too."""
    port, received = smtp_server
    site = "http://127.0.0.1:8123"
    smtp = settings.with_(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, base_url=site)
    with session_scope(engine) as session:
        queue_mail(
            session, to="lea@exemple.fr", subject="Suivi",
            body=f"À lire : {link('/charter/v/2#article-4')}",
            headers={"List-Unsubscribe": f"<{link('/follow/unsubscribe/abc')}>"},
        )  # fmt: skip
    with session_scope(engine) as session:
        assert deliver_pending(session, smtp) == 1
    message = message_from_bytes(received[0], policy=email.policy.default)
    plain = message.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().strip() == f"À lire : {site}/charter/v/2#article-4"
    assert message["List-Unsubscribe"] == f"<{site}/follow/unsubscribe/abc>"


def test_a_mail_link_must_be_a_path_on_the_site() -> None:
    """A service cannot queue a link to another site by mistake."""
    with pytest.raises(ValueError):
        link("https://ailleurs.example/x")


def test_unreachable_smtp_loses_nothing(settings: Settings, engine: Engine) -> None:
    """An SMTP server that does not answer raises, and the mail stays queued."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = settings.with_(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    with session_scope(engine) as session:
        queue_mail(session, to="x@exemple.fr", subject="Sujet", body="Corps")
    with pytest.raises(OSError), session_scope(engine) as session:
        deliver_pending(session, down)
    with session_scope(engine, write=False) as session:
        mail = session.get(OutboxMail, 1)
        assert mail is not None and mail.sent_at is None
