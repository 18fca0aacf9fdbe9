"""Worker jobs of demand: reminders before a household's deadlines, each sent once
(app/reminders.py), to the household: the citizen and the hub operator acting for them (the rule
of app/demand/notices.py, the one that tells them of a new offer).

* A request expiring in 3 days: time to accept an offer, or to widen the request, before it
  closes with every pending offer. Only a request open for longer than that is reminded.
* An offer lapsing within 24 hours. Offers run 7 days unless the provider sets less: a day ahead
  leaves a working day to decide and is close enough to be news (a longer lead would land soon
  after the offer itself for the shorter ones). An offer made with less than a day to run is not
  reminded: its end was in the `offer.received` notification moments before. Offers on a request
  that is no longer open are not either (they close with it).

And one before a provider's deadline: a day before a quote-mode request's quotes are due, the staff
of each invited (accredited) provider that has not offered yet is told. The request is claimed per
(request, deadline), so a deadline moved later earns its own reminder, and only while some invited
provider has not offered: one invited after everyone else had answered is still reminded, one
invited after the claim is not (the request it reads shows the deadline).
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger, reminders
from app.demand import repository as repo
from app.providers import access as provider_access

REQUEST_EXPIRING = "request.expiring"
OFFER_EXPIRING = "offer.expiring"
REQUEST_THRESHOLD = reminders.Threshold("3d", timedelta(days=3))
OFFER_THRESHOLD = reminders.Threshold("24h", timedelta(hours=24))
QUOTES_DUE_SOON = "request.quotes_due_soon"
QUOTES_THRESHOLD = reminders.Threshold("24h", timedelta(hours=24))


async def remind_expiring_requests(session: AsyncSession, now: datetime | None = None) -> int:
    """Two statements however many requests: the claim, and the claimed requests with their households."""
    now = now or datetime.now(UTC)
    (window,) = reminders.windows(now, [REQUEST_THRESHOLD])
    due = repo.requests_expiring(window.after, window.until, REQUEST_THRESHOLD.lead)
    claimed = await reminders.claim(session, kind=REQUEST_EXPIRING, window=window, due=due)
    found = await repo.requests_with_household(session, claimed)
    for request, household in found:
        ledger.notify(
            session,
            household,
            kind=REQUEST_EXPIRING,
            subject_type="request",
            subject_id=request.id,
            data={
                "request_id": str(request.id),
                "category_id": str(request.category_id),
                "valid_until": request.valid_until.isoformat() if request.valid_until else None,
                "threshold": REQUEST_THRESHOLD.name,
            },
        )
    return len(found)


async def remind_expiring_offers(session: AsyncSession, now: datetime | None = None) -> int:
    """Three statements however many offers: the claim, the offers with their providers' names,
    and their requests' households."""
    now = now or datetime.now(UTC)
    (window,) = reminders.windows(now, [OFFER_THRESHOLD])
    due = repo.offers_expiring(window.after, window.until, OFFER_THRESHOLD.lead, now)
    offers = await repo.offers_with_provider_name(
        session, await reminders.claim(session, kind=OFFER_EXPIRING, window=window, due=due)
    )
    households: dict[uuid.UUID, list[uuid.UUID]] = {
        request.id: people
        for request, people in await repo.requests_with_household(session, sorted({o.request_id for o, _ in offers}))
    }
    for offer, provider_name in offers:
        ledger.notify(
            session,
            households.get(offer.request_id, []),
            kind=OFFER_EXPIRING,
            subject_type="offer",
            subject_id=offer.id,
            data={
                "offer_id": str(offer.id),
                "request_id": str(offer.request_id),
                "provider_id": str(offer.provider_id),
                "provider_name": provider_name,
                "valid_until": offer.valid_until.isoformat(),
                "threshold": OFFER_THRESHOLD.name,
            },
        )
    return len(offers)


async def remind_quotes_due(session: AsyncSession, now: datetime | None = None) -> int:
    """Three statements however many requests: the claim, the unanswered invitations of the claimed
    requests, and their providers' staff. Returns how many providers were reminded."""
    now = now or datetime.now(UTC)
    (window,) = reminders.windows(now, [QUOTES_THRESHOLD])
    due = repo.quotes_due(window.after, window.until, now)
    claimed = await reminders.claim(session, kind=QUOTES_DUE_SOON, window=window, due=due)
    unanswered = await repo.unanswered_invitations(session, claimed)
    staff = await provider_access.staff_user_ids(session, {provider_id for _, provider_id, _ in unanswered})
    for request_id, provider_id, due_at in unanswered:
        ledger.notify(
            session,
            staff.get(provider_id, []),
            kind=QUOTES_DUE_SOON,
            subject_type="request",
            subject_id=request_id,
            data={
                "request_id": str(request_id),
                "provider_id": str(provider_id),
                "quotes_due_at": due_at.isoformat(),
                "threshold": QUOTES_THRESHOLD.name,
            },
        )
    return len(unanswered)
