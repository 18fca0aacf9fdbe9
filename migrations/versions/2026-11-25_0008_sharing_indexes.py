"""Sharing indexes: live pool memberships by request (pool suggestions), open requests by NIL (hub needs)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 18:00:00.000000+00:00

EXPLAIN ANALYZE at city scale (1M requests, 15,000 open to sharing, 5,000 pools, 14,867 pool
members), the suggestion pair query (app/pools/repository.py `compatible_pairs`) for the busiest
hub's 2,554 open sharing requests:

* before (OR of "shared building" and "same NIL within 1 km"; no index on pool_member.request_id):
  cancelled after 10 minutes. The shared-building test ran as a subplan scanning a 10,108-row CTE
  twice for every same-category pair, and NOT EXISTS (live membership of the request) was a
  nested-loop anti join re-scanning pool_member (12,232 live rows) for each candidate.
* the query as two UNION branches, still without this index: 69.9 s, of which the anti join's
  39,104 seq scans of pool_member (478M rows removed by join filter) are nearly all.
* with ix_pool_member_request_id: 0.52-0.54 s (index probe per candidate, 0.000 ms each); the
  rest is the two bitmap scans of the open requests (146 ms each) and 52,818 overlap aggregates.

The index also serves the foreign key's ON DELETE SET NULL when a request is deleted.

ix_demand_request_open_nil: a hub's needs (app/hubs/repository.py `open_needs`) for the busiest
hub (6,566 of the 50,000 open requests): before, a bitmap scan of every open request (34,959 heap
pages) then a NIL filter, 340-416 ms; with it (and the unexpired test written as coalesce, so the
planner does not pick the expiry index on a misestimate), 6,241 heap pages, 100-142 ms.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_pool_member_request_id'), 'pool_member', ['request_id'], unique=False)
    op.create_index(
        'ix_demand_request_open_nil', 'demand_request', ['nil_id'], unique=False, postgresql_where="status = 'open'"
    )


def downgrade() -> None:
    op.drop_index('ix_demand_request_open_nil', table_name='demand_request', postgresql_where="status = 'open'")
    op.drop_index(op.f('ix_pool_member_request_id'), table_name='pool_member')
