"""ISEE declarations: a household's ISEE as declared, verified or rejected by city staff

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 18:00:00.000000+00:00

One table, isee_declaration (app/models/income.py). The database holds what must never happen
whatever the interleaving: two pending or two verified declarations for one household (partial
unique indexes), a negative value, a validity ending before the filing, a verified one without its
time. ix_isee_declaration_queue is the staff queue (pending ones of some NILs, oldest first).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "isee_declaration",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("nil_id", sa.Uuid(), nullable=False),
        sa.Column(
            "variant",
            sa.Enum("ordinario", "socio_sanitario", "minorenni", "corrente", name="isee_variant"),
            nullable=False,
        ),
        sa.Column("value_cents", sa.Integer(), nullable=False),
        sa.Column("dsu_protocol", sa.String(length=40), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("valid_until_date", sa.Date(), nullable=False),
        sa.Column(
            "status", sa.Enum("pending", "verified", "rejected", "superseded", name="isee_status"), nullable=False
        ),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Uuid(), nullable=True),
        sa.Column("verifier_name", sa.String(length=200), nullable=True),
        sa.Column("evidence_ref", sa.String(length=300), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_by_id", sa.Uuid(), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'rejected') = (rejected_at IS NOT NULL)", name=op.f("ck_isee_declaration_rejected_has_time")
        ),
        sa.CheckConstraint(
            "status <> 'verified' OR verified_at IS NOT NULL", name=op.f("ck_isee_declaration_verified_has_time")
        ),
        sa.CheckConstraint("valid_until_date >= issue_date", name=op.f("ck_isee_declaration_valid_after_issue")),
        sa.CheckConstraint("value_cents >= 0", name=op.f("ck_isee_declaration_value_not_negative")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["user_account.id"],
            name=op.f("fk_isee_declaration_household_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["nil_id"], ["zone.id"], name=op.f("fk_isee_declaration_nil_id_zone")),
        sa.ForeignKeyConstraint(
            ["rejected_by_id"],
            ["user_account.id"],
            name=op.f("fk_isee_declaration_rejected_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["user_account.id"],
            name=op.f("fk_isee_declaration_verified_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isee_declaration")),
    )
    op.create_index("ix_isee_declaration_household", "isee_declaration", ["household_id", "created_at"], unique=False)
    op.create_index(
        "ix_isee_declaration_queue",
        "isee_declaration",
        ["nil_id", "created_at"],
        unique=False,
        postgresql_where="status = 'pending'",
    )
    op.create_index(
        "uq_isee_declaration_pending",
        "isee_declaration",
        ["household_id"],
        unique=True,
        postgresql_where="status = 'pending'",
    )
    op.create_index(
        "uq_isee_declaration_verified",
        "isee_declaration",
        ["household_id"],
        unique=True,
        postgresql_where="status = 'verified'",
    )


def downgrade() -> None:
    op.drop_index("uq_isee_declaration_verified", table_name="isee_declaration", postgresql_where="status = 'verified'")
    op.drop_index("uq_isee_declaration_pending", table_name="isee_declaration", postgresql_where="status = 'pending'")
    op.drop_index("ix_isee_declaration_queue", table_name="isee_declaration", postgresql_where="status = 'pending'")
    op.drop_index("ix_isee_declaration_household", table_name="isee_declaration")
    op.drop_table("isee_declaration")
    sa.Enum(name="isee_status").drop(op.get_bind())
    sa.Enum(name="isee_variant").drop(op.get_bind())
