"""Bench indexes: service search's default order (newest) within a category

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 16:00:00.000000+00:00

EXPLAIN ANALYZE at city scale (100k services), GET /v1/services?category_id=&zone_id= (sort
newest = coalesce(published_at, created_at) DESC, id DESC): without it, a bitmap scan of the
category's 8,880 searchable rows (6,861 heap pages) and a top-N sort, 55-95 ms; with it, an index
scan in the wanted order that stops after 21 matching rows (89 pages), 0.6 ms. The same index
serves category + availability + near (2.4 ms). ix_service_search_category cannot: its second
column is published_at, not the coalesce the sort uses.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_service_search_newest',
        'service',
        ['category_id', sa.text('coalesce(published_at, created_at) DESC'), sa.text('id DESC')],
        unique=False,
        postgresql_where=sa.text('searchable'),
    )


def downgrade() -> None:
    op.drop_index('ix_service_search_newest', table_name='service', postgresql_where=sa.text('searchable'))
