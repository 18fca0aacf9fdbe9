"""Reminders sent once: the reminder_sent table, and the range indexes the reminder sweeps scan

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00.000000+00:00

The worker reminds people before deadlines (a verification behind a badge expiring in 30 and 7
days, a request expiring in 3 days, an offer lapsing in 24 hours). Each reminder is sent once per
(kind, subject, threshold, deadline) even with several workers sweeping at once: the sweep claims
it by inserting this table's primary key with ON CONFLICT DO NOTHING in the transaction that writes
its notifications (app/reminders.py). A table of its own rather than a unique index on
notification: a reminder goes to several people (a provider's staff) but is one event, and adding
a reminder kind must not mean rewriting an index predicate.

The sweeps select the subjects whose deadline falls in a window ahead of now, so each gets a
partial range index on that deadline: verification.expires_at of passed checks, and
offer.valid_until of pending offers (open requests' valid_until has ix_demand_request_expiry).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_sent",
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("threshold", sa.String(length=8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject_id", "threshold", "due_at", name=op.f("pk_reminder_sent")),
    )
    op.create_index("ix_reminder_sent_due_at", "reminder_sent", ["due_at"], unique=False)
    op.create_index(
        "ix_verification_expiring",
        "verification",
        ["expires_at"],
        unique=False,
        postgresql_where="outcome = 'passed' AND expires_at IS NOT NULL",
    )
    op.create_index(
        "ix_offer_pending_valid_until",
        "offer",
        ["valid_until"],
        unique=False,
        postgresql_where="status = 'pending'",
    )


def downgrade() -> None:
    op.drop_index("ix_offer_pending_valid_until", table_name="offer", postgresql_where="status = 'pending'")
    op.drop_index(
        "ix_verification_expiring",
        table_name="verification",
        postgresql_where="outcome = 'passed' AND expires_at IS NOT NULL",
    )
    op.drop_index("ix_reminder_sent_due_at", table_name="reminder_sent")
    op.drop_table("reminder_sent")
