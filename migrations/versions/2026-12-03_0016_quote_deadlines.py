"""Quote deadlines: demand_request.quotes_due_at, its two rules, and the index the reminder sweep scans

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:00:00.000000+00:00

A quote-mode request may say by when invited providers must answer (`quotes_due_at`); the database
holds the two rules that need no clock: only quote mode carries one, and it ends before the request
does. Existing rows have no deadline, so both checks hold for them.

The worker reminds invited providers a day before the deadline, once per (request, deadline)
through reminder_sent (migration 0010, app/reminders.py); ix_demand_request_quotes_due is the range
index its window scans (open requests with a deadline only).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("demand_request", sa.Column("quotes_due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_demand_request_quotes_due_in_quote_mode"),
        "demand_request",
        "quotes_due_at IS NULL OR mode = 'quote'",
    )
    op.create_check_constraint(
        op.f("ck_demand_request_quotes_due_before_validity"),
        "demand_request",
        "quotes_due_at IS NULL OR valid_until IS NULL OR quotes_due_at < valid_until",
    )
    op.create_index(
        "ix_demand_request_quotes_due",
        "demand_request",
        ["quotes_due_at"],
        unique=False,
        postgresql_where=sa.text("status = 'open' AND quotes_due_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_demand_request_quotes_due",
        table_name="demand_request",
        postgresql_where=sa.text("status = 'open' AND quotes_due_at IS NOT NULL"),
    )
    op.drop_constraint(op.f("ck_demand_request_quotes_due_before_validity"), "demand_request", type_="check")
    op.drop_constraint(op.f("ck_demand_request_quotes_due_in_quote_mode"), "demand_request", type_="check")
    op.drop_column("demand_request", "quotes_due_at")
