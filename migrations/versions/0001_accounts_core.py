"""accounts and core tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts_login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts_login_attempt'))
    )
    with op.batch_alter_table('accounts_login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_accounts_login_attempt_key_at', ['key', 'at'], unique=False)

    op.create_table('accounts_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('email_confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('blocked_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts_user')),
    sa.UniqueConstraint('display_name', name=op.f('uq_accounts_user_display_name')),
    sa.UniqueConstraint('email', name=op.f('uq_accounts_user_email'))
    )
    op.create_table('core_job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('slot', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_job_run')),
    sa.UniqueConstraint('job', 'slot', name=op.f('uq_core_job_run_job_slot'))
    )
    op.create_table('core_mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_mail_outbox'))
    )
    with op.batch_alter_table('core_mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_mail_outbox_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_mail_outbox_to_address'), ['to_address'], unique=False)

    op.create_table('accounts_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['accounts_user.id'], name=op.f('fk_accounts_session_user_id_accounts_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_accounts_session_token_hash'))
    )
    with op.batch_alter_table('accounts_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_session_user_id'), ['user_id'], unique=False)

    op.create_table('accounts_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['accounts_user.id'], name=op.f('fk_accounts_token_user_id_accounts_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_accounts_token_token_hash'))
    )
    with op.batch_alter_table('accounts_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_token_user_id'), ['user_id'], unique=False)

    op.create_table('accounts_user_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('granted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['granted_by'], ['accounts_user.id'], name=op.f('fk_accounts_user_role_granted_by_accounts_user')),
    sa.ForeignKeyConstraint(['user_id'], ['accounts_user.id'], name=op.f('fk_accounts_user_role_user_id_accounts_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts_user_role')),
    sa.UniqueConstraint('user_id', 'role', name=op.f('uq_accounts_user_role_user_id_role'))
    )
    with op.batch_alter_table('accounts_user_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_user_role_user_id'), ['user_id'], unique=False)

    op.create_table('core_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['accounts_user.id'], name=op.f('fk_core_audit_actor_id_accounts_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_audit'))
    )
    with op.batch_alter_table('core_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_audit_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_audit_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_audit_at'), ['at'], unique=False)
        batch_op.create_index('ix_core_audit_object', ['object_type', 'object_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('core_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_core_audit_object')
        batch_op.drop_index(batch_op.f('ix_core_audit_at'))
        batch_op.drop_index(batch_op.f('ix_core_audit_actor_id'))
        batch_op.drop_index(batch_op.f('ix_core_audit_action'))

    op.drop_table('core_audit')
    with op.batch_alter_table('accounts_user_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_user_role_user_id'))

    op.drop_table('accounts_user_role')
    with op.batch_alter_table('accounts_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_token_user_id'))

    op.drop_table('accounts_token')
    with op.batch_alter_table('accounts_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_accounts_session_expires_at'))

    op.drop_table('accounts_session')
    with op.batch_alter_table('core_mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_mail_outbox_to_address'))
        batch_op.drop_index(batch_op.f('ix_core_mail_outbox_created_at'))

    op.drop_table('core_mail_outbox')
    op.drop_table('core_job_run')
    op.drop_table('accounts_user')
    with op.batch_alter_table('accounts_login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_accounts_login_attempt_key_at')

    op.drop_table('accounts_login_attempt')
