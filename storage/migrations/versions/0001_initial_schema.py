"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:46:25.296225
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "port_out_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=34), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receiving_carrier", sa.String(length=120), nullable=True),
        sa.Column("pin", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open", "closed", "cancelled", name="windowstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_out_windows")),
        sa.UniqueConstraint("public_id", name=op.f("uq_port_out_windows_public_id")),
    )
    with op.batch_alter_table("port_out_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_port_out_windows_team_id"), ["team_id"], unique=False)

    op.create_table(
        "port_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "awaiting_signature",
                "in_review",
                "submitted",
                "foc_confirmed",
                "action_required",
                "cancel_pending",
                "completed",
                "cancelled",
                "expired",
                name="requeststatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status_before_cancel",
            sa.Enum(
                "draft",
                "awaiting_signature",
                "in_review",
                "submitted",
                "foc_confirmed",
                "action_required",
                "cancel_pending",
                "completed",
                "cancelled",
                "expired",
                name="requeststatus",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column(
            "account_type",
            sa.Enum("residential", "business", name="accounttype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("losing_carrier", sa.String(length=120), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=True),
        sa.Column("btn", sa.String(length=16), nullable=True),
        sa.Column("pin", sa.Text(), nullable=True),
        sa.Column("rep_name", sa.String(length=200), nullable=False),
        sa.Column("rep_email", sa.String(length=254), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("street2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("postal_code", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("desired_date", sa.Date(), nullable=True),
        sa.Column("bill_filename", sa.String(length=255), nullable=True),
        sa.Column("bill_content_type", sa.String(length=100), nullable=True),
        sa.Column("bill_size", sa.Integer(), nullable=True),
        sa.Column("bill_issued_on", sa.Date(), nullable=True),
        sa.Column("bill_file_id", sa.String(length=64), nullable=True),
        sa.Column("csr_name", sa.String(length=200), nullable=True),
        sa.Column("csr_address", sa.String(length=400), nullable=True),
        sa.Column("csr_postal_code", sa.String(length=16), nullable=True),
        sa.Column("csr_account_number", sa.Text(), nullable=True),
        sa.Column("foc_date", sa.Date(), nullable=True),
        sa.Column("foc_window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("foc_window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("loa_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["port_requests.id"],
            name=op.f("fk_port_requests_parent_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_requests")),
        sa.UniqueConstraint("sid", name=op.f("uq_port_requests_sid")),
    )
    with op.batch_alter_table("port_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_port_requests_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_port_requests_foc_date"), ["foc_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_port_requests_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_port_requests_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_port_requests_team_id"), ["team_id"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=48), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["port_requests.id"],
            name=op.f("fk_idempotency_keys_request_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "delivered", "dead", name="outboxstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["port_requests.id"], name=op.f("fk_outbox_request_id_port_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_request_id"), ["request_id"], unique=False)

    op.create_table(
        "port_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column(
            "line_type",
            sa.Enum(
                "landline", "wireless", "toll_free", name="linetype", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "submitted",
                "foc_confirmed",
                "ported",
                "rejected",
                "cancelled",
                name="numberstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("open_e164", sa.String(length=16), nullable=True),
        sa.Column("foc_date", sa.Date(), nullable=True),
        sa.Column("foc_window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("foc_window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_codes", sa.JSON(), nullable=True),
        sa.Column("ported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["port_requests.id"],
            name=op.f("fk_port_numbers_request_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_numbers")),
        sa.UniqueConstraint("open_e164", name=op.f("uq_port_numbers_open_e164")),
        sa.UniqueConstraint("request_id", "e164", name=op.f("uq_port_numbers_request_id_e164")),
    )
    with op.batch_alter_table("port_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_port_numbers_e164"), ["e164"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_port_numbers_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "port_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=34), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("receiving_carrier", sa.String(length=120), nullable=False),
        sa.Column("pin_offered", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "authorized",
                "rejected",
                "ported",
                "cancelled",
                name="portoutstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("logged_by", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["port_out_windows.id"],
            name=op.f("fk_port_outs_window_id_port_out_windows"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_outs")),
        sa.UniqueConstraint("public_id", name=op.f("uq_port_outs_public_id")),
    )
    with op.batch_alter_table("port_outs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_port_outs_team_id"), ["team_id"], unique=False)

    op.create_table(
        "timeline_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_role",
            sa.Enum("customer", "agent", "system", name="role", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "awaiting_signature",
                "in_review",
                "submitted",
                "foc_confirmed",
                "action_required",
                "cancel_pending",
                "completed",
                "cancelled",
                "expired",
                name="requeststatus",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "awaiting_signature",
                "in_review",
                "submitted",
                "foc_confirmed",
                "action_required",
                "cancel_pending",
                "completed",
                "cancelled",
                "expired",
                name="requeststatus",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("numbers", sa.JSON(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["port_requests.id"],
            name=op.f("fk_timeline_events_request_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_events")),
    )
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timeline_events_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("port_out_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "sent",
                "cancelled",
                name="reminderstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["port_out_id"], ["port_outs.id"], name=op.f("fk_reminders_port_out_id_port_outs")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["port_requests.id"], name=op.f("fk_reminders_request_id_port_requests")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["port_out_windows.id"],
            name=op.f("fk_reminders_window_id_port_out_windows"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_reminders_dedupe_key")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_due", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_request_id"), ["request_id"], unique=False)

    op.create_table(
        "slack_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("port_out_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("agents_channel_id", sa.String(length=32), nullable=True),
        sa.Column("agents_message_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["port_out_id"], ["port_outs.id"], name=op.f("fk_slack_links_port_out_id_port_outs")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["port_requests.id"],
            name=op.f("fk_slack_links_request_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_links")),
        sa.UniqueConstraint("port_out_id", name=op.f("uq_slack_links_port_out_id")),
        sa.UniqueConstraint("request_id", name=op.f("uq_slack_links_request_id")),
    )
    op.create_table(
        "zendesk_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("port_out_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["port_out_id"], ["port_outs.id"], name=op.f("fk_zendesk_links_port_out_id_port_outs")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["port_requests.id"],
            name=op.f("fk_zendesk_links_request_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zendesk_links")),
        sa.UniqueConstraint("port_out_id", name=op.f("uq_zendesk_links_port_out_id")),
        sa.UniqueConstraint("request_id", name=op.f("uq_zendesk_links_request_id")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_zendesk_links_ticket_id")),
    )


def downgrade() -> None:

    op.drop_table("zendesk_links")
    op.drop_table("slack_links")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_request_id"))
        batch_op.drop_index("ix_reminders_due")

    op.drop_table("reminders")
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_events_request_id"))

    op.drop_table("timeline_events")
    with op.batch_alter_table("port_outs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_port_outs_team_id"))

    op.drop_table("port_outs")
    with op.batch_alter_table("port_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_port_numbers_request_id"))
        batch_op.drop_index(batch_op.f("ix_port_numbers_e164"))

    op.drop_table("port_numbers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_request_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("port_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_port_requests_team_id"))
        batch_op.drop_index(batch_op.f("ix_port_requests_status"))
        batch_op.drop_index(batch_op.f("ix_port_requests_requester_id"))
        batch_op.drop_index(batch_op.f("ix_port_requests_foc_date"))
        batch_op.drop_index(batch_op.f("ix_port_requests_created_at"))

    op.drop_table("port_requests")
    with op.batch_alter_table("port_out_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_port_out_windows_team_id"))

    op.drop_table("port_out_windows")
