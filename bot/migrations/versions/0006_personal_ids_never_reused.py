"""Personal meetings: ids are never reused, and a link keeps its passcode note.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10

SQLite hands a freed INTEGER PRIMARY KEY id to the next row, so a button for a deleted meeting
would act on a newer one; AUTOINCREMENT never reuses an id. SQLite cannot alter a table's key,
so batch mode rebuilds the table with its rows (run it, as `python -m bot migrate` does, on a
connection without `PRAGMA foreign_keys`: with it on, dropping the old table would take the
subscriptions with it). PostgreSQL's serial ids are never reused: only the column is added there.

And `link_notes`: what goes with a join link ("passcode 4567").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "personal_meetings",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    ) as personal:
        personal.add_column(sa.Column("link_notes", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("personal_meetings") as personal:
        personal.drop_column("link_notes")
