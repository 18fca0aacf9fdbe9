import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow


class Role(enum.StrEnum):
    citizen = "citizen"
    worker = "worker"
    provider_staff = "provider_staff"
    hub_operator = "hub_operator"
    admin = "admin"


class Language(enum.StrEnum):
    it = "it"
    en = "en"


class IdentityLevel(enum.StrEnum):
    """Level of assurance of a verified identity: SPID level 2 or 3, or the electronic identity card."""

    spid_l2 = "SpidL2"
    spid_l3 = "SpidL3"
    cie = "CIE"


class User(UUIDPk, Timestamps, Versioned, Base):
    __tablename__ = "user_account"

    # Stored lower-cased; uniqueness is on the normalised form.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None for an account made by signing in with SPID/CIE: it has no password until one is set.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(Enum(Role, name="user_role"))
    preferred_language: Mapped[Language] = mapped_column(Enum(Language, name="language_code"), default=Language.it)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Access tokens carry the epoch they were issued in; bumping it (password change,
    # deactivation) ends every outstanding access token at once, with no clock-precision window.
    token_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # A verified identity (app/signin): the fiscal code an OpenID Provider (SPID/CIE) asserted, by
    # which later sign-ins find this account, with the provider and level of the latest sign-in. Only
    # a provider sets it: a fiscal code typed by someone is not a verified one.
    verified_fiscal_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    identity_provider: Mapped[str | None] = mapped_column(String(40))
    identity_level: Mapped[IdentityLevel | None] = mapped_column(
        Enum(IdentityLevel, name="identity_level", values_callable=lambda levels: [level.value for level in levels])
    )
    identity_verified_at: Mapped[datetime | None]
    # When the owner proved they read mail at `email` (the link of app/accounts/verification.py).
    # Until then the account signs in and reads but files nothing (requests, offers, reviews).
    # Null again when the e-mail changes. Accounts an admin creates, or a provider (SPID/CIE) signs
    # in, are set at creation: see docs/accounts.md for why.
    email_verified_at: Mapped[datetime | None]


class RefreshToken(UUIDPk, Base):
    """An opaque refresh token, stored only as its SHA-256.

    Tokens of one login form a family: each use rotates to a new token of the same family, and
    presenting an already-used token revokes the whole family (it was stolen or replayed).
    """

    __tablename__ = "refresh_token"
    __table_args__ = (Index("ix_refresh_token_family_id", "family_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AccountTokenPurpose(enum.StrEnum):
    password_reset = "password_reset"
    email_verification = "email_verification"


class AccountToken(UUIDPk, Base):
    """A single-use token mailed to an account's owner (password reset, e-mail verification).

    Only the SHA-256 of the token is stored. The token itself is derived from the row's id with a key
    of AUTH__SECRET_KEY (app/accounts/account_tokens.py), so the e-mail outbox can write it into the
    e-mail after the request's transaction without the token ever sitting in a table or in the
    notification the person can read in the app."""

    __tablename__ = "account_token"
    __table_args__ = (Index("ix_account_token_user_purpose", "user_id", "purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[AccountTokenPurpose] = mapped_column(Enum(AccountTokenPurpose, name="account_token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address a verification token proves (a later change of e-mail makes it worthless).
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
