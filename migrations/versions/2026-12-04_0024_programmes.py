"""Funding programmes, households' applications to them, and grants

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 00:00:00.000000+00:00

New tables only (app/models/programme.py). What the database holds itself: one live application per
household and programme (a partial unique index), one grant per household, programme and period
(a unique index: whatever a race in the application path does, a second grant cannot be stored), an
assisted application carries the household's consent (a check constraint, as operator-mode
requests since 0009). Grants name their wallet in the ledger by id, without a foreign key: the
ledger's accounts are kept for ten years and never edited, whatever happens to these rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("funder", sa.String(length=200), nullable=False),
        sa.Column(
            "funder_kind",
            sa.Enum("comune", "municipio", "regione", "foundation", "other", name="programme_funder_kind"),
            nullable=False,
        ),
        sa.Column("name_it", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description_it", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("category_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("status", sa.Enum("draft", "open", "closed", "archived", name="programme_status"), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("grant_validity_days", sa.SmallInteger(), nullable=False),
        sa.Column("coverage_percent", sa.SmallInteger(), nullable=False),
        sa.Column("cap_per_hour_cents", sa.Integer(), nullable=True),
        sa.Column("cap_per_grant_cents", sa.Integer(), nullable=True),
        sa.Column("amount_rule", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("isee_max_cents", sa.BigInteger(), nullable=True),
        sa.Column("member_min_age", sa.SmallInteger(), nullable=True),
        sa.Column("member_max_age", sa.SmallInteger(), nullable=True),
        sa.Column("residence_nil_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("grant_period", sa.Enum("programme", "calendar_year", name="programme_grant_period"), nullable=False),
        sa.Column("waitlist_when_exhausted", sa.Boolean(), nullable=False),
        sa.Column("budget_account_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("budget_cents > 0", name=op.f("ck_programme_budget_positive")),
        sa.CheckConstraint(
            "cap_per_grant_cents IS NULL OR cap_per_grant_cents > 0", name=op.f("ck_programme_cap_per_grant_positive")
        ),
        sa.CheckConstraint(
            "cap_per_hour_cents IS NULL OR cap_per_hour_cents > 0", name=op.f("ck_programme_cap_per_hour_positive")
        ),
        sa.CheckConstraint("cardinality(category_ids) >= 1", name=op.f("ck_programme_has_categories")),
        sa.CheckConstraint("coverage_percent BETWEEN 1 AND 100", name=op.f("ck_programme_coverage_percent_range")),
        sa.CheckConstraint("grant_validity_days BETWEEN 1 AND 3660", name=op.f("ck_programme_grant_validity_range")),
        sa.CheckConstraint("valid_until >= valid_from", name=op.f("ck_programme_valid_window")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_programme_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
    )
    op.create_index("ix_programme_status_valid_from", "programme", ["status", "valid_from"], unique=False)
    op.create_table(
        "programme_application",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("consent_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_note", sa.String(length=500), nullable=True),
        sa.Column("residence_nil_id", sa.Uuid(), nullable=True),
        sa.Column("member_birth_dates", postgresql.ARRAY(sa.Date()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "needs_review", "granted", "waitlisted", "ineligible", "rejected", name="programme_application_status"
            ),
            nullable=False,
        ),
        sa.Column("status_code", sa.String(length=40), nullable=True),
        sa.Column("checks", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("isee_cents", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "created_by_id = household_id OR consent_recorded_at IS NOT NULL",
            name=op.f("ck_programme_application_assisted_has_consent"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_programme_application_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_programme_application_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["user_account.id"],
            name=op.f("fk_programme_application_household_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_application_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["residence_nil_id"], ["zone.id"], name=op.f("fk_programme_application_residence_nil_id_zone")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_application")),
    )
    op.create_index(
        "ix_programme_application_household", "programme_application", ["household_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_programme_application_programme_status",
        "programme_application",
        ["programme_id", "status", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_programme_application_status_nil",
        "programme_application",
        ["status", "residence_nil_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_programme_application_live",
        "programme_application",
        ["programme_id", "household_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('needs_review', 'granted', 'waitlisted')"),
    )
    op.create_table(
        "programme_grant",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Enum("active", "expired", "revoked", name="programme_grant_status"), nullable=False),
        sa.Column("wallet_account_id", sa.Uuid(), nullable=False),
        sa.Column("expired_cents", sa.BigInteger(), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_at_expiry_cents", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_programme_grant_amount_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["programme_application.id"],
            name=op.f("fk_programme_grant_application_id_programme_application"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["user_account.id"],
            name=op.f("fk_programme_grant_household_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_grant_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_grant")),
        sa.UniqueConstraint("application_id", name=op.f("uq_programme_grant_application_id")),
    )
    op.create_index(
        "ix_programme_grant_due",
        "programme_grant",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "ix_programme_grant_held_at_expiry",
        "programme_grant",
        ["expired_at"],
        unique=False,
        postgresql_where=sa.text("held_at_expiry_cents IS NOT NULL"),
    )
    op.create_index(
        "ix_programme_grant_household", "programme_grant", ["household_id", "status", "expires_at"], unique=False
    )
    op.create_index(
        "uq_programme_grant_period", "programme_grant", ["programme_id", "household_id", "period"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_programme_grant_period", table_name="programme_grant")
    op.drop_index("ix_programme_grant_household", table_name="programme_grant")
    op.drop_index(
        "ix_programme_grant_held_at_expiry",
        table_name="programme_grant",
        postgresql_where=sa.text("held_at_expiry_cents IS NOT NULL"),
    )
    op.drop_index("ix_programme_grant_due", table_name="programme_grant", postgresql_where=sa.text("status = 'active'"))
    op.drop_table("programme_grant")
    op.drop_index(
        "uq_programme_application_live",
        table_name="programme_application",
        postgresql_where=sa.text("status IN ('needs_review', 'granted', 'waitlisted')"),
    )
    op.drop_index("ix_programme_application_status_nil", table_name="programme_application")
    op.drop_index("ix_programme_application_programme_status", table_name="programme_application")
    op.drop_index("ix_programme_application_household", table_name="programme_application")
    op.drop_table("programme_application")
    op.drop_index("ix_programme_status_valid_from", table_name="programme")
    op.drop_table("programme")
    for enum in (
        "programme_grant_status",
        "programme_application_status",
        "programme_grant_period",
        "programme_status",
        "programme_funder_kind",
    ):
        op.execute(f"DROP TYPE {enum}")
