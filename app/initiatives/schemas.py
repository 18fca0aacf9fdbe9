import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from app.models import Assistance, CredentialStatus, RideStatus, VolunteerStatus
from app.shared_schemas import Count, PointIn, Strict, Version, stored, trimmed


def _rfc3339(value: object) -> object:
    # pydantic reads a bare number as Unix time; the contract says RFC 3339 with an offset.
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2027-01-31T09:00:00+01:00")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
Title = trimmed(200, min_length=3)
AddressText = trimmed(200, min_length=3)
CredentialKind = Literal["driving_licence", "insurance"]
# Who looks at a ride decides which contacts it shows (app/initiatives/rides.py says who sees what).
RideViewer = Literal["requester", "volunteer", "coordinator"]


class InitiativeCreate(Strict):
    hub_id: uuid.UUID = Field(description="The hub; the caller must be one of its operators (or an admin)")
    title: Title = Field(examples=["Accompagnamento solidale San Gottardo"])
    description: Annotated[str, StringConstraints(max_length=4000)] = ""


class InitiativeRead(BaseModel):
    id: uuid.UUID
    hub_id: uuid.UUID
    title: stored(200)
    description: str
    is_active: bool
    volunteers: Count = Field(description="Active volunteers")
    version: Version
    created_at: datetime


class CredentialCreate(Strict):
    kind: CredentialKind
    evidence_ref: trimmed(300) | None = Field(
        default=None, description="Where the hub can see the document (e.g. 'shown at the desk'); not the number"
    )


class CredentialDecision(Strict):
    outcome: Literal["verified", "rejected"]
    expires_at: Instant | None = Field(default=None, description="Required when verified: the document's expiry")


class CredentialRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: CredentialKind
    status: CredentialStatus
    evidence_ref: str | None
    declared_at: datetime
    decided_at: datetime | None
    expires_at: datetime | None


class VolunteerRead(BaseModel):
    id: uuid.UUID
    initiative_id: uuid.UUID
    user_id: uuid.UUID
    status: VolunteerStatus
    joined_at: datetime
    may_drive: bool = Field(description="Holds a verified, unexpired driving licence: may take rides needing a car")
    credentials: list[CredentialRead]
    version: Version


class VolunteerWithPerson(VolunteerRead):
    full_name: str
    email: str
    phone: str | None


class RideCreate(Strict):
    starts_at: Instant = Field(examples=["2027-02-03T09:00:00+01:00"])
    ends_at: Instant = Field(examples=["2027-02-03T11:00:00+01:00"])
    pickup_address: AddressText = Field(examples=["via Meda 12, 20136 Milano"])
    pickup_point: PointIn | None = None
    dropoff_address: AddressText = Field(examples=["Ospedale San Paolo, via di Rudinì 8"])
    dropoff_point: PointIn | None = None
    assistance: Annotated[list[Assistance], Field(max_length=3)] = Field(default_factory=list)
    needs_car: bool = Field(default=True, description="False for an accompaniment on foot or by public transport")
    notes: trimmed(500, min_length=0) | None = Field(
        default=None, description="Practical notes only (e.g. 'third floor, no lift'); no health data"
    )

    @field_validator("assistance")
    @classmethod
    def _unique(cls, value: list[Assistance]) -> list[Assistance]:
        return list(dict.fromkeys(value))


class RideAssign(Strict):
    volunteer_id: uuid.UUID


class RideCancel(Strict):
    reason: trimmed(500, min_length=0) | None = None


class PersonContact(BaseModel):
    full_name: str
    email: str
    phone: str | None


class RideRead(BaseModel):
    """A ride as the requester, its volunteer and the hub's operators see it. Contacts appear
    once a volunteer is assigned (the requester sees the volunteer's, the volunteer the requester's)."""

    id: uuid.UUID
    initiative_id: uuid.UUID
    requester_id: uuid.UUID
    status: RideStatus
    starts_at: datetime
    ends_at: datetime
    pickup_address: str
    pickup_point: PointIn | None
    dropoff_address: str
    dropoff_point: PointIn | None
    assistance: list[Assistance] = Field(max_length=len(Assistance))
    needs_car: bool
    notes: str | None
    volunteer_id: uuid.UUID | None
    requester: PersonContact | None
    volunteer: PersonContact | None
    assigned_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    version: Version


class OpenRide(BaseModel):
    """A ride waiting for a volunteer, as the initiative's volunteers see it: no names, no addresses
    (only the NILs), until one of them takes it."""

    id: uuid.UUID
    initiative_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    pickup_nil_id: uuid.UUID | None
    dropoff_nil_id: uuid.UUID | None
    assistance: list[Assistance] = Field(max_length=len(Assistance))
    needs_car: bool
    version: Version
