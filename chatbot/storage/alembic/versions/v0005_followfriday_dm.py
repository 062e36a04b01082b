"""#FollowFriday by direct message: who asked for it, and what was sent each week.

Revision ID: 0005_followfriday_dm
Revises: 0004_web
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_followfriday_dm"
down_revision = "0004_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Off unless the member runs `/klout followfriday dm on`.
    # An integer 0/1 like the other flags, so the same SQL runs on SQLite and PostgreSQL.
    op.add_column("members", sa.Column("followfriday_dm", sa.Integer, nullable=False,
                                       server_default="0"))
    # One row per member and week, claimed before the message is sent: a second process,
    # a restart or a retry finds it and never sends that week's message again.
    op.create_table(
        "followfriday_dms",
        sa.Column("team_id", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("claimed_at", sa.Text, nullable=False),
        sa.Column("claimed_by", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("sent_at", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("team_id", "period", "user_id"),
        sa.ForeignKeyConstraint(["team_id", "user_id"], ["members.team_id", "members.user_id"],
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("followfriday_dms")
    with op.batch_alter_table("members") as members:
        members.drop_column("followfriday_dm")
