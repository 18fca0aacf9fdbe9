"""The event types partners can see, and the one rule deciding which partner sees which event.

Visibility (per event type, so per aggregate):
* `public`: changes to what the public catalogue shows anyway (a listing published, paused or
  archived; a provider accredited, suspended or withdrawn; a review approved and now shown).
  Every partner may see them.
* `owner`: changes only the provider organisation itself should learn (a provider's accreditation
  workflow, its verifications, a listing going back to draft). A partner client sees them only for
  the provider it manages (`partner_client.provider_id`): the provider itself for `provider.*`, the
  provider of the listing for `service.*`.
* everything else is internal: the demand side (`request.*`, `offer.*`, `engagement.*`, reviews
  awaiting moderation), pool membership and offers, enrolments, rides and volunteers concern
  people and are never shown to partners, whatever the payload.
Payloads of visible events carry only ids and states, never personal data.
"""

import enum
import fnmatch
from dataclasses import dataclass


class Audience(enum.StrEnum):
    public = "public"
    owner = "owner"


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    audience: Audience
    description: str

    @property
    def aggregate_type(self) -> str:
        return self.name.split(".", 1)[0]


_P, _O = Audience.public, Audience.owner
EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType("service.published", _P, "A listing was published and appears in search."),
        EventType("service.paused", _P, "A listing was paused and left search."),
        EventType("service.archived", _P, "A listing was archived for good."),
        EventType("service.draft", _O, "A listing went back to draft (partner sync)."),
        EventType("provider.accredited", _P, "A provider was accredited (or reinstated)."),
        EventType("provider.suspended", _P, "A provider was suspended; its listings left search."),
        EventType("provider.withdrawn", _P, "A provider withdrew; its listings left search."),
        EventType("provider.submitted", _O, "The provider submitted its accreditation request."),
        EventType("provider.changes_requested", _O, "The municipality asked the provider for changes."),
        EventType("provider.draft", _O, "The provider's accreditation went back to draft."),
        EventType("provider.verification_recorded", _O, "A verification of the provider was recorded."),
        EventType("review.approved", _P, "A review of a provider was approved and is now public."),
        # Sharing and community: places and calls for supply that the public API shows anyway.
        EventType("hub.created", _P, "A hub (Spazio WeMi) opened."),
        EventType("hub.updated", _P, "A hub's details, hours or zones changed."),
        EventType("pool.formed", _P, "A shared-service pool was formed; it seeks members and a provider."),
        EventType("pool.activated", _P, "A pool reached its minimum with an accepted offer and runs."),
        EventType("pool.deactivated", _P, "A pool fell below its minimum and is forming again."),
        EventType("pool.closing", _P, "A pool will close at the end of its notice."),
        EventType("pool.closed", _P, "A pool closed."),
        EventType("course.created", _P, "A course was published at a hub."),
        EventType("course.updated", _P, "A course's details, sessions or capacity changed."),
        EventType("course.cancelled", _P, "A course was cancelled."),
        EventType("initiative.created", _P, "A volunteer initiative started at a hub."),
    )
}
# Which aggregate identifies the owning provider: the event's own aggregate (provider) or the
# listing's provider (service). Reviews are public only.
OWNER_VIA = {"provider": "aggregate", "service": "service_provider"}
PING = "webhook.ping"  # sent by POST /webhooks/{id}/test; not an outbox event


def public_types() -> list[str]:
    return sorted(n for n, t in EVENT_TYPES.items() if t.audience is Audience.public)


def owner_types(aggregate_type: str) -> list[str]:
    return sorted(
        n for n, t in EVENT_TYPES.items() if t.audience is Audience.owner and t.aggregate_type == aggregate_type
    )


def is_valid_pattern(pattern: str) -> bool:
    """A known type, `<aggregate>.*` for a known aggregate, or `*`."""
    if pattern == "*" or pattern in EVENT_TYPES:
        return True
    prefix, _, rest = pattern.partition(".")
    return rest == "*" and any(t.aggregate_type == prefix for t in EVENT_TYPES.values())


def expand(patterns: list[str]) -> list[str]:
    """The known event types matched by patterns (`*`, `service.*`, exact names)."""
    return sorted({name for name in EVENT_TYPES for p in patterns if fnmatch.fnmatchcase(name, p)})
