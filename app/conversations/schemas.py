import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.masking import ContactKind
from app.models import ReportReason, Side, ThreadKind
from app.shared_schemas import Count, Strict, stored, trimmed

MAX_MESSAGE_LENGTH = 4000
MaskedKinds = Annotated[list[ContactKind], Field(max_length=len(ContactKind))]


class ThreadOpen(Strict):
    """Either `engagement_id`, or `request_id` and `provider_id`."""

    request_id: uuid.UUID | None = Field(default=None, description="With provider_id: the request's thread")
    provider_id: uuid.UUID | None = Field(default=None, description="The provider invited to or answering it")
    engagement_id: uuid.UUID | None = Field(default=None, description="Alone: the engagement's thread")

    model_config = ConfigDict(
        **{
            "extra": "forbid",
            "json_schema_extra": {
                "examples": [
                    {
                        "request_id": "6f1c2b9e-2a51-4c51-9e55-0a8f3c1d2e47",
                        "provider_id": "0b7e4d5c-93a1-4f0e-8d1b-5a2c7e9f1b30",
                    },
                    {"engagement_id": "9a3e1f2d-7c4b-4e8a-b6d5-1c2f3a4b5c6d"},
                ]
            },
        }
    )


class MessageCreate(Strict):
    text: trimmed(MAX_MESSAGE_LENGTH) = Field(
        description="Up to 4,000 characters. Before acceptance, contact details are masked.",
        examples=["Buongiorno, la tata è disponibile anche il mercoledì?"],
    )


class ReadMark(Strict):
    message_id: uuid.UUID = Field(description="The last message read: it and every earlier one count as read")


class ReportCreate(Strict):
    reason: ReportReason
    text: Annotated[str, Field(max_length=2000)] = Field(default="", description="What happened, for the admins")


class MessageRead(BaseModel):
    id: uuid.UUID
    thread_id: uuid.UUID
    side: Side = Field(description="Who wrote it: the household's side or the provider's")
    sent_by_me: bool
    by_operator: bool = Field(description="Written by a hub operator acting for the household")
    text: stored(MAX_MESSAGE_LENGTH) = Field(description="As stored: masked contact details stay masked")
    masked: bool = Field(description="Contact details were hidden before the household accepted an offer")
    masked_kinds: MaskedKinds = Field(description="Which kinds of contact details were hidden")
    masking_note: str | None = Field(default=None, max_length=300, description="Why, when masked")
    created_at: datetime


class ThreadRead(BaseModel):
    id: uuid.UUID
    kind: ThreadKind
    request_id: uuid.UUID
    provider_id: uuid.UUID
    engagement_id: uuid.UUID | None
    my_side: Side
    masks_contacts: bool = Field(description="Request threads mask contact details; engagement threads do not")
    unread_count: Count = Field(description="Messages from the other side after your read marker")
    last_message: MessageRead | None
    created_at: datetime
    last_activity_at: datetime


class UnreadSummary(BaseModel):
    unread_messages: Count
    unread_threads: Count


class MessageReportRead(BaseModel):
    """A reported message, for the admins: the message as stored (masked where it was masked)."""

    id: uuid.UUID
    message_id: uuid.UUID
    thread_id: uuid.UUID
    reporter_id: uuid.UUID | None
    reason: ReportReason
    text: stored(2000)
    message_text: stored(MAX_MESSAGE_LENGTH)
    message_side: Side
    message_sender_id: uuid.UUID | None
    message_created_at: datetime
    created_at: datetime
