"""zendesk people: the Zendesk end user of each Slack person portbot speaks for

``zendesk_people``: one row per Slack user (``team_id``, ``slack_user_id``) with the id of their
Zendesk end user, the requester of the tickets they open and the author of their thread replies
on those tickets; ``by_email`` says whether Slack's e-mail address found or made that user.
The index on ``zendesk_user_id`` answers the webhook's question "is this comment's author a
Slack person?" (then the comment is portbot's own copy and goes nowhere).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zendesk_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("zendesk_user_id", sa.BigInteger(), nullable=False),
        sa.Column("by_email", sa.Boolean(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zendesk_people")),
        sa.UniqueConstraint(
            "team_id", "slack_user_id", name=op.f("uq_zendesk_people_team_id_slack_user_id")
        ),
    )
    op.create_index(
        op.f("ix_zendesk_people_zendesk_user_id"),
        "zendesk_people",
        ["zendesk_user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_zendesk_people_zendesk_user_id"), table_name="zendesk_people")
    op.drop_table("zendesk_people")
