"""Income-based prices: a listing's ISEE bands, and the band applied on accepted offers and engagements

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 18:30:00.000000+00:00

service.isee_bands holds a listing's bands ([] for none: every existing row). offer and engagement
keep, from acceptance on, what the household pays (household_price_cents) and the band with why
(isee_band); both or neither, which the database holds. Existing rows have neither.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BAND_HAS_PRICE = "(household_price_cents IS NULL) = (isee_band IS NULL)"


def upgrade() -> None:
    op.add_column(
        "service",
        sa.Column("isee_bands", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
    )
    for table in ("offer", "engagement"):
        op.add_column(table, sa.Column("household_price_cents", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("isee_band", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
        op.create_check_constraint(op.f(f"ck_{table}_isee_band_has_price"), table, BAND_HAS_PRICE)


def downgrade() -> None:
    for table in ("engagement", "offer"):
        op.drop_constraint(op.f(f"ck_{table}_isee_band_has_price"), table, type_="check")
        op.drop_column(table, "isee_band")
        op.drop_column(table, "household_price_cents")
    op.drop_column("service", "isee_bands")
