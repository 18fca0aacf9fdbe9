"""Domestic-work terms on offers and engagements: live_in (CCNL) and session_minutes (per-session prices)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 18:30:00.000000+00:00

The minimum-pay guard (app/domestic_work/guard.py) brings every price to the unit of its minimum: a
live-in CCNL worker is held to the level's monthly live-in minimum, and a per-session price is
brought to an hour through the session's length. Both are stated on the offer and copied to the
engagement (the Libretto Famiglia caps estimate existing engagements from them). Existing rows are
non-live-in and have no session length (the caps count such a session as one hour).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("offer", "engagement")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("live_in", sa.Boolean(), server_default=sa.false(), nullable=False))
        op.add_column(table, sa.Column("session_minutes", sa.SmallInteger(), nullable=True))
        op.create_check_constraint(
            op.f(f"ck_{table}_live_in_is_ccnl"), table, "NOT live_in OR contract_type = 'ccnl_domestic'"
        )
        op.create_check_constraint(
            op.f(f"ck_{table}_session_minutes_per_session"),
            table,
            "session_minutes IS NULL OR (price_model = 'per_session' AND session_minutes BETWEEN 1 AND 1440)",
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_constraint(op.f(f"ck_{table}_session_minutes_per_session"), table, type_="check")
        op.drop_constraint(op.f(f"ck_{table}_live_in_is_ccnl"), table, type_="check")
        op.drop_column(table, "session_minutes")
        op.drop_column(table, "live_in")
