"""consultation tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consultation_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('preamble', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('publication_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['published_by'], ['accounts_user.id'], name=op.f('fk_consultation_version_published_by_accounts_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_version')),
    sa.UniqueConstraint('number', name=op.f('uq_consultation_version_number'))
    )
    with op.batch_alter_table('consultation_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_version_status'), ['status'], unique=False)

    op.create_table('consultation_clause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('section_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['consultation_version.id'], name=op.f('fk_consultation_clause_version_id_consultation_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_clause')),
    sa.UniqueConstraint('version_id', 'number', name=op.f('uq_consultation_clause_version_id_number'))
    )
    with op.batch_alter_table('consultation_clause', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_clause_version_slug', ['version_id', 'slug'], unique=False)

    op.create_table('consultation_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['consultation_version.id'], name=op.f('fk_consultation_section_version_id_consultation_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_section')),
    sa.UniqueConstraint('version_id', 'slug', name=op.f('uq_consultation_section_version_id_slug'))
    )


def downgrade() -> None:
    op.drop_table('consultation_section')
    with op.batch_alter_table('consultation_clause', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_clause_version_slug')

    op.drop_table('consultation_clause')
    with op.batch_alter_table('consultation_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_version_status'))

    op.drop_table('consultation_version')
