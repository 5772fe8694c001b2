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

    # The consultation: phases, proposals, answers, comments, supports, moderation, following.
    op.create_table('consultation_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('blocked_by', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['blocked_by'], ['accounts_user.id'], name=op.f('fk_consultation_block_blocked_by_accounts_user')),
    sa.ForeignKeyConstraint(['user_id'], ['accounts_user.id'], name=op.f('fk_consultation_block_user_id_accounts_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_block')),
    sa.UniqueConstraint('user_id', name=op.f('uq_consultation_block_user_id'))
    )
    op.create_table('consultation_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('target_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('unsubscribe_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['accounts_user.id'], name=op.f('fk_consultation_follow_user_id_accounts_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_follow')),
    sa.UniqueConstraint('unsubscribe_token', name=op.f('uq_consultation_follow_unsubscribe_token')),
    sa.UniqueConstraint('user_id', 'target_type', 'target_key', name=op.f('uq_consultation_follow_user_id_target_type_target_key'))
    )
    op.create_table('consultation_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['accounts_user.id'], name=op.f('fk_consultation_support_user_id_accounts_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_support')),
    sa.UniqueConstraint('user_id', 'target_type', 'target_id', name=op.f('uq_consultation_support_user_id_target_type_target_id'))
    )
    op.create_table('consultation_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('phase', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('opens_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by'], ['accounts_user.id'], name=op.f('fk_consultation_schedule_changed_by_accounts_user')),
    sa.ForeignKeyConstraint(['version_id'], ['consultation_version.id'], name=op.f('fk_consultation_schedule_version_id_consultation_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_schedule')),
    sa.UniqueConstraint('version_id', name=op.f('uq_consultation_schedule_version_id'))
    )
    with op.batch_alter_table('consultation_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_schedule_phase'), ['phase'], unique=False)

    op.create_table('consultation_clause_stats',
    sa.Column('clause_id', sa.Integer(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clause_id'], ['consultation_clause.id'], name=op.f('fk_consultation_clause_stats_clause_id_consultation_clause'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clause_id', name=op.f('pk_consultation_clause_stats'))
    )
    op.create_table('consultation_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('clause_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('section_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base_title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('base_body', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('rationale', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('applied_clause_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['applied_clause_id'], ['consultation_clause.id'], name=op.f('fk_consultation_proposal_applied_clause_id_consultation_clause')),
    sa.ForeignKeyConstraint(['author_id'], ['accounts_user.id'], name=op.f('fk_consultation_proposal_author_id_accounts_user')),
    sa.ForeignKeyConstraint(['version_id'], ['consultation_version.id'], name=op.f('fk_consultation_proposal_version_id_consultation_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_proposal'))
    )
    with op.batch_alter_table('consultation_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_proposal_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_proposal_clause_slug'), ['clause_slug'], unique=False)
        batch_op.create_index('ix_consultation_proposal_version_status', ['version_id', 'status'], unique=False)

    op.create_table('consultation_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('final_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['official_id'], ['accounts_user.id'], name=op.f('fk_consultation_answer_official_id_accounts_user')),
    sa.ForeignKeyConstraint(['proposal_id'], ['consultation_proposal.id'], name=op.f('fk_consultation_answer_proposal_id_consultation_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_answer'))
    )
    with op.batch_alter_table('consultation_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_answer_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_answer_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('consultation_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('edited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('hidden_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('hidden_by', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('hidden_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['accounts_user.id'], name=op.f('fk_consultation_comment_author_id_accounts_user')),
    sa.ForeignKeyConstraint(['clause_id'], ['consultation_clause.id'], name=op.f('fk_consultation_comment_clause_id_consultation_clause'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by'], ['accounts_user.id'], name=op.f('fk_consultation_comment_hidden_by_accounts_user')),
    sa.ForeignKeyConstraint(['parent_id'], ['consultation_comment.id'], name=op.f('fk_consultation_comment_parent_id_consultation_comment')),
    sa.ForeignKeyConstraint(['proposal_id'], ['consultation_proposal.id'], name=op.f('fk_consultation_comment_proposal_id_consultation_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_comment'))
    )
    with op.batch_alter_table('consultation_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_consultation_comment_clause_created', ['clause_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_comment_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_comment_hidden_at'), ['hidden_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_consultation_comment_proposal_created', ['proposal_id', 'created_at'], unique=False)

    op.create_table('consultation_moderation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['consultation_comment.id'], name=op.f('fk_consultation_moderation_comment_id_consultation_comment')),
    sa.ForeignKeyConstraint(['moderator_id'], ['accounts_user.id'], name=op.f('fk_consultation_moderation_moderator_id_accounts_user')),
    sa.ForeignKeyConstraint(['user_id'], ['accounts_user.id'], name=op.f('fk_consultation_moderation_user_id_accounts_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_moderation'))
    )
    with op.batch_alter_table('consultation_moderation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_moderation_action'), ['action'], unique=False)

    op.create_table('consultation_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['consultation_comment.id'], name=op.f('fk_consultation_report_comment_id_consultation_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['accounts_user.id'], name=op.f('fk_consultation_report_reporter_id_accounts_user')),
    sa.ForeignKeyConstraint(['resolved_by'], ['accounts_user.id'], name=op.f('fk_consultation_report_resolved_by_accounts_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_report')),
    sa.UniqueConstraint('comment_id', 'reporter_id', name=op.f('uq_consultation_report_comment_id_reporter_id'))
    )
    with op.batch_alter_table('consultation_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_report_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_report_resolved_at'), ['resolved_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consultation_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_report_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_consultation_report_comment_id'))

    op.drop_table('consultation_report')
    with op.batch_alter_table('consultation_moderation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_moderation_action'))

    op.drop_table('consultation_moderation')
    with op.batch_alter_table('consultation_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_comment_proposal_created')
        batch_op.drop_index(batch_op.f('ix_consultation_comment_parent_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_comment_hidden_at'))
        batch_op.drop_index(batch_op.f('ix_consultation_comment_created_at'))
        batch_op.drop_index('ix_consultation_comment_clause_created')
        batch_op.drop_index(batch_op.f('ix_consultation_comment_author_id'))

    op.drop_table('consultation_comment')
    with op.batch_alter_table('consultation_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_answer_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_answer_created_at'))

    op.drop_table('consultation_answer')
    with op.batch_alter_table('consultation_proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_proposal_version_status')
        batch_op.drop_index(batch_op.f('ix_consultation_proposal_clause_slug'))
        batch_op.drop_index(batch_op.f('ix_consultation_proposal_author_id'))

    op.drop_table('consultation_proposal')
    op.drop_table('consultation_clause_stats')
    with op.batch_alter_table('consultation_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_schedule_phase'))

    op.drop_table('consultation_schedule')
    op.drop_table('consultation_support')
    op.drop_table('consultation_follow')
    op.drop_table('consultation_block')
    op.drop_table('consultation_section')
    with op.batch_alter_table('consultation_clause', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_clause_version_slug')

    op.drop_table('consultation_clause')
    with op.batch_alter_table('consultation_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_version_status'))

    op.drop_table('consultation_version')
