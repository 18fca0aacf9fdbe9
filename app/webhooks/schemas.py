import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models import DeliveryStatus, WebhookStatus
from app.shared_schemas import Count, HttpStatus, Version, trimmed

Url = trimmed(2048)
EventPattern = trimmed(80)
Description = trimmed(200, min_length=0)
EVENT_TYPES_FIELD = "Event types or patterns (`service.published`, `service.*`, `*`); see GET /v1/events/types"


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.cooperativa.example/welfare",
                    "event_types": ["service.*", "provider.accredited"],
                    "description": "Listing sync",
                }
            ]
        },
    )

    url: Url = Field(description="https URL on a public address; redirects are not followed")
    event_types: list[EventPattern] = Field(min_length=1, max_length=50, description=EVENT_TYPES_FIELD)
    description: Description | None = None


class WebhookUpdate(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"event_types": ["*"]}]})

    url: Url | None = None
    event_types: list[EventPattern] | None = Field(default=None, min_length=1, max_length=50)
    description: Description | None = None


class WebhookRead(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str] = Field(max_length=50)
    description: str | None
    status: WebhookStatus
    consecutive_failures: Count
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: Version


class WebhookCreated(WebhookRead):
    secret: str = Field(description="`whsec_…` signing secret, shown only in this response; store it safely")


class WebhookSecret(BaseModel):
    secret: str = Field(description="The new `whsec_…` signing secret, shown only in this response")
    previous_secret_expires_at: datetime = Field(description="Until then deliveries carry both signatures")


class WebhookDeliveryRead(BaseModel):
    id: uuid.UUID = Field(description="Sent as `webhook-id`; the same on every retry")
    subscription_id: uuid.UUID
    event_id: uuid.UUID | None = Field(description="Null for test pings")
    event_type: str
    status: DeliveryStatus
    attempt_count: Count
    next_attempt_at: datetime
    last_status_code: HttpStatus | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None


class WebhookAttemptRead(BaseModel):
    id: uuid.UUID
    attempted_at: datetime
    succeeded: bool
    status_code: HttpStatus | None
    duration_ms: Count
    error: str | None
    response_excerpt: str | None = Field(description="The start of the receiver's answer (up to 1,000 characters)")
