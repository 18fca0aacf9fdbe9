"""All ORM models, imported here so Alembic sees the full metadata."""

from app.models.account import Language, RefreshToken, Role, User
from app.models.base import Base
from app.models.catalog import Delivery, PriceModel, Service, ServiceStatus
from app.models.category import Category
from app.models.course import Course, CourseEnrolment, CourseStatus, EnrolmentStatus
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
from app.models.hub import Condominium, CondominiumMember, Hub, HubOperator, HubZone, MembershipStatus
from app.models.idempotency import IdempotencyRecord
from app.models.initiative import (
    Assistance,
    CredentialStatus,
    Initiative,
    Ride,
    RideStatus,
    Volunteer,
    VolunteerCredential,
    VolunteerStatus,
)
from app.models.ledger import AuditEntry, OutboxEvent
from app.models.notification import Notification
from app.models.partner import PartnerClient, PartnerScope
from app.models.pool import (
    Pool,
    PoolMember,
    PoolMemberStatus,
    PoolOffer,
    PoolOfferStatus,
    PoolScope,
    PoolState,
    SplitRule,
)
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
    "Assistance",
    "AuditEntry",
    "Base",
    "Category",
    "Condominium",
    "CondominiumMember",
    "ContractType",
    "Course",
    "CourseEnrolment",
    "CourseStatus",
    "CredentialStatus",
    "Delivery",
    "DemandRequest",
    "Engagement",
    "EngagementStatus",
    "EnrolmentStatus",
    "Hub",
    "HubOperator",
    "HubZone",
    "IdempotencyRecord",
    "Initiative",
    "Language",
    "MembershipStatus",
    "Notification",
    "Offer",
    "OfferStatus",
    "OutboxEvent",
    "PartnerClient",
    "PartnerScope",
    "Pool",
    "PoolMember",
    "PoolMemberStatus",
    "PoolOffer",
    "PoolOfferStatus",
    "PoolScope",
    "PoolState",
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
    "Ride",
    "RideStatus",
    "Role",
    "Service",
    "ServiceStatus",
    "SplitRule",
    "StaffRole",
    "User",
    "Verification",
    "VerificationKind",
    "VerificationOutcome",
    "Volunteer",
    "VolunteerCredential",
    "VolunteerStatus",
    "Zone",
    "ZoneKind",
]
