"""Funding lines: which wallet pays how much of what a household accepted, and the hold reserving it

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 10:00:00.000000+00:00

One row per (subject, grant), written with the acceptance and its ledger hold (app/spending). The
amounts captured and released later are the ledger's (money_hold and its remainders), not copied
here. Grant, programme, household and provider are plain ids, as the ledger's owners are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funding_line",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_account_id", sa.Uuid(), nullable=False),
        sa.Column("hold_id", sa.Uuid(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("proposed_cents", sa.BigInteger(), nullable=False),
        sa.Column("coverage_percent", sa.SmallInteger(), nullable=False),
        sa.Column("cap_per_hour_cents", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_funding_line_amount_positive")),
        sa.CheckConstraint("coverage_percent BETWEEN 1 AND 100", name=op.f("ck_funding_line_coverage_percent_range")),
        sa.ForeignKeyConstraint(["hold_id"], ["money_hold.id"], name=op.f("fk_funding_line_hold_id_money_hold")),
        sa.ForeignKeyConstraint(
            ["wallet_account_id"],
            ["money_account.id"],
            name=op.f("fk_funding_line_wallet_account_id_money_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_line")),
        sa.UniqueConstraint("hold_id", name=op.f("uq_funding_line_hold_id")),
        sa.UniqueConstraint("subject_type", "subject_id", "grant_id", name="uq_funding_line_subject_grant"),
    )
    op.create_index("ix_funding_line_subject", "funding_line", ["subject_type", "subject_id", "position"])
    op.create_index("ix_funding_line_grant", "funding_line", ["grant_id"])


def downgrade() -> None:
    op.drop_index("ix_funding_line_grant", table_name="funding_line")
    op.drop_index("ix_funding_line_subject", table_name="funding_line")
    op.drop_table("funding_line")
