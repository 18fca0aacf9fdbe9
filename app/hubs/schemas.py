import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.schedules import Day, WeeklySchedule, WeeklySlot
from app.shared_schemas import Count, Phone, PointIn, Strict, Version, http_url, stored, trimmed

Name = trimmed(200, min_length=2)
Street = trimmed(200, min_length=3)
Postcode = Annotated[str, StringConstraints(pattern=r"^201\d\d$", max_length=5)]  # Milan's CAPs are 201xx

Band = Literal["night", "morning", "afternoon", "evening"]
BANDS: tuple[Band, ...] = ("night", "morning", "afternoon", "evening")  # 6-hour bands of local time, in order


class Address(Strict):
    street: Street = Field(examples=["corso San Gottardo 41"])
    postcode: Postcode = Field(examples=["20136"])


class HubFields(Strict):
    name: Name | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    address: Address | None = None
    point: PointIn | None = Field(default=None, description="Where the hub stands; it must be in Milan")
    zone_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=97)] | None = Field(
        default=None, description="NILs served; a Municipio id stands for all its NILs"
    )
    opening_hours: Annotated[list[WeeklySlot], Field(max_length=28)] | None = None
    phone: Phone | None = None
    email: Annotated[EmailStr, Field(max_length=254)] | None = None
    website: http_url(300) | None = None


class HubCreate(HubFields):
    name: Name
    address: Address
    point: PointIn
    zone_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=97)]


class HubUpdate(HubFields):
    is_active: bool | None = None


class HubRead(BaseModel):
    id: uuid.UUID
    name: stored(200)
    description: str
    address: Address
    point: PointIn
    nil_id: uuid.UUID
    zone_ids: list[uuid.UUID] = Field(max_length=97, description="The NILs this hub serves")
    opening_hours: WeeklySchedule
    phone: stored(32) | None
    email: stored(254) | None
    website: stored(500) | None
    is_active: bool
    version: Version
    created_at: datetime
    updated_at: datetime


class HubOperatorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    full_name: str
    email: str
    added_at: datetime


class OperatorAdd(Strict):
    user_id: uuid.UUID = Field(description="An active account with the hub_operator role")


class NeedCell(BaseModel):
    category_id: uuid.UUID
    nil_id: uuid.UUID
    day: Day
    band: Band = Field(description="night 00-06, morning 06-12, afternoon 12-18, evening 18-24 (local time)")
    requests: Count = Field(description="Open requests with some of their schedule in this cell")
    open_to_sharing: Count = Field(description="How many of them are open to sharing a service")


class HubNeeds(BaseModel):
    hub_id: uuid.UUID
    generated_at: datetime
    open_requests: Count = Field(description="Distinct open requests in the hub's zones (a request spans cells)")
    open_to_sharing: Count
    cells: list[NeedCell]


class PublicHubNeeds(BaseModel):
    hub_id: uuid.UUID
    generated_at: datetime
    min_cell_count: Count = Field(
        description="Cells counting fewer requests than this are left out, and a sharing count under it is "
        "given as 0 (privacy: small counts could single out a household)"
    )
    suppressed_cells: Count = Field(description="How many cells were left out")
    cells: list[NeedCell]
