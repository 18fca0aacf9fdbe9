"""Sign-in with SPID/CIE over OpenID Connect: verified identities on accounts, pending authorizations

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 00:21:00.000000+00:00

user_account gains the verified identity a provider asserted (fiscal code, unique: later sign-ins
find the account by it; provider; level SpidL2 / SpidL3 / CIE; when), and password_hash becomes
optional: an account made by signing in with SPID/CIE has no password. Existing rows keep theirs.

oidc_authorization keeps each authorization request (state as SHA-256, nonce, PKCE verifier, the
frontend's redirect URI) until its callback uses it once, or it expires.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

identity_level = sa.Enum("SpidL2", "SpidL3", "CIE", name="identity_level")


def upgrade() -> None:
    identity_level.create(op.get_bind())
    op.alter_column("user_account", "password_hash", existing_type=sa.String(255), nullable=True)
    op.add_column("user_account", sa.Column("verified_fiscal_code", sa.String(16), nullable=True))
    op.add_column("user_account", sa.Column("identity_provider", sa.String(40), nullable=True))
    op.add_column("user_account", sa.Column("identity_level", identity_level, nullable=True))
    op.add_column("user_account", sa.Column("identity_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(
        op.f("uq_user_account_verified_fiscal_code"), "user_account", ["verified_fiscal_code"]
    )
    op.create_table(
        "oidc_authorization",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_authorization")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_oidc_authorization_state_hash")),
    )
    op.create_index(op.f("ix_oidc_authorization_expires_at"), "oidc_authorization", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_authorization_expires_at"), table_name="oidc_authorization")
    op.drop_table("oidc_authorization")
    op.drop_constraint(op.f("uq_user_account_verified_fiscal_code"), "user_account", type_="unique")
    op.drop_column("user_account", "identity_verified_at")
    op.drop_column("user_account", "identity_level")
    op.drop_column("user_account", "identity_provider")
    op.drop_column("user_account", "verified_fiscal_code")
    # Accounts made by SPID/CIE sign-in have no password: they get a hash no password matches
    # (app/passwords.py refuses a malformed hash), so they stay and nobody can sign in to them.
    op.execute("UPDATE user_account SET password_hash = '!' WHERE password_hash IS NULL")
    op.alter_column("user_account", "password_hash", existing_type=sa.String(255), nullable=False)
    identity_level.drop(op.get_bind())
