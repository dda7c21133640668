"""request_quote: the fee quote of a request, kept on the request

``port_requests.quote`` (JSON, NULL until an agent sends a quote): the amount (a decimal
string), the ISO 4217 currency, whether it is per number, the country whose calendar counts the
answer period, when it was sent and when silence counts as acceptance, the answer (accepted or
declined; by the customer, an agent, or by default) and, once the port is over, the charge.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 02:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("port_requests") as batch:
        batch.add_column(sa.Column("quote", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("port_requests") as batch:
        batch.drop_column("quote")
