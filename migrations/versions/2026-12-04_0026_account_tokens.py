"""Password reset and e-mail verification: account tokens, verified e-mails

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 00:26:00.000000+00:00

user_account gains email_verified_at. Accounts that exist before this revision are marked verified
as of now: they were made before verification existed (by registration, an admin or seeding), and
locking every one of them out of filing requests on an upgrade would punish people for a rule that
did not exist when they signed up.

account_token holds single-use tokens mailed to an account's owner (password reset, e-mail
verification), only as their SHA-256, with the address a verification proves and when it expires.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

purpose = postgresql.ENUM("password_reset", "email_verification", name="account_token_purpose", create_type=False)


def upgrade() -> None:
    op.add_column("user_account", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE user_account SET email_verified_at = now()")
    purpose.create(op.get_bind(), checkfirst=False)
    op.create_table(
        "account_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", purpose, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_account_token_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    op.create_index("ix_account_token_user_purpose", "account_token", ["user_id", "purpose"])


def downgrade() -> None:
    op.drop_index("ix_account_token_user_purpose", table_name="account_token")
    op.drop_table("account_token")
    purpose.drop(op.get_bind())
    op.drop_column("user_account", "email_verified_at")
