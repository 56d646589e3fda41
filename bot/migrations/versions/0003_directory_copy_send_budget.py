"""The last good meeting directory, and the reminder send budget shared by every instance.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

directory_copies: one row, the directory subscriptions were last synced to, as JSON
(`bot.directory_guard`). send_budget: reminder sends started per second by all instances
together, a ring of 60 rows (`scheduler.budget`).
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
    op.create_table(
        "send_budget",
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("second", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slot"),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
    op.drop_table("directory_copies")
