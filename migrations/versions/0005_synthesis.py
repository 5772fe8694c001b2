"""synthesis tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consultation_synthesis_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('parameters', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('duplicates', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by'], ['accounts_user.id'], name=op.f('fk_consultation_synthesis_run_published_by_accounts_user')),
    sa.ForeignKeyConstraint(['version_id'], ['consultation_version.id'], name=op.f('fk_consultation_synthesis_run_version_id_consultation_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_synthesis_run'))
    )
    with op.batch_alter_table('consultation_synthesis_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_synthesis_run_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_synthesis_run_version_id'), ['version_id'], unique=False)

    op.create_table('consultation_synthesis_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('auto_label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('key_terms', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('representative_ids', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('auto_size', sa.Integer(), nullable=False),
    sa.Column('is_other', sa.Boolean(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clause_id'], ['consultation_clause.id'], name=op.f('fk_consultation_synthesis_theme_clause_id_consultation_clause'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['consultation_synthesis_theme.id'], name=op.f('fk_consultation_synthesis_theme_merged_into_id_consultation_synthesis_theme')),
    sa.ForeignKeyConstraint(['run_id'], ['consultation_synthesis_run.id'], name=op.f('fk_consultation_synthesis_theme_run_id_consultation_synthesis_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_synthesis_theme'))
    )
    with op.batch_alter_table('consultation_synthesis_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_synthesis_theme_run_id'), ['run_id'], unique=False)

    op.create_table('consultation_synthesis_edit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('target_theme_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['accounts_user.id'], name=op.f('fk_consultation_synthesis_edit_author_id_accounts_user')),
    sa.ForeignKeyConstraint(['comment_id'], ['consultation_comment.id'], name=op.f('fk_consultation_synthesis_edit_comment_id_consultation_comment')),
    sa.ForeignKeyConstraint(['run_id'], ['consultation_synthesis_run.id'], name=op.f('fk_consultation_synthesis_edit_run_id_consultation_synthesis_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_theme_id'], ['consultation_synthesis_theme.id'], name=op.f('fk_consultation_synthesis_edit_target_theme_id_consultation_synthesis_theme')),
    sa.ForeignKeyConstraint(['theme_id'], ['consultation_synthesis_theme.id'], name=op.f('fk_consultation_synthesis_edit_theme_id_consultation_synthesis_theme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_synthesis_edit'))
    )
    with op.batch_alter_table('consultation_synthesis_edit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_synthesis_edit_run_id'), ['run_id'], unique=False)

    op.create_table('consultation_synthesis_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('auto_theme_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['consultation_comment.id'], name=op.f('fk_consultation_synthesis_member_comment_id_consultation_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['consultation_synthesis_theme.id'], name=op.f('fk_consultation_synthesis_member_theme_id_consultation_synthesis_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_synthesis_member'))
    )
    with op.batch_alter_table('consultation_synthesis_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_synthesis_member_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_synthesis_member_theme_id'), ['theme_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('consultation_synthesis_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_synthesis_member_theme_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_synthesis_member_comment_id'))

    op.drop_table('consultation_synthesis_member')
    with op.batch_alter_table('consultation_synthesis_edit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_synthesis_edit_run_id'))

    op.drop_table('consultation_synthesis_edit')
    with op.batch_alter_table('consultation_synthesis_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_synthesis_theme_run_id'))

    op.drop_table('consultation_synthesis_theme')
    with op.batch_alter_table('consultation_synthesis_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_synthesis_run_version_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_synthesis_run_status'))

    op.drop_table('consultation_synthesis_run')
