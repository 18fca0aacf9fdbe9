import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from app.notification_kinds import MAX_KINDS
from app.shared_schemas import Count, Strict, stored

KIND_EXAMPLES = ["offer.received", "pool.activated", "offer.*"]
# A kind (at most 60 characters, the column's) or a family of them ("offer.*"), or "*".
KindPattern = Annotated[str, Field(min_length=1, max_length=62, examples=KIND_EXAMPLES)]


def _rfc3339(value: object) -> object:
    # pydantic reads a bare number as Unix time; the contract says RFC 3339 with an offset.
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2027-01-31T18:00:00+01:00")
    return value


class NotificationRead(BaseModel):
    id: uuid.UUID
    kind: stored(60) = Field(examples=["pool.invitation", "offer.received", "engagement.completed"])
    title: str = Field(
        max_length=200,
        description="What happened, in the reader's language (Accept-Language, else their account's)",
        examples=["Your pool is active"],
    )
    subject_type: stored(40) = Field(examples=["pool", "offer", "engagement"])
    subject_id: uuid.UUID
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class UnreadCount(BaseModel):
    """What a badge shows: all unread, and per kind (kinds with none are left out)."""

    total: Count
    by_kind: dict[str, Count] = Field(examples=[{"offer.received": 2, "pool.activated": 1}])


class ReadAll(Strict):
    """Which unread notifications to mark read; every one when the body is empty or absent."""

    until: Annotated[AwareDatetime, BeforeValidator(_rfc3339)] | None = Field(
        default=None,
        description="Only those written until then (e.g. when the list was loaded): what arrived since stays unread",
    )
    kinds: list[KindPattern] | None = Field(
        default=None, max_length=100, description="Only these kinds, or families (`offer.*`)"
    )


class ReadAllResult(BaseModel):
    marked: Count = Field(description="How many were marked read now")
    unread: UnreadCount


class NotificationKindRead(BaseModel):
    name: str = Field(max_length=60, examples=["offer.received"])
    subject_type: str = Field(max_length=40, examples=["offer"])
    recipients: str = Field(max_length=300, description="Who is told, in words", examples=["the household"])
    title: str = Field(max_length=200, description="In the reader's language", examples=["New offer received"])
    title_it: str = Field(max_length=200, examples=["Nuova offerta ricevuta"])
    title_en: str = Field(max_length=200, examples=["New offer received"])
    email_default: Literal["instant", "digest", "off"] = Field(
        description="E-mail for the reader's role unless they choose otherwise: at once, in the daily digest, or none",
        examples=["instant"],
    )


class NotificationKindList(BaseModel):
    items: list[NotificationKindRead] = Field(max_length=MAX_KINDS)
