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
    # Filled by the synthesis issue; kept in the chain so modules add tables without new heads.
    pass


def downgrade() -> None:
    pass
