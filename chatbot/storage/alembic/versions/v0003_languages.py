"""Languages: each team's, and a member's own choice over their platform's.

Revision ID: 0003_languages
Revises: 0002_replicas
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_languages"
down_revision = "0002_replicas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing teams have only ever read English.
    op.add_column("teams", sa.Column("language", sa.Text, nullable=False, server_default="en"))
    # NULL: follow the platform's locale, then the team's language (`/klout language auto`).
    op.add_column("members", sa.Column("language", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as members:
        members.drop_column("language")
    with op.batch_alter_table("teams") as teams:
        teams.drop_column("language")
