"""Remember a language the user chose with /language, apart from their Telegram's.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

`users.language` keeps the language the bot speaks to them (and reminders use); this flag says
whether it was their choice, so that Telegram's setting no longer overwrites it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(
            sa.Column("language_chosen", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.drop_column("language_chosen")
