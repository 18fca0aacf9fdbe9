"""Unread notifications: a partial index for the inbox badge's counts and "mark all read"

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:30:00.000000+00:00

GET /v1/me/notifications/unread-count counts a person's unread notifications per kind, and POST
/v1/me/notifications/read-all updates them: both read only the unread rows of one person. A read
notification is never unread again, so the index holds the few a person has not seen, however long
their history, and the count is an index-only scan.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_notification_unread",
        "notification",
        ["user_id", "kind"],
        unique=False,
        postgresql_where="read_at IS NULL",
    )


def downgrade() -> None:
    op.drop_index("ix_notification_unread", table_name="notification", postgresql_where="read_at IS NULL")
