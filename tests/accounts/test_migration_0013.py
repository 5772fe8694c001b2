"""Migration 0013 (follow pace and mail logs, e-mail changes waiting for their link) on a
database holding rows stored the old way, up and down, on both backends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from portal.clock import utcnow
from tests.migrations_helpers import NOW, Migration, Row, columns, migration_at, store, tables, user

LATER = utcnow() + timedelta(days=1)


def _follow(id: int, target: str, key: str, token: str, frequency: str | None = None) -> Row:
    pace = (", frequency", ", :f") if frequency else ("", "")
    return (
        "INSERT INTO consultation_follow (id, user_id, target_type, target_key, unsubscribe_token,"
        f" created_at{pace[0]}) VALUES (:id, 1, :target, :key, :token, :now{pace[1]})",
        {"id": id, "target": target, "key": key, "token": token, "now": NOW, "f": frequency},
    )


old = migration_at(
    "0012", "0013",
    user(email="ancien@exemple.fr", name="Ancien Suiveur"),
    _follow(1, "clause", "contact-humain", "jeton-ancien"),
    ("INSERT INTO accounts_token (token_hash, user_id, purpose, created_at, expires_at)"
     " VALUES ('h-confirm', 1, 'confirm', :now, :later)", {"now": NOW, "later": LATER}),
)  # fmt: skip


def test_old_follows_mail_at_once_and_the_downgrade_keeps_them(old: Migration) -> None:
    """A follow stored before 0013 mails at once after it; a pending e-mail change is dropped
    by the downgrade, every other row kept."""
    with old.up() as engine:
        assert {"consultation_follow_delivery", "consultation_follow_digest"} <= tables(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT frequency FROM consultation_follow")).scalar() == (
                "immediate"
            )
            assert conn.execute(text("SELECT new_email FROM accounts_token")).scalar() is None
            store(
                conn,
                ("INSERT INTO accounts_token (token_hash, user_id, purpose, created_at,"
                 " expires_at, new_email) VALUES ('h-email', 1, 'email', :now, :later,"
                 " 'nouvelle@exemple.fr')", {"now": NOW, "later": LATER}),
                _follow(2, "proposal", "7", "jeton-neuf", "daily"),
            )  # fmt: skip

    with old.down() as engine:
        assert not {"consultation_follow_delivery", "consultation_follow_digest"} & tables(engine)
        assert "frequency" not in columns(engine, "consultation_follow")
        with engine.connect() as conn:
            tokens = conn.execute(text("SELECT token_hash FROM accounts_token")).scalars().all()
            follows = conn.execute(
                text("SELECT unsubscribe_token FROM consultation_follow ORDER BY id")
            ).scalars().all()  # fmt: skip
        assert tokens == ["h-confirm"] and follows == ["jeton-ancien", "jeton-neuf"]
    with old.up() as engine:  # and up again
        assert "consultation_follow_digest" in tables(engine)
