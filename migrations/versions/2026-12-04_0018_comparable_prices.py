"""Comparable prices: service.weekly_hours, service.session_minutes, the generated hourly equivalent, the price index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:00:00.000000+00:00

A monthly price is comparable with an hourly one once the listing says how many hours a week it
buys, a price per session once it says how long a session lasts (app/prices.py). Both are optional
(existing listings have neither: their equivalent stays NULL, shown as not comparable) and belong to
their price model only. `hourly_equivalent_cents` is generated from them (NULL for free and fixed
prices); `price_order_cents` is what search orders and filters by price (free as 0, listings with
no equivalent last: the largest int4), generated too since a generated column cannot read another;
ix_service_search_price serves that order and filter within a category.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOURLY_EQUIVALENT = (
    "CASE price_model"
    " WHEN 'hourly' THEN price_cents"
    " WHEN 'monthly' THEN round(price_cents * 12 / (52 * weekly_hours))::integer"
    " WHEN 'per_session' THEN round(price_cents * 60 / session_minutes::numeric)::integer"
    " END"
)
PRICE_ORDER = f"coalesce({HOURLY_EQUIVALENT}, CASE WHEN price_model = 'free' THEN 0 ELSE 2147483647 END)"


def upgrade() -> None:
    op.add_column("service", sa.Column("weekly_hours", sa.Numeric(5, 2), nullable=True))
    op.add_column("service", sa.Column("session_minutes", sa.Integer(), nullable=True))
    op.add_column(
        "service",
        sa.Column("hourly_equivalent_cents", sa.Integer(), sa.Computed(HOURLY_EQUIVALENT, persisted=True), nullable=True),
    )
    op.add_column(
        "service",
        sa.Column("price_order_cents", sa.Integer(), sa.Computed(PRICE_ORDER, persisted=True), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_service_weekly_hours_for_monthly"),
        "service",
        "weekly_hours IS NULL OR (price_model = 'monthly' AND weekly_hours > 0 AND weekly_hours <= 168)",
    )
    op.create_check_constraint(
        op.f("ck_service_session_minutes_for_per_session"),
        "service",
        "session_minutes IS NULL OR (price_model = 'per_session' AND session_minutes BETWEEN 1 AND 1440)",
    )
    op.create_index(
        "ix_service_search_price",
        "service",
        ["category_id", "price_order_cents", "id"],
        unique=False,
        postgresql_where=sa.text("searchable"),
    )


def downgrade() -> None:
    op.drop_index("ix_service_search_price", table_name="service", postgresql_where=sa.text("searchable"))
    op.drop_constraint(op.f("ck_service_session_minutes_for_per_session"), "service", type_="check")
    op.drop_constraint(op.f("ck_service_weekly_hours_for_monthly"), "service", type_="check")
    op.drop_column("service", "price_order_cents")
    op.drop_column("service", "hourly_equivalent_cents")
    op.drop_column("service", "session_minutes")
    op.drop_column("service", "weekly_hours")
