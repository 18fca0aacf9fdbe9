import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow


class Hub(UUIDPk, Timestamps, Versioned, Base):
    """A territorial platform (Spazio WeMi): a public place with operators serving some NILs."""

    __tablename__ = "hub"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    address_street: Mapped[str] = mapped_column(String(200))
    address_postcode: Mapped[str] = mapped_column(String(5))
    lat: Mapped[float]
    lon: Mapped[float]
    nil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zone.id"), index=True)  # where the hub stands
    opening_hours: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(default=True)


class HubZone(Base):
    """A NIL a hub serves. Several hubs may serve one NIL; a hub serves at least one."""

    __tablename__ = "hub_zone"

    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id", ondelete="CASCADE"), primary_key=True)
    zone_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zone.id"), primary_key=True, index=True)


class HubOperator(Base):
    """A hub-operator user working at a hub (one user may work at several)."""

    __tablename__ = "hub_operator"

    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class MembershipStatus(enum.StrEnum):
    pending = "pending"  # asked to join without the code: an operator of the hub decides
    approved = "approved"
    rejected = "rejected"


class Condominium(UUIDPk, Timestamps, Versioned, Base):
    """A building taking part in condominium welfare, looked after by one hub."""

    __tablename__ = "condominium"
    __table_args__ = (Index("ix_condominium_hub", "hub_id", "created_at"),)

    name: Mapped[str] = mapped_column(String(200))
    address_street: Mapped[str] = mapped_column(String(200))
    address_postcode: Mapped[str] = mapped_column(String(5))
    lat: Mapped[float]
    lon: Mapped[float]
    nil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zone.id"), index=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    administrator_name: Mapped[str | None] = mapped_column(String(200))
    administrator_email: Mapped[str | None] = mapped_column(String(254))
    administrator_phone: Mapped[str | None] = mapped_column(String(32))
    # A short code posted in the building; anyone holding it joins at once. Rotated by operators.
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class CondominiumMember(Base):
    """A resident household (the citizen acting for it) of a condominium."""

    __tablename__ = "condominium_member"

    condominium_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("condominium.id", ondelete="CASCADE"), primary_key=True
    )
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[MembershipStatus] = mapped_column(Enum(MembershipStatus, name="membership_status"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
