"""All ORM models, imported here so Alembic sees the full metadata."""

from app.models.account import Language, RefreshToken, Role, User
from app.models.base import Base
from app.models.catalog import Delivery, PriceModel, Service, ServiceStatus
from app.models.category import Category
from app.models.demand import (
    ContractType,
    DemandRequest,
    Engagement,
    EngagementStatus,
    Offer,
    OfferStatus,
    RequestInvitation,
    RequestMode,
    RequestStatus,
    Review,
    ReviewStatus,
)
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
from app.models.webhook import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookStatus, WebhookSubscription
from app.models.zone import Zone, ZoneKind

__all__ = [
    "AccreditationState",
    "AccreditationTransition",
    "AuditEntry",
    "Base",
    "Category",
    "ContractType",
    "Delivery",
    "DeliveryStatus",
    "DemandRequest",
    "Engagement",
    "EngagementStatus",
    "IdempotencyRecord",
    "Language",
    "Offer",
    "OfferStatus",
    "OutboxEvent",
    "PartnerClient",
    "PartnerScope",
    "PriceModel",
    "Provider",
    "ProviderKind",
    "ProviderStaff",
    "RefreshToken",
    "RequestInvitation",
    "RequestMode",
    "RequestStatus",
    "Review",
    "ReviewStatus",
    "Role",
    "Service",
    "ServiceStatus",
    "StaffRole",
    "User",
    "Verification",
    "VerificationKind",
    "VerificationOutcome",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookStatus",
    "WebhookSubscription",
    "Zone",
    "ZoneKind",
]
