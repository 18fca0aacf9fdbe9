"""Demand's responses, built for a whole page at once: one query per related table, whatever the
page size (the query-count guard in tests/test_query_counts.py holds lists to it)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.demand import repository as repo
from app.demand.schemas import EngagementRead, PartyContacts, RequestAddress
from app.models import Engagement
from app.providers import views as provider_views
from app.shared_schemas import from_row


async def engagement_views(session: AsyncSession, engagements: Sequence[Engagement]) -> list[EngagementRead]:
    """Each engagement with both parties' contacts and where the service happens (only the two
    parties ever see an engagement, so the contacts are theirs to see)."""
    if not engagements:
        return []
    citizens = await repo.users_by_id(session, {e.citizen_id for e in engagements})
    providers = await repo.providers_by_id(session, {e.provider_id for e in engagements})
    requests = await repo.requests_by_id(session, {e.request_id for e in engagements})
    contacts = await provider_views.engagement_contacts(session, providers.values())
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
                address=RequestAddress(street=request.address_street, postcode=request.address_postcode)
                if request.address_street and request.address_postcode
                else None,
            )
        )
    return views
