import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned


class PartnerScope(enum.StrEnum):
    listings_write = "listings:write"
    events_read = "events:read"
    webhooks_manage = "webhooks:manage"


class PartnerClient(UUIDPk, Timestamps, Versioned, Base):
    """A partner organisation's system, authenticating with OAuth2 client credentials.

    The secret is 32 random bytes shown once; a SHA-256 of it is enough (no slow hash needed for
    high-entropy secrets, and client-credential calls stay cheap).
    """

    __tablename__ = "partner_client"

    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    # Partner sync: the provider organisation whose listings this client may write.
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("provider.id", ondelete="SET NULL"))
