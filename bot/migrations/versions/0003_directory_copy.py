"""Keep the last good meeting directory in the database, for a start-up whose meetings file fails.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

One row: the directory that subscriptions were last synced to, as JSON (`bot.directory_guard`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_copies",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meetings", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("directory_copies")
