"""Substitute care: substitute requests and engagements point to the engagement they cover; CCNL term

A request and an engagement may cover another engagement's absent worker; CCNL offers and
engagements say their contract term.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:00:00.000000+00:00

Every CCNL offer and engagement made before this was an ordinary (open-ended) contract, so those rows
get `open_ended`; the other contract types carry no term (a check constraint holds both rules).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

contract_term = postgresql.ENUM("open_ended", "fixed_term_replacement", name="contract_term", create_type=False)
substitution_reason = postgresql.ENUM("holiday", "illness", "other", name="substitution_reason", create_type=False)
CCNL_HAS_TERM = "(contract_type = 'ccnl_domestic') = (contract_term IS NOT NULL)"


def upgrade() -> None:
    contract_term.create(op.get_bind(), checkfirst=False)
    substitution_reason.create(op.get_bind(), checkfirst=False)
    for table in ("offer", "engagement"):
        op.add_column(table, sa.Column("contract_term", contract_term, nullable=True))
        op.execute(f"UPDATE {table} SET contract_term = 'open_ended' WHERE contract_type = 'ccnl_domestic'")
        op.create_check_constraint(op.f(f"ck_{table}_ccnl_has_term"), table, CCNL_HAS_TERM)
    op.add_column("engagement", sa.Column("substitutes_engagement_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_engagement_substitutes_engagement_id_engagement"),
        "engagement",
        "engagement",
        ["substitutes_engagement_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index(
        op.f("ix_engagement_substitutes_engagement_id"), "engagement", ["substitutes_engagement_id"], unique=False
    )
    op.add_column("demand_request", sa.Column("substitutes_engagement_id", sa.Uuid(), nullable=True))
    op.add_column("demand_request", sa.Column("substitution_reason", substitution_reason, nullable=True))
    op.add_column("demand_request", sa.Column("substitution_note", sa.String(length=500), nullable=True))
    op.create_foreign_key(
        op.f("fk_demand_request_substitutes_engagement_id_engagement"),
        "demand_request",
        "engagement",
        ["substitutes_engagement_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_check_constraint(
        op.f("ck_demand_request_substitution_has_reason"),
        "demand_request",
        "(substitutes_engagement_id IS NULL) = (substitution_reason IS NULL)",
    )
    op.create_index(
        "ix_demand_request_substitutes",
        "demand_request",
        ["substitutes_engagement_id"],
        unique=False,
        postgresql_where=sa.text("substitutes_engagement_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_demand_request_substitutes", table_name="demand_request")
    op.drop_constraint(op.f("ck_demand_request_substitution_has_reason"), "demand_request", type_="check")
    op.drop_constraint(
        op.f("fk_demand_request_substitutes_engagement_id_engagement"), "demand_request", type_="foreignkey"
    )
    op.drop_column("demand_request", "substitution_note")
    op.drop_column("demand_request", "substitution_reason")
    op.drop_column("demand_request", "substitutes_engagement_id")
    op.drop_index(op.f("ix_engagement_substitutes_engagement_id"), table_name="engagement")
    op.drop_constraint(op.f("fk_engagement_substitutes_engagement_id_engagement"), "engagement", type_="foreignkey")
    op.drop_column("engagement", "substitutes_engagement_id")
    for table in ("engagement", "offer"):
        op.drop_constraint(op.f(f"ck_{table}_ccnl_has_term"), table, type_="check")
        op.drop_column(table, "contract_term")
    substitution_reason.drop(op.get_bind(), checkfirst=False)
    contract_term.drop(op.get_bind(), checkfirst=False)
