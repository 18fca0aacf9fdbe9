"""Timesheets and co-payments: a week of an hourly engagement's hours, and the household's share

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 09:00:00.000000+00:00

A timesheet is one ISO week (week_start is a Monday) of one engagement, in quarter hours per day
(seven days, 0..96 each), unique per engagement and week. Once confirmed its cost is split into the
public share (captured from the funding holds) and the co-payment, and the database holds the sum.
The co-payment is a row of its own, due until the provider marks it received (with the method).
ix_timesheet_auto_confirm is the range the worker's auto-confirmation sweep scans.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESHEET_STATUS = postgresql.ENUM(
    "submitted", "disputed", "confirmed", "rejected", name="timesheet_status", create_type=False
)
CONFIRMATION = postgresql.ENUM("household", "automatic", "decision", name="timesheet_confirmation", create_type=False)
COPAYMENT_STATUS = postgresql.ENUM("due", "received", name="copayment_status", create_type=False)
PAYMENT_METHOD = postgresql.ENUM(
    "bank_transfer", "card_at_provider", "pagopa", name="payment_method", create_type=False
)
ENUMS = (TIMESHEET_STATUS, CONFIRMATION, COPAYMENT_STATUS, PAYMENT_METHOD)


def upgrade() -> None:
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=False)
    op.create_table(
        "timesheet",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("quarter_hours", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("hourly_price_cents", sa.Integer(), nullable=False),
        sa.Column("flags", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("status", TIMESHEET_STATUS, nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auto_confirm_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disputed_by_id", sa.Uuid(), nullable=True),
        sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispute_reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=1000), nullable=True),
        sa.Column("confirmation", CONFIRMATION, nullable=True),
        sa.Column("confirmed_by_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cost_cents", sa.Integer(), nullable=True),
        sa.Column("public_cents", sa.Integer(), nullable=True),
        sa.Column("copayment_cents", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("extract(isodow from week_start) = 1", name=op.f("ck_timesheet_week_starts_on_monday")),
        sa.CheckConstraint(
            "cardinality(quarter_hours) = 7 AND 0 <= ALL(quarter_hours) AND 96 >= ALL(quarter_hours)",
            name=op.f("ck_timesheet_quarter_hours_per_day"),
        ),
        sa.CheckConstraint("hourly_price_cents >= 0", name=op.f("ck_timesheet_hourly_price_not_negative")),
        sa.CheckConstraint(
            "(status = 'confirmed') = (confirmed_at IS NOT NULL AND cost_cents IS NOT NULL)",
            name=op.f("ck_timesheet_confirmed_has_cost"),
        ),
        sa.CheckConstraint(
            "cost_cents IS NULL OR (public_cents >= 0 AND copayment_cents >= 0 "
            "AND public_cents + copayment_cents = cost_cents)",
            name=op.f("ck_timesheet_cost_is_public_plus_copayment"),
        ),
        sa.CheckConstraint(
            "status <> 'disputed' OR dispute_reason IS NOT NULL", name=op.f("ck_timesheet_disputed_has_reason")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagement.id"], name=op.f("fk_timesheet_engagement_id_engagement"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_timesheet_provider_id_provider"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["user_account.id"],
            name=op.f("fk_timesheet_household_id_user_account"),
            ondelete="CASCADE",
        ),
        *(
            sa.ForeignKeyConstraint(
                [column], ["user_account.id"], name=op.f(f"fk_timesheet_{column}_user_account"), ondelete="SET NULL"
            )
            for column in ("submitted_by_id", "disputed_by_id", "decided_by_id", "confirmed_by_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timesheet")),
        sa.UniqueConstraint("engagement_id", "week_start", name="uq_timesheet_engagement_week"),
    )
    op.create_index(op.f("ix_timesheet_provider_id"), "timesheet", ["provider_id"])
    op.create_index(op.f("ix_timesheet_household_id"), "timesheet", ["household_id"])
    op.create_index(
        "ix_timesheet_auto_confirm",
        "timesheet",
        ["auto_confirm_at"],
        postgresql_where=sa.text("status = 'submitted'"),
    )
    op.create_table(
        "copayment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("timesheet_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", COPAYMENT_STATUS, nullable=False),
        sa.Column("method", PAYMENT_METHOD, nullable=True),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_copayment_amount_positive")),
        sa.CheckConstraint(
            "(status = 'received') = (received_at IS NOT NULL AND method IS NOT NULL)",
            name=op.f("ck_copayment_received_has_method"),
        ),
        sa.ForeignKeyConstraint(
            ["timesheet_id"], ["timesheet.id"], name=op.f("fk_copayment_timesheet_id_timesheet"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagement.id"], name=op.f("fk_copayment_engagement_id_engagement"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_copayment_provider_id_provider"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["user_account.id"],
            name=op.f("fk_copayment_household_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"],
            ["user_account.id"],
            name=op.f("fk_copayment_received_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_copayment")),
        sa.UniqueConstraint("timesheet_id", name=op.f("uq_copayment_timesheet_id")),
    )
    op.create_index(op.f("ix_copayment_provider_id"), "copayment", ["provider_id"])
    op.create_index(op.f("ix_copayment_household_id"), "copayment", ["household_id"])


def downgrade() -> None:
    op.drop_table("copayment")
    op.drop_index("ix_timesheet_auto_confirm", table_name="timesheet", postgresql_where=sa.text("status = 'submitted'"))
    op.drop_table("timesheet")
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=False)
