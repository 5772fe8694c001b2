"""council: lemmas for search, PostgreSQL's french configuration

The passages keep their words (accents folded, stop words out) instead of our Snowball stems, so
that PostgreSQL's `french` text search configuration stems them itself; SQLite's FTS5 index gets
the stems. Two columns hold the lemmas spaCy adds. Every passage is marked unread so that the
council.index_entities job (or `portal council index`) reads it again and adds its lemmas; the
people, places and organisations it had found are dropped meanwhile (rapporteurs, known from
the text, are kept).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from portal.nlp.french import STOP_WORDS, WORD, fold, stem

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FRENCH_TSV = (
    "setweight(to_tsvector('french', search_title), 'C') "
    "|| setweight(to_tsvector('french', search_text), 'A') "
    "|| setweight(to_tsvector('french', search_lemmas), 'A')"
)
SIMPLE_TSV = (
    "setweight(to_tsvector('simple', search_title), 'C') "
    "|| setweight(to_tsvector('simple', search_text), 'A')"
)


RAPPORTEUR = re.compile(r"^Rapporteu(?:r|se)\s*:\s*(.+)$", re.I)


def _words(text: str) -> list[str]:
    return [w for w in WORD.findall(fold(text)) if w not in STOP_WORDS]


def _new_keys(text: str) -> str:
    return " ".join(_words(text))


def _old_keys(text: str) -> str:
    return " ".join(stem(w) for w in _words(text))


def _stems(words: str) -> str:
    return " ".join(stem(w) for w in words.split())


def _rows(bind: sa.Connection) -> list[sa.Row]:
    return list(
        bind.execute(
            sa.text(
                "SELECT p.id, p.text, coalesce(i.title, '') FROM council_passage p "
                "LEFT JOIN council_item i ON i.id = p.item_id ORDER BY p.id"
            )
        )
    )


def _rewrite(bind: sa.Connection, keys: Callable[[str], str]) -> list[dict[str, object]]:
    params = [{"id": r[0], "t": keys(r[1]), "h": keys(r[2])} for r in _rows(bind)]
    if params:
        bind.execute(
            sa.text("UPDATE council_passage SET search_text = :t, search_title = :h WHERE id = :id"),
            params,
        )
    return params


def _drop_full_text_index(bind: sa.Connection) -> bool:
    """Drop the FTS5 table or the tsvector column; True on SQLite."""
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS council_passage_fts")
        return True
    op.execute("DROP INDEX IF EXISTS ix_council_passage_tsv")
    op.execute("ALTER TABLE council_passage DROP COLUMN IF EXISTS tsv")
    return False


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = _drop_full_text_index(bind)
    with op.batch_alter_table("council_passage") as batch_op:
        batch_op.add_column(
            sa.Column("search_lemmas", sa.String(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("lemmas", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    rows = _rewrite(bind, _new_keys)
    # spaCy reads every passage again (lemmas); what it found before is dropped meanwhile.
    op.execute("DELETE FROM council_entity WHERE kind IN ('person', 'place', 'organisation')")
    bind.execute(sa.text("UPDATE council_passage SET nlp_done = :f"), {"f": False})
    rapporteurs = []
    for passage_id, meeting_id, text in bind.execute(
        sa.text("SELECT id, meeting_id, text FROM council_passage WHERE kind = 'paragraph'")
    ):
        if match := RAPPORTEUR.match(text):
            name = match.group(1).strip().rstrip(".")
            key = " ".join(fold(name).split())[:200]
            rapporteurs.append({"m": meeting_id, "p": passage_id, "v": name[:200], "k": key})
    if rapporteurs:
        bind.execute(
            sa.text(
                "INSERT INTO council_entity (meeting_id, passage_id, kind, value, key) "
                "VALUES (:m, :p, 'person', :v, :k)"
            ),
            rapporteurs,
        )
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE council_passage_fts USING "
            "fts5(search_title, search_text, search_lemmas, tokenize='unicode61')"
        )
        if rows:
            bind.execute(
                sa.text(
                    "INSERT INTO council_passage_fts(rowid, search_title, search_text, "
                    "search_lemmas) VALUES (:id, :h, :t, '')"
                ),
                [{"id": r["id"], "h": _stems(str(r["h"])), "t": _stems(str(r["t"]))} for r in rows],
            )
    else:
        op.execute(
            f"ALTER TABLE council_passage ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({FRENCH_TSV}) STORED"
        )
        op.execute("CREATE INDEX ix_council_passage_tsv ON council_passage USING gin (tsv)")


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = _drop_full_text_index(bind)
    with op.batch_alter_table("council_passage") as batch_op:
        batch_op.drop_column("lemmas")
        batch_op.drop_column("search_lemmas")
    rows = _rewrite(bind, _old_keys)
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE council_passage_fts USING "
            "fts5(search_title, search_text, tokenize='unicode61')"
        )
        if rows:
            bind.execute(
                sa.text(
                    "INSERT INTO council_passage_fts(rowid, search_title, search_text) "
                    "VALUES (:id, :h, :t)"
                ),
                rows,
            )
    else:
        op.execute(
            f"ALTER TABLE council_passage ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({SIMPLE_TSV}) STORED"
        )
        op.execute("CREATE INDEX ix_council_passage_tsv ON council_passage USING gin (tsv)")
