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
    # Filled by the consultation issue; kept in the chain so modules add tables without new heads.
    pass


def downgrade() -> None:
    pass
