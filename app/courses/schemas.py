import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, StringConstraints, model_validator

from app.models import CourseStatus, EnrolmentStatus
from app.shared_schemas import Cents, Count, LanguageCode, Strict, Version, stored, trimmed

Capacity = Annotated[int, Field(ge=1, le=1000)]


def _rfc3339(value: object) -> object:
    # pydantic reads a bare number as Unix time; the contract says RFC 3339 with an offset.
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2027-01-31T18:00:00+01:00")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
Title = trimmed(200, min_length=3)
Description = Annotated[str, StringConstraints(max_length=4000)]


class CourseSession(Strict):
    starts_at: Instant = Field(examples=["2027-02-03T18:00:00+01:00"])
    ends_at: Instant = Field(examples=["2027-02-03T20:00:00+01:00"])

    @model_validator(mode="after")
    def _ends_after_starts(self) -> "CourseSession":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CourseFields(Strict):
    title: Title | None = None
    description: Description | None = None
    language: LanguageCode | None = None
    price_cents: (
        Annotated[int, Field(ge=0, le=1_000_000, description="Integer euro cents; null or 0 is free")] | None
    ) = None
    capacity: Capacity | None = Field(
        default=None, description="Seats; raising it moves people up from the waitlist at once"
    )


class CourseCreate(CourseFields):
    hub_id: uuid.UUID = Field(description="The hub running it; the caller must be one of its operators (or an admin)")
    category_id: uuid.UUID = Field(description="A leaf category, e.g. educazione-finanziaria")
    title: Title
    capacity: Capacity
    sessions: Annotated[list[CourseSession], Field(min_length=1, max_length=60)] = Field(
        description="In the future, in order, not overlapping"
    )


class CourseUpdate(CourseFields):
    pass


class CourseRead(BaseModel):
    id: uuid.UUID
    hub_id: uuid.UUID
    category_id: uuid.UUID
    title: stored(200)
    description: str
    language: stored(2)
    price_cents: Cents | None
    is_free: bool
    capacity: Capacity
    sessions: list[CourseSession] = Field(max_length=60)
    starts_at: datetime = Field(description="Start of the first session")
    ends_at: datetime = Field(description="End of the last session")
    status: CourseStatus
    enrolled: Count
    waitlisted: Count
    seats_left: Count
    version: Version
    created_at: datetime
    updated_at: datetime


class EnrolmentRead(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    citizen_id: uuid.UUID
    status: EnrolmentStatus
    waitlist_position: Count | None = Field(default=None, description="1 is next in line; null unless waitlisted")
    queued_at: datetime
    enrolled_at: datetime | None
    promoted_at: datetime | None = Field(description="When a seat freed up and this enrolment moved off the waitlist")
    cancelled_at: datetime | None
    version: Version


class EnrolmentWithPerson(EnrolmentRead):
    """What the hub's operators see: who enrolled, to reach them (e.g. a session moved)."""

    full_name: str
    email: str
    phone: str | None
