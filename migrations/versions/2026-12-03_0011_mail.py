"""E-mail of notifications: people's preferences per kind, the e-mail outbox, each notification's route

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:40:00.000000+00:00

`notification.email_route` is NULL for a notification the mail worker has not looked at yet. The
notifications written before this revision are marked `skipped`: they were never meant to be
mailed, and mailing a backlog of old news on the first start would surprise everyone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    email_choice = postgresql.ENUM("instant", "digest", "off", name="email_choice")
    email_choice.create(op.get_bind())
    choice = postgresql.ENUM("instant", "digest", "off", name="email_choice", create_type=False)
    op.create_table(
        "email_delivery",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("mode", choice, nullable=False),
        sa.Column("status", sa.Enum("pending", "sent", "dead", "cancelled", name="email_delivery_status"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_email_delivery_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_delivery")),
    )
    op.create_index(
        "ix_email_delivery_due",
        "email_delivery",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_email_delivery_user_created", "email_delivery", ["user_id", "created_at"], unique=False)
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("email", choice, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_preference_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preference")),
    )
    op.add_column("notification", sa.Column("email_route", sa.String(length=10), nullable=True))
    op.add_column("notification", sa.Column("email_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE notification SET email_route = 'skipped'")  # written before e-mail existed
    op.create_index(
        "ix_notification_email_digest",
        "notification",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("email_route = 'digest' AND email_id IS NULL"),
    )
    op.create_index(
        "ix_notification_email_unrouted",
        "notification",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("email_route IS NULL"),
    )
    op.create_index(
        "ix_notification_email_id",
        "notification",
        ["email_id"],
        unique=False,
        postgresql_where=sa.text("email_id IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_notification_email_id_email_delivery"),
        "notification",
        "email_delivery",
        ["email_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_notification_email_id_email_delivery"), "notification", type_="foreignkey")
    op.drop_index("ix_notification_email_id", table_name="notification")
    op.drop_index("ix_notification_email_unrouted", table_name="notification")
    op.drop_index("ix_notification_email_digest", table_name="notification")
    op.drop_column("notification", "email_id")
    op.drop_column("notification", "email_route")
    op.drop_table("notification_preference")
    op.drop_index("ix_email_delivery_user_created", table_name="email_delivery")
    op.drop_index("ix_email_delivery_due", table_name="email_delivery")
    op.drop_table("email_delivery")
    op.execute("DROP TYPE email_delivery_status")
    op.execute("DROP TYPE email_choice")
