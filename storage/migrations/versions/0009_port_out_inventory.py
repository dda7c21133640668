"""port-outs: the numbers each account holds, their protection, richer windows and port-outs

``held_numbers``: one row per number an account holds (a completed port-in, or an agent's
registration), with its own port-out PIN and lock; the unique ``e164`` keeps a number to one
account. ``port_out_accounts``: an account's protection for all its numbers and its code for
carriers. ``port_out_events``: a port-out's timeline. Windows gain their account, whether the
customer asked for them, and when and by whom they closed; port-outs gain their account, what
the receiving carrier sent, where they came from, one record per delivery, and the decision
per number with the rule that made it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ROLE = sa.Enum("customer", "agent", "system", name="role", native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "port_out_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("pin", sa.Text(), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("unlock_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_out_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_port_out_accounts_code")),
        sa.UniqueConstraint(
            "team_id", "account", name=op.f("uq_port_out_accounts_team_id_account")
        ),
    )
    op.create_table(
        "held_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.Column("pin", sa.Text(), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("unlock_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["port_requests.id"],
            name=op.f("fk_held_numbers_request_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_numbers")),
        sa.UniqueConstraint("e164", name=op.f("uq_held_numbers_e164")),
    )
    op.create_index("ix_held_numbers_account", "held_numbers", ["team_id", "account"])
    op.create_table(
        "port_out_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port_out_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_role", _ROLE, nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["port_out_id"],
            ["port_outs.id"],
            name=op.f("fk_port_out_events_port_out_id_port_outs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_out_events")),
    )
    op.create_index(
        op.f("ix_port_out_events_port_out_id"), "port_out_events", ["port_out_id"], unique=False
    )
    with op.batch_alter_table("port_out_windows") as batch:
        batch.add_column(
            sa.Column("account", sa.String(length=32), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("wished_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_port_out_windows_account"), ["account"], unique=False)
    with op.batch_alter_table("port_outs") as batch:
        batch.add_column(
            sa.Column("account", sa.String(length=32), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("spid", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("pon", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("subscriber_name", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("postal_code", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("account_number", sa.Text(), nullable=True))
        batch.add_column(sa.Column("foc_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="agent")
        )
        batch.add_column(sa.Column("source_ref", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("decisions", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("rule", sa.String(length=32), nullable=True))
        batch.create_unique_constraint(batch.f("uq_port_outs_dedupe_key"), ["dedupe_key"])
        batch.create_index(batch.f("ix_port_outs_account"), ["account"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("port_outs") as batch:
        batch.drop_index(batch.f("ix_port_outs_account"))
        batch.drop_constraint(batch.f("uq_port_outs_dedupe_key"), type_="unique")
        for column in (
            "rule",
            "decisions",
            "dedupe_key",
            "source_ref",
            "source",
            "foc_date",
            "account_number",
            "postal_code",
            "subscriber_name",
            "pon",
            "spid",
            "account",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("port_out_windows") as batch:
        batch.drop_index(batch.f("ix_port_out_windows_account"))
        for column in ("closed_by", "closed_at", "wished_date", "requested", "account"):
            batch.drop_column(column)
    op.drop_index(op.f("ix_port_out_events_port_out_id"), table_name="port_out_events")
    op.drop_table("port_out_events")
    op.drop_index("ix_held_numbers_account", table_name="held_numbers")
    op.drop_table("held_numbers")
    op.drop_table("port_out_accounts")
