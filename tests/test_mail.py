"""Every mail has a text part and an HTML part (issue 13, section 6): the same words, escaped,
with links absolute on the site's address and clickable; headers made absolute too."""

from __future__ import annotations

import email.policy
from email import message_from_bytes
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.mail import as_read, link, message_of, queue_mail
from tests.helpers import XSS, csrf_token


def sent(mail: OutboxMail, site: str) -> Any:
    """The mail as an SMTP server receives it (the bytes deliver_pending sends)."""
    raw = message_of(as_read(mail, site), sender="portail@ville.example").as_bytes()
    return message_from_bytes(raw, policy=email.policy.default)


def test_a_mail_arrives_with_a_text_and_an_escaped_html_part(engine: Engine) -> None:
    """User text in a mail cannot become markup; links end before the sentence's punctuation."""
    site = "http://127.0.0.1:8100"
    with session_scope(engine) as session:
        queue_mail(
            session, to="lea@exemple.fr", subject="Avis <b>gras</b>",
            body=f"Claire a écrit : « {XSS} »\n\nÀ lire : {link('/charter/clauses/4#comment-7')}.\n"
                 f"(Ou là : {link('/a?x=1&y=2')})",
            headers={"List-Unsubscribe": f"<{link('/follow/unsubscribe/abc')}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )  # fmt: skip
    with session_scope(engine, write=False) as session:
        message = sent(session.scalars(select(OutboxMail)).one(), site)
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"À lire : {site}/charter/clauses/4#comment-7." in text and XSS in text
    assert "<script>" not in html and "&lt;script&gt;alert" in html
    assert (
        f'<a href="{site}/charter/clauses/4#comment-7">{site}/charter/clauses/4#comment-7</a>.'
        in html
    )
    assert f'<a href="{site}/a?x=1&amp;y=2">' in html and "</a>)" in html
    assert "<title>Avis &lt;b&gt;gras&lt;/b&gt;</title>" in html and 'lang="fr"' in html
    assert message["List-Unsubscribe"] == f"<{site}/follow/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "\x1e" not in text + html


def test_every_account_mail_has_both_parts_and_working_links(
    make_client: Any, engine: Engine
) -> None:
    """The mails of a sign-up (confirmation, then an attempt with the same address) and of a
    reset each carry an HTML part whose links are the text part's, absolute."""
    for n in range(2):
        c = make_client()
        c.post("/signup", data={"email": "deux@exemple.fr", "display_name": f"Deux Fois {n}",
                                "password": "une phrase de passe assez longue",
                                "csrf_token": csrf_token(c, "/signup")})  # fmt: skip
    c = make_client()
    c.post("/password-reset", data={"email": "deux@exemple.fr",
                                    "csrf_token": csrf_token(c, "/password-reset")})  # fmt: skip
    with session_scope(engine, write=False) as session:
        mails = list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        messages = [sent(m, "https://ia.ville.example") for m in mails]
    assert [m["Subject"] for m in messages] == [
        "Confirmez votre adresse e-mail",
        "Tentative d'inscription avec votre adresse",
        "Réinitialisation de votre mot de passe",
    ]
    for message in messages:
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        urls = [w for w in text.split() if w.startswith("https://ia.ville.example/")]
        assert urls, text
        for url in urls:
            assert f'<a href="{url.replace("&", "&amp;")}">' in html
