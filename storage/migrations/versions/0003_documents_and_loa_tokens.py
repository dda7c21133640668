"""documents and loa tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:38:12.837983
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("bill", "loa", "loa_signed", name="documentkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=True),
        sa.Column("source_ref", sa.String(length=128), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["port_requests.id"], name=op.f("fk_documents_request_id_port_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint(
            "request_id", "kind", "source_ref", name=op.f("uq_documents_request_id_kind_source_ref")
        ),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"], unique=False)

    op.create_table(
        "loa_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_name", sa.String(length=200), nullable=True),
        sa.Column("signed_ip", sa.String(length=64), nullable=True),
        sa.Column("signed_user_agent", sa.String(length=512), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["port_requests.id"],
            name=op.f("fk_loa_tokens_request_id_port_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loa_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_loa_tokens_token_hash")),
    )
    with op.batch_alter_table("loa_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loa_tokens_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loa_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loa_tokens_request_id"))

    op.drop_table("loa_tokens")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_documents_request_id"))

    op.drop_table("documents")
