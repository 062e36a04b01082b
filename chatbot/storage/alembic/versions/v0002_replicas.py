"""Replicas on one database: a store version for caches, refresh leases, rate budgets.

Revision ID: 0002_replicas
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_replicas"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row, bumped by every write transaction that changed something: read caches in
    # every process compare it (SQLite's data_version is per connection and per engine).
    op.create_table("store_version", sa.Column("version", sa.BigInteger, nullable=False))
    op.execute("INSERT INTO store_version (version) VALUES (0)")
    # Who is refreshing a member, until when: an expired lease is anyone's to take.
    op.add_column("members", sa.Column("lease_holder", sa.Text, nullable=True))
    op.add_column("members", sa.Column("lease_expires_at", sa.Text, nullable=True))
    op.create_index("members_lease", "members", ["lease_expires_at"])
    # Requests spent per network key and window, shared by every process.
    op.create_table(
        "rate_budgets",
        sa.Column("budget_key", sa.Text, nullable=False),
        sa.Column("window_start", sa.Text, nullable=False),
        sa.Column("spent", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("budget_key", "window_start"),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
    op.drop_index("members_lease", "members")
    op.drop_column("members", "lease_expires_at")
    op.drop_column("members", "lease_holder")
    op.drop_table("store_version")
