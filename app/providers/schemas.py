import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from app.models import AccreditationState, ProviderKind, StaffRole, VerificationKind, VerificationOutcome
from app.shared_schemas import Count, LanguageCode, Phone, PointIn, Strict, Version, coded, http_url, stored, trimmed

Text200 = trimmed(200)
DisplayName = trimmed(120)
Reason = trimmed(1000, min_length=3)
Url = http_url(300)


class AddressIn(Strict):
    street: trimmed(200)
    postcode: Annotated[str, StringConstraints(pattern=r"^\d{5}$", max_length=5)]
    city: trimmed(80) = "Milano"


class ProviderFields(Strict):
    legal_name: Text200 | None = None
    display_name: DisplayName | None = None
    tax_code: coded(r"[A-Za-z0-9]{11,16}", max_length=24, upper=True) | None = (
        None  # the check character is verified by the service
    )
    vat_number: Annotated[str, StringConstraints(pattern=r"^\d{11}$", max_length=11)] | None = None
    description: Annotated[str, Field(max_length=4000)] | None = None
    email: Annotated[EmailStr, Field(max_length=254)] | None = None
    phone: Phone | None = None
    website: Url | None = None
    logo_url: Url | None = None
    address: AddressIn | None = None
    point: PointIn | None = Field(default=None, description="Where the provider is; placed in a NIL")
    zones_served: Annotated[list[uuid.UUID], Field(max_length=97)] | None = Field(
        default=None, description="NIL or Municipio ids (a Municipio means all its NILs)"
    )
    languages: Annotated[list[LanguageCode], Field(min_length=1, max_length=20)] | None = Field(
        default=None, description="ISO 639-1 codes, e.g. it, en, es"
    )

    @field_validator("zones_served", "languages")
    @classmethod
    def _unique(cls, value: list | None) -> list | None:
        return list(dict.fromkeys(value)) if value is not None else None


class ProviderCreate(ProviderFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "cooperative",
                    "legal_name": "Cooperativa Sociale Il Melograno Onlus",
                    "display_name": "Il Melograno",
                    "vat_number": "01114601006",
                    "description": "Assistenza domiciliare e servizi educativi nei Municipi 4 e 5.",
                    "email": "info@melograno.example",
                    "phone": "+39 02 5555 1234",
                    "address": {"street": "Via Valla 25", "postcode": "20141", "city": "Milano"},
                    "point": {"lat": 45.4396, "lon": 9.1919},
                    "languages": ["it", "en"],
                }
            ]
        },
    )

    kind: ProviderKind
    legal_name: Text200
    display_name: DisplayName


class ProviderUpdate(ProviderFields):
    """Only the fields sent change; accreditation and badges are never editable here."""


class BadgeRead(BaseModel):
    kind: VerificationKind
    verified_at: datetime
    expires_at: datetime | None
    verifier_name: str


class ServiceProvider(BaseModel):
    """Who a provider is at a glance, wherever a listing names one: a service in the catalogue, an offer."""

    id: uuid.UUID
    display_name: stored(120)
    kind: ProviderKind
    rating_average: float | None = Field(
        description="Bayesian average of the approved reviews, out of 5; null until the first one"
    )
    rating_count: Count = Field(description="Approved reviews")
    badges: list[VerificationKind] = Field(max_length=len(VerificationKind), description="One per kind held")


class ContactsRead(BaseModel):
    email: str | None
    phone: str | None
    website: str | None


class PrivateDetails(BaseModel):
    """Shown only to the provider's staff and to municipal admins."""

    tax_code: str | None
    vat_number: str | None
    email: str | None
    phone: str | None
    address: AddressIn | None
    point: PointIn | None
    accreditation_changed_at: datetime
    staff_role: StaffRole | None = Field(description="The caller's own role on this provider, if any")


class ProviderRead(BaseModel):
    id: uuid.UUID
    kind: ProviderKind
    display_name: stored(120)
    legal_name: stored(200) | None = Field(description="Organisations only")
    description: str
    nil_id: uuid.UUID | None
    zones_served: list[uuid.UUID] = Field(max_length=97)
    languages: list[str] = Field(max_length=20)
    logo_url: stored(500) | None
    contacts: ContactsRead | None = Field(description="Public contacts of organisations; never of individuals")
    accreditation_state: AccreditationState
    badges: list[BadgeRead] = Field(max_length=len(VerificationKind), description="One per kind held")
    rating_average: float | None
    rating_count: Count
    created_at: datetime
    updated_at: datetime
    version: Version
    private: PrivateDetails | None = None


class StaffAdd(Strict):
    email: Annotated[EmailStr, Field(max_length=254)]
    role: StaffRole = StaffRole.operator


class StaffRead(BaseModel):
    user_id: uuid.UUID
    full_name: str
    email: str
    role: StaffRole
    created_at: datetime


class TransitionRequest(Strict):
    reason: Reason


class TransitionRead(BaseModel):
    id: uuid.UUID
    from_state: AccreditationState
    to_state: AccreditationState
    reason: str
    actor_id: uuid.UUID | None
    at: datetime


class VerificationCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "qualification",
                    "outcome": "passed",
                    "evidence_ref": "UNI 11766 cert. n. 4471/2025",
                    "expires_at": "2028-11-30T00:00:00Z",
                }
            ]
        },
    )

    kind: VerificationKind
    outcome: VerificationOutcome
    evidence_ref: trimmed(300, min_length=0) | None = None
    note: Annotated[str, Field(max_length=1000)] | None = None
    verified_at: datetime | None = Field(default=None, description="Defaults to now; never in the future")
    expires_at: datetime | None = None


class VerificationRead(BaseModel):
    id: uuid.UUID
    kind: VerificationKind
    outcome: VerificationOutcome
    verifier_name: str
    verified_at: datetime
    expires_at: datetime | None
    counts_as_badge: bool = Field(description="Passed, unexpired and the latest of its kind")
    evidence_ref: str | None = Field(description="Staff and admins only; null for everyone else")
    note: str | None = Field(description="Staff and admins only; null for everyone else")
