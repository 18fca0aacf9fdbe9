from typing import Annotated

from pydantic import BaseModel, Field

from app.models import EmailChoice
from app.notification_kinds import MAX_KINDS  # a body naming more kinds than this is not a real one
from app.shared_schemas import stored

KindName = Annotated[str, Field(min_length=1, max_length=60, examples=["pool.invitation"])]


class PreferenceRead(BaseModel):
    kind: stored(60) = Field(examples=["pool.invitation"])
    title: str = Field(max_length=200, description="The kind's title in your language")
    email: EmailChoice = Field(description="What you get by e-mail: at once, in the daily digest, or nothing")
    default: EmailChoice = Field(description="The default for your role")
    is_default: bool = Field(description="True when you have not chosen for this kind (the default applies)")


class NotificationPreferencesRead(BaseModel):
    """Every kind of notification, with your e-mail choice for it. In-app notifications are always on."""

    items: list[PreferenceRead] = Field(max_length=MAX_KINDS)
    digest_hour: int = Field(ge=0, le=23, description="The daily digest leaves at this hour (digest_timezone's clock)")
    digest_timezone: str = Field(max_length=60, examples=["Europe/Rome"])


class NotificationPreferencesReplace(BaseModel):
    """Your choices in full: every kind not named goes back to its default."""

    email: dict[KindName, EmailChoice] = Field(max_length=MAX_KINDS, examples=[{"pool.invitation": "digest"}])


class NotificationPreferencesUpdate(BaseModel):
    """Only the kinds named change; `null` puts a kind back to its default."""

    email: dict[KindName, EmailChoice | None] = Field(
        max_length=MAX_KINDS, examples=[{"pool.invitation": "off", "pool.closed": None}]
    )


class UnsubscribeRead(BaseModel):
    """What a one-click unsubscribe link turns off (GET), or turned off (POST)."""

    scope: str = Field(max_length=60, description="The kind of notification, or `digest` for the daily digest")
    title: str = Field(max_length=200, description="What it is, in the person's language")
    kinds: list[KindName] = Field(max_length=MAX_KINDS, description="The kinds whose e-mail this link turns off")
    unsubscribed: bool = Field(description="True when e-mail of these kinds is off")
