"""Web pages: opaque ids for links, and whether a team's pages are public.

Revision ID: 0004_web
Revises: 0003_languages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web"
down_revision = "0003_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Links name a team and a member only by these random ids, given out the first time a
    # page needs one; a platform's own ids never appear in a URL.
    op.add_column("teams", sa.Column("web_id", sa.Text, nullable=True))
    op.create_index("teams_web_id", "teams", ["web_id"], unique=True)
    op.add_column("members", sa.Column("web_id", sa.Text, nullable=True))
    op.create_index("members_web_id", "members", ["team_id", "web_id"], unique=True)
    # Private by default. Turning a team private again bumps the generation, which every
    # public link carries: the old links stop working.
    op.add_column("teams", sa.Column("web_public", sa.Integer, nullable=False,
                                     server_default="0"))
    op.add_column("teams", sa.Column("web_generation", sa.Integer, nullable=False,
                                     server_default="0"))


def downgrade() -> None:
    op.drop_index("members_web_id", "members")
    with op.batch_alter_table("members") as members:
        members.drop_column("web_id")
    op.drop_index("teams_web_id", "teams")
    with op.batch_alter_table("teams") as teams:
        teams.drop_column("web_generation")
        teams.drop_column("web_public")
        teams.drop_column("web_id")
