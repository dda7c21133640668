"""numbers_country: the country a request's numbers belong to (one request, one country)

``port_requests.numbers_country`` (ISO 3166 alpha-2, default ``US``). Existing requests get the
country of their first number, read by phonenumbers; a request without numbers, or with a
number phonenumbers cannot place, keeps ``US``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 02:00:00.000000
"""

from __future__ import annotations

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("port_requests") as batch:
        batch.add_column(
            sa.Column("numbers_country", sa.String(length=2), nullable=False, server_default="US")
        )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT request_id, e164 FROM port_numbers AS n WHERE position = "
            "(SELECT MIN(position) FROM port_numbers WHERE request_id = n.request_id)"
        )
    ).all()
    found: dict[str, list[int]] = {}
    for request_id, e164 in rows:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
        except phonenumbers.NumberParseException:
            continue
        if region and region != "US" and len(region) == 2:
            found.setdefault(region, []).append(request_id)
    for region, ids in found.items():
        bind.execute(
            sa.text("UPDATE port_requests SET numbers_country = :c WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"c": region, "ids": ids},
        )


def downgrade() -> None:
    with op.batch_alter_table("port_requests") as batch:
        batch.drop_column("numbers_country")
