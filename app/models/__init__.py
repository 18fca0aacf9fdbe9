"""All ORM models, imported here so Alembic sees the full metadata."""

from app.models.account import Language, RefreshToken, Role, User
from app.models.base import Base
from app.models.catalog import Delivery, PriceModel, Service, ServiceStatus
from app.models.category import Category
from app.models.idempotency import IdempotencyRecord
from app.models.ledger import AuditEntry, OutboxEvent
from app.models.partner import PartnerClient, PartnerScope
from app.models.provider import (
    AccreditationState,
    AccreditationTransition,
    Provider,
    ProviderKind,
    ProviderStaff,
    StaffRole,
    Verification,
    VerificationKind,
    VerificationOutcome,
)
from app.models.zone import Zone, ZoneKind

__all__ = [
    "AccreditationState",
    "AccreditationTransition",
    "Delivery",
    "PriceModel",
    "Provider",
    "ProviderKind",
    "ProviderStaff",
    "Service",
    "ServiceStatus",
    "StaffRole",
    "Verification",
    "VerificationKind",
    "VerificationOutcome",
    "AuditEntry",
    "Base",
    "Category",
    "IdempotencyRecord",
    "Language",
    "OutboxEvent",
    "PartnerClient",
    "PartnerScope",
    "RefreshToken",
    "Role",
    "User",
    "Zone",
    "ZoneKind",
]
