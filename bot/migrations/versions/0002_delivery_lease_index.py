"""Index the delivery ledger by status and time, for the lease checks that look for pending rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Without it, every take-over check scans the whole ledger, which grows with every reminder sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # if_not_exists: tables adopted from before migrations may already have it.
    op.create_index(
        "ix_deliveries_status_updated", "deliveries", ["status", "updated_at"], if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_status_updated", table_name="deliveries")
