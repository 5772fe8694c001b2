"""council tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('council_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('chair', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('secretary', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('present', sa.JSON(), nullable=False),
    sa.Column('absent', sa.JSON(), nullable=False),
    sa.Column('proxies', sa.JSON(), nullable=False),
    sa.Column('source_filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('source_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source_format', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('source_bytes', sa.LargeBinary(), nullable=False),
    sa.Column('ingested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('next_anchor', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_meeting')),
    sa.UniqueConstraint('meeting_date', name=op.f('uq_council_meeting_meeting_date'))
    )
    with op.batch_alter_table('council_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_meeting_source_sha256'), ['source_sha256'], unique=False)

    op.create_table('council_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('rapporteur', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('vote_for', sa.Integer(), nullable=True),
    sa.Column('vote_against', sa.Integer(), nullable=True),
    sa.Column('vote_abstentions', sa.Integer(), nullable=True),
    sa.Column('unanimous', sa.Boolean(), nullable=False),
    sa.Column('adopted', sa.Boolean(), nullable=True),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_council_item_meeting_id_council_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_item')),
    sa.UniqueConstraint('meeting_id', 'position', name=op.f('uq_council_item_meeting_id_position'))
    )
    with op.batch_alter_table('council_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_item_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_item_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_item_topic'), ['topic'], unique=False)

    op.create_table('council_passage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('search_text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('search_title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('nlp_done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['council_item.id'], name=op.f('fk_council_passage_item_id_council_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_council_passage_meeting_id_council_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_passage')),
    sa.UniqueConstraint('meeting_id', 'anchor', name=op.f('uq_council_passage_meeting_id_anchor'))
    )
    with op.batch_alter_table('council_passage', schema=None) as batch_op:
        batch_op.create_index('ix_council_passage_meeting_position', ['meeting_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_passage_nlp_done'), ['nlp_done'], unique=False)

    op.create_table('council_entity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('passage_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_council_entity_meeting_id_council_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['passage_id'], ['council_passage.id'], name=op.f('fk_council_entity_passage_id_council_passage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_entity'))
    )
    with op.batch_alter_table('council_entity', schema=None) as batch_op:
        batch_op.create_index('ix_council_entity_kind_key', ['kind', 'key'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_entity_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_entity_passage_id'), ['passage_id'], unique=False)
    # Full-text search, one structure per backend over the same pre-stemmed text (see
    # portal/council/search.py): FTS5 on SQLite, a GIN index on a 'simple' tsvector on PostgreSQL.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE council_passage_fts USING fts5(search_title, search_text, tokenize='unicode61')")
    else:
        # A stored vector: ranking reads it instead of re-parsing every matching passage.
        op.execute(
            "ALTER TABLE council_passage ADD COLUMN tsv tsvector "
            "GENERATED ALWAYS AS (setweight(to_tsvector('simple', search_title), 'C') "
            "|| setweight(to_tsvector('simple', search_text), 'A')) STORED"
        )
        op.execute("CREATE INDEX ix_council_passage_tsv ON council_passage USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS council_passage_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_council_passage_tsv")
    op.drop_table('council_entity')
    with op.batch_alter_table('council_passage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_passage_nlp_done'))
        batch_op.drop_index('ix_council_passage_meeting_position')

    op.drop_table('council_passage')
    with op.batch_alter_table('council_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_item_topic'))
        batch_op.drop_index(batch_op.f('ix_council_item_number'))
        batch_op.drop_index(batch_op.f('ix_council_item_meeting_id'))

    op.drop_table('council_item')
    with op.batch_alter_table('council_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_meeting_source_sha256'))

    op.drop_table('council_meeting')
