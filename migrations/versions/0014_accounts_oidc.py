"""sign-in with FranceConnect and ProConnect: identities at a provider, sign-ins through them

`accounts_oidc_identity` links a person as an OpenID provider knows them (issuer and `sub`) to
one account; `accounts_oidc_login` holds each sign-in through a provider, from the redirect (the
hashed state, the nonce, the PKCE verifier, the browser it was started in) to the session it
opened (its ID token, kept for the logout). Two new tables: no row stored before changes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts_oidc_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["accounts_user.id"],
            name=op.f("fk_accounts_oidc_identity_user_id_accounts_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts_oidc_identity")),
        sa.UniqueConstraint(
            "issuer", "subject", name=op.f("uq_accounts_oidc_identity_issuer_subject")
        ),
    )
    op.create_index(
        op.f("ix_accounts_oidc_identity_user_id"), "accounts_oidc_identity", ["user_id"]
    )
    op.create_table(
        "accounts_oidc_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("state_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("browser_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("code_verifier", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("next_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("returned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("auth_session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["auth_session_id"],
            ["accounts_session.id"],
            name=op.f("fk_accounts_oidc_login_auth_session_id_accounts_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts_oidc_login")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_accounts_oidc_login_state_hash")),
    )
    op.create_index(
        op.f("ix_accounts_oidc_login_browser_hash"), "accounts_oidc_login", ["browser_hash"]
    )
    op.create_index(
        op.f("ix_accounts_oidc_login_expires_at"), "accounts_oidc_login", ["expires_at"]
    )
    op.create_index(
        op.f("ix_accounts_oidc_login_auth_session_id"), "accounts_oidc_login", ["auth_session_id"]
    )


def downgrade() -> None:
    # Accounts made by a provider sign-in stay (with an unusable password: a reset gives them
    # one); only the links to the provider and the sign-ins in flight go.
    op.drop_index(op.f("ix_accounts_oidc_login_auth_session_id"), table_name="accounts_oidc_login")
    op.drop_index(op.f("ix_accounts_oidc_login_expires_at"), table_name="accounts_oidc_login")
    op.drop_index(op.f("ix_accounts_oidc_login_browser_hash"), table_name="accounts_oidc_login")
    op.drop_table("accounts_oidc_login")
    op.drop_index(op.f("ix_accounts_oidc_identity_user_id"), table_name="accounts_oidc_identity")
    op.drop_table("accounts_oidc_identity")
