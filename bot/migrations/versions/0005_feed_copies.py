"""Keep the last good copy of each configured Meeting Guide feed (`directory.feeds`), and the
origin of the saved directory.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

One row per feed: its address, the validators for a conditional request (ETag, Last-Modified),
when it was last asked for and last read, the meetings read from it, and why the last attempt
failed. A restart serves the feeds' meetings from here without fetching them.

And the origin of the last good directory (`directory_copies.origin`), so that a start-up on the
directory already saved does not write its copy (megabytes, for a big feed) again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_copies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meetings", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("directory_copies") as copies:
        copies.add_column(sa.Column("origin", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directory_copies") as copies:
        copies.drop_column("origin")
    op.drop_table("feed_copies")
