"""Demand's responses, built for a whole page at once: one query per related table, whatever the
page size (the query-count guard in tests/test_query_counts.py holds lists to it)."""

import re
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import views as account_views
from app.catalog import views as catalog_views
from app.demand import repository as repo
from app.demand.schemas import (
    AnonymisedRequest,
    EngagementRead,
    OfferRead,
    PartyContacts,
    PointIn,
    Preferences,
    ProposedWorker,
    RequestAddress,
    RequestRead,
    ReviewRead,
    SubstitutionRead,
)
from app.income import prices as income_prices
from app.income import views as income_views
from app.income.schemas import YourPrice
from app.masking import mask_contacts
from app.models import DemandRequest, Engagement, Offer, OfferStatus, ProviderKind, Review, Role, User
from app.providers import views as provider_views
from app.providers.schemas import ServiceProvider
from app.shared_schemas import from_row


def _address(request: DemandRequest) -> RequestAddress | None:
    if request.address_street and request.address_postcode:
        return RequestAddress(street=request.address_street, postcode=request.address_postcode)
    return None


async def request_views(session: AsyncSession, requests: Sequence[DemandRequest]) -> list[RequestRead]:
    """The owner's (and their operator's) view: every field, the private ones too."""
    if not requests:
        return []
    ids = [r.id for r in requests]
    invited = await repo.invited_provider_ids(session, ids)
    pools = await repo.pools_of_requests(session, ids)
    return [
        from_row(
            RequestRead,
            r,
            status=r.current_status,
            address=_address(r),
            point=PointIn(lat=r.lat, lon=r.lon) if r.lat is not None and r.lon is not None else None,
            preferences=from_row(Preferences, r),
            invited_provider_ids=invited.get(r.id, []),
            pool_id=pools.get(r.id),
        )
        for r in requests
    ]


async def anonymised_request_views(
    session: AsyncSession, requests: Sequence[DemandRequest], *, viewer: uuid.UUID
) -> list[AnonymisedRequest]:
    """What the provider `viewer` may know before acceptance: AnonymisedRequest's fields are the
    allow-list (privacy by design), so a new column reaches providers only if added there."""
    if not requests:
        return []
    ids = [r.id for r in requests]
    invited = await repo.invited_provider_ids(session, ids)
    offered = await repo.pending_offer_provider_ids(session, ids, viewer)
    return [
        from_row(
            AnonymisedRequest,
            r,
            preferences=from_row(Preferences, r),
            invited=viewer in invited.get(r.id, []),
            has_offered=r.id in offered,
            is_substitution=r.substitutes_engagement_id is not None,
        )
        for r in requests
    ]


async def offer_views(session: AsyncSession, offers: Sequence[Offer], *, viewer: User) -> list[OfferRead]:
    """Each offer with who made it (the provider as a listing shows it) and the proposed worker's
    first name: two queries for the providers, one for the viewer's staff seats, whatever the page.

    The provider's staff see the note and the worker's name as they wrote them; the household (and a
    hub operator acting for it) reads the note with contact details masked and the worker's first
    name only until it accepts the offer: nobody takes the arrangement off the platform before then."""
    if not offers:
        return []
    provider_ids = {offer.provider_id for offer in offers}
    providers = await provider_views.service_providers(session, provider_ids)
    authors = await provider_views.staffed_by(session, viewer.id, provider_ids)
    live_prices = await _live_prices(session, offers, viewer)
    views = []
    for offer in offers:
        provider = providers[offer.provider_id]
        as_written = offer.provider_id in authors or offer.status == OfferStatus.accepted
        worker = _proposed_worker(offer.proposed_worker_name, provider)
        # Masked for everyone before acceptance, so that the author also sees what the household won't.
        note = mask_contacts(offer.message) if offer.status != OfferStatus.accepted else None
        views.append(
            from_row(
                OfferRead,
                offer,
                provider=provider,
                message=offer.message if as_written or note is None else note.text,
                message_masked_kinds=list(note.kinds) if note else [],
                proposed_worker_name=offer.proposed_worker_name if as_written else worker and worker.first_name,
                proposed_worker=worker,
                your_price=income_prices.recorded(offer.isee_band) if offer.isee_band else live_prices.get(offer.id),
            )
        )
    return views


async def _live_prices(session: AsyncSession, offers: Sequence[Offer], viewer: User) -> dict[uuid.UUID, YourPrice]:
    """The household's own price on its pending offers made from banded listings in their unit: one
    statement for the listings' bands, one for the viewer's ISEE when any has bands (citizens only:
    an offer list a citizen reads is on their own request)."""
    pending = [o for o in offers if o.status == OfferStatus.pending and o.service_id is not None]
    if viewer.role != Role.citizen or not pending:
        return {}
    banded = await catalog_views.isee_bands_of(session, {o.service_id for o in pending if o.service_id})
    isee = await income_views.viewer_isee(session, viewer) if banded else None
    prices = {}
    for offer in pending:
        bands, unit = banded.get(offer.service_id, ([], None)) if offer.service_id else ([], None)
        price = income_prices.your_price(offer.price_cents, bands, isee) if unit == offer.price_model else None
        if price is not None:
            prices[offer.id] = price
    return prices


def _proposed_worker(name: str | None, provider: ServiceProvider) -> ProposedWorker | None:
    first_name = first_name_of(name)
    if first_name is None:
        return None
    # An individual provider is the worker: its verifications are theirs. An organisation's workers
    # are not verified one by one (verifications are per provider), so they carry no badge.
    badges = provider.badges if provider.kind == ProviderKind.individual else []
    return ProposedWorker(first_name=first_name, badges=badges)


# A word that can be a first name: letters, with the apostrophes and hyphens names carry
# (D'Angelo, Anna-Maria). Not a number, an e-mail or a link written into the name field.
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")


def first_name_of(name: str | None) -> str | None:
    """The first word of a name as written that can be a name ("Chiara Bianchi" → "Chiara",
    "3391234567 Chiara" → "Chiara"); None when there is none. Before acceptance this is all the
    household learns of the worker, so nothing that is not a name gets through."""
    words = [word.strip('.;:!?()"') for word in (name or "").replace(",", " ").split()]
    return next((word for word in words if _NAME_WORD.fullmatch(word)), None)


async def review_views(session: AsyncSession, reviews: Sequence[Review]) -> list[ReviewRead]:
    """A review's own columns (never who wrote it: the citizen stays anonymous)."""
    return [from_row(ReviewRead, review) for review in reviews]


async def engagement_views(session: AsyncSession, engagements: Sequence[Engagement]) -> list[EngagementRead]:
    """Each engagement with both parties' contacts and where the service happens (only the two
    parties ever see an engagement, so the contacts are theirs to see)."""
    if not engagements:
        return []
    citizens = await account_views.users_by_id(session, {e.citizen_id for e in engagements})
    contacts = await provider_views.engagement_contacts(session, {e.provider_id for e in engagements})
    # The engagements' own requests and their substitute requests, in one statement.
    own, page = {e.request_id for e in engagements}, {e.id for e in engagements}
    rows = await repo.substitutions_of(session, list(page), with_requests=own)
    requests = {request.id: request for request, _ in rows if request.id in own}
    substitutions: dict[uuid.UUID, list[SubstitutionRead]] = {}
    for row, engaged in rows:
        if row.substitutes_engagement_id in page:  # one of these engagements' substitutions
            substitutions.setdefault(row.substitutes_engagement_id, []).append(_substitution(row, engaged))
    views = []
    for engagement in engagements:
        citizen, request = citizens[engagement.citizen_id], requests[engagement.request_id]
        provider_name, provider_email, provider_phone = contacts[engagement.provider_id]
        views.append(
            from_row(
                EngagementRead,
                engagement,
                citizen=PartyContacts(name=citizen.full_name, email=citizen.email, phone=citizen.phone),
                provider=PartyContacts(name=provider_name, email=provider_email, phone=provider_phone),
                address=_address(request),
                substitutions=substitutions.get(engagement.id, []),
                household_price=income_prices.recorded(engagement.isee_band),
            )
        )
    return views


def _substitution(request: DemandRequest, substitute_engagement_id: uuid.UUID | None) -> SubstitutionRead:
    return from_row(
        SubstitutionRead,
        request,
        engagement_id=request.substitutes_engagement_id,
        reason=request.substitution_reason,
        note=request.substitution_note,
        status=request.current_status,
        requested_by_id=request.created_by_id,
        substitute_engagement_id=substitute_engagement_id,
    )


async def substitution_views(session: AsyncSession, requests: Sequence[DemandRequest]) -> list[SubstitutionRead]:
    """Substitute requests as either party of the engagement they cover sees them."""
    if not requests:
        return []
    engaged = await repo.engagement_ids_of_requests(session, [r.id for r in requests])
    return [_substitution(r, engaged.get(r.id)) for r in requests]
