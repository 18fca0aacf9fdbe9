"""Pool suggestions precomputed: scopes, their groups, and the change log triggers keep

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:45:00.000000+00:00

GET /v1/pools/suggestions for an operator groups every open sharing request of a hub's NILs:
4 s and hundreds of MB per call for the busiest hub at city scale. The worker now computes the
groups per scope (a set of NILs: a hub's, or an operator's hubs together) into
pool_suggestion_group, and the call reads the page it needs (app/pools/snapshots.py).

What changes suggestions is logged by triggers, so no write path (API, worker sweep, seed) can
forget it: a request open to sharing (before or after) inserted, deleted, or updated in a column
the grouping reads; a pool membership (the pool's category); a condominium's residents (NULL:
every category). The refresh deletes the rows it folds in.

ix_service_shared_coverage: the suggestions' price estimate reads the shared listings of the page's
categories covering its NILs; through the searchable-coverage index that meant 10,900 heap pages
to keep 1,309 of 18,853 rows (634 ms cold), through this one 2,375 pages (54-61 ms).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_COLUMNS = "status, open_to_sharing, category_id, citizen_id, nil_id, lat, lon, schedule_minutes, valid_until"


def upgrade() -> None:
    op.create_table(
        "pool_suggestion_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_suggestion_change")),
    )
    op.create_table(
        "pool_suggestion_scope",
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("nil_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("max_distance_km", sa.Float(), nullable=False),
        sa.Column("min_overlap_minutes", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pool_suggestion_scope")),
    )
    op.create_table(
        "pool_suggestion_group",
        sa.Column("scope_key", sa.Uuid(), nullable=False),
        sa.Column("first_request_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("size", sa.SmallInteger(), nullable=False),
        sa.Column("common_minutes", sa.Integer(), nullable=False),
        sa.Column("condominium_id", sa.Uuid(), nullable=True),
        sa.Column("requests", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("common", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_key"],
            ["pool_suggestion_scope.key"],
            name=op.f("fk_pool_suggestion_group_scope_key_pool_suggestion_scope"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scope_key", "first_request_id", name=op.f("pk_pool_suggestion_group")),
    )
    op.create_index(
        "ix_service_shared_coverage",
        "service",
        ["coverage_nil_ids"],
        unique=False,
        postgresql_using="gin",
        postgresql_where="searchable AND delivery = 'shared'",
    )
    op.execute(
        """
        CREATE FUNCTION pool_suggestion_request_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' AND NEW.open_to_sharing THEN
                INSERT INTO pool_suggestion_change (category_id) VALUES (NEW.category_id);
            END IF;
            IF TG_OP <> 'INSERT' AND OLD.open_to_sharing
               AND (TG_OP = 'DELETE' OR NOT NEW.open_to_sharing OR NEW.category_id <> OLD.category_id) THEN
                INSERT INTO pool_suggestion_change (category_id) VALUES (OLD.category_id);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER pool_suggestion_request_changed
        AFTER INSERT OR DELETE OR UPDATE OF {REQUEST_COLUMNS} ON demand_request
        FOR EACH ROW EXECUTE FUNCTION pool_suggestion_request_changed()
        """  # noqa: S608 - a constant
    )
    # A pool's category; NULL (every category) when the pool is gone (its members cascade).
    op.execute(
        """
        CREATE FUNCTION pool_suggestion_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            member pool_member;
        BEGIN
            IF TG_OP = 'DELETE' THEN member := OLD; ELSE member := NEW; END IF;
            INSERT INTO pool_suggestion_change (category_id)
            VALUES ((SELECT category_id FROM pool WHERE id = member.pool_id));
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER pool_suggestion_member_changed
        AFTER INSERT OR DELETE OR UPDATE OF status, request_id, pool_id ON pool_member
        FOR EACH ROW EXECUTE FUNCTION pool_suggestion_member_changed()
        """
    )
    op.execute(
        """
        CREATE FUNCTION pool_suggestion_residents_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO pool_suggestion_change (category_id) VALUES (NULL);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER pool_suggestion_residents_changed
        AFTER INSERT OR DELETE OR UPDATE OF status, citizen_id, condominium_id ON condominium_member
        FOR EACH STATEMENT EXECUTE FUNCTION pool_suggestion_residents_changed()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS pool_suggestion_residents_changed ON condominium_member")
    op.execute("DROP TRIGGER IF EXISTS pool_suggestion_member_changed ON pool_member")
    op.execute("DROP TRIGGER IF EXISTS pool_suggestion_request_changed ON demand_request")
    op.execute("DROP FUNCTION IF EXISTS pool_suggestion_residents_changed()")
    op.execute("DROP FUNCTION IF EXISTS pool_suggestion_member_changed()")
    op.execute("DROP FUNCTION IF EXISTS pool_suggestion_request_changed()")
    op.drop_index(
        "ix_service_shared_coverage",
        table_name="service",
        postgresql_using="gin",
        postgresql_where="searchable AND delivery = 'shared'",
    )
    op.drop_table("pool_suggestion_group")
    op.drop_table("pool_suggestion_scope")
    op.drop_table("pool_suggestion_change")
