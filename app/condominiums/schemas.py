import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from app.hubs.schemas import Address, Name
from app.models import MembershipStatus
from app.shared_schemas import Count, Phone, PointIn, Strict, Version, coded, trimmed

JoinCode = coded(r"[A-Za-z0-9]{8}", max_length=16, upper=True)  # as printed on the notice; case-insensitive


class BuildingAdministrator(Strict):
    name: trimmed(200, min_length=0) | None = None
    email: Annotated[EmailStr, Field(max_length=254)] | None = None
    phone: Phone | None = None


class CondominiumFields(Strict):
    name: Name | None = None
    address: Address | None = None
    point: PointIn | None = Field(default=None, description="The building; it must be in Milan")
    administrator: BuildingAdministrator | None = None


class CondominiumCreate(CondominiumFields):
    name: Name
    address: Address
    point: PointIn
    hub_id: uuid.UUID = Field(description="The hub looking after the building (you must operate it)")


class CondominiumUpdate(CondominiumFields):
    pass


class CondominiumRead(BaseModel):
    """A building taking part. Its street, exact point, administrator, join code and resident count
    are for its approved residents, its hub's operators and admins; anyone else signed in sees the
    name, NIL and hub (enough to find it and ask to join), with the private fields null."""

    id: uuid.UUID
    name: str
    address: Address | None = Field(description="The street: for residents and the hub's operators only")
    point: PointIn | None = Field(description="The exact point: for residents and the hub's operators only")
    nil_id: uuid.UUID
    hub_id: uuid.UUID
    administrator: BuildingAdministrator | None = Field(
        description="The building administrator's contacts: for residents and the hub's operators only"
    )
    join_code: str | None = Field(
        description="The code residents join with: for residents and the hub's operators only"
    )
    residents: Count | None = Field(
        description="Approved resident households: for residents and the hub's operators only"
    )
    my_membership: MembershipStatus | None = Field(description="The caller's own membership, if any")
    version: Version
    created_at: datetime
    updated_at: datetime


class JoinByCode(Strict):
    join_code: JoinCode = Field(examples=["K7QX3MPA"])


class MembershipRead(BaseModel):
    condominium_id: uuid.UUID
    citizen_id: uuid.UUID
    status: MembershipStatus
    requested_at: datetime
    decided_at: datetime | None


class ResidentRead(MembershipRead):
    full_name: str
    email: str
