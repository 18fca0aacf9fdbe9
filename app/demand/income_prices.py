"""Income-based prices on the demand side: a household's price under a listing's ISEE bands shown
in its matches, and recorded on the offer and the engagement when it accepts.

The band applies to an offer made from a banded listing in the listing's own price unit (a `price`
band is in that unit); an offer priced in another unit gets none. The household is the request's
citizen, whoever accepts for it (a hub operator in operator mode): its verified ISEE on the day of
acceptance, in Rome.
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import service as catalog_service
from app.demand.schemas import MatchRead
from app.income import prices as income_prices
from app.income import rules as income_rules
from app.income import service as income_service
from app.models import DemandRequest, Engagement, Offer, Role, User


async def household_price(
    session: AsyncSession, offer: Offer, household_id: uuid.UUID
) -> tuple[int, dict[str, Any]] | None:
    """The household's price per unit under the offer's listing's ISEE bands, with the band record,
    or None when no band applies (no banded listing, another unit, or no verified ISEE in force)."""
    if offer.service_id is None:
        return None
    banded = await catalog_service.isee_bands_of(session, [offer.service_id])
    bands, unit = banded.get(offer.service_id, ([], None))
    if not bands or unit != offer.price_model:
        return None
    isee = await income_service.verified_isee(session, household_id, on=income_rules.today())
    price = income_prices.your_price(offer.price_cents, bands, isee)
    if price is None or isee is None:
        return None
    return price.price_cents, income_prices.record_of(price, isee)


async def record_at_acceptance(
    session: AsyncSession, offer: Offer, engagement: Engagement, household_id: uuid.UUID
) -> None:
    """Fix the household's price on the accepted offer and its engagement (both null when no band
    applies)."""
    found = await household_price(session, offer, household_id)
    if found is None:
        return
    price_cents, record = found
    offer.household_price_cents = engagement.household_price_cents = price_cents
    offer.isee_band, engagement.isee_band = record, dict(record)


async def with_your_prices(
    session: AsyncSession, user: User, request: DemandRequest, matches: list[MatchRead]
) -> list[MatchRead]:
    """The household's own price on each banded match, when the household itself looks (an
    operator acting for it sees list prices: the ISEE is the household's to show)."""
    if user.role != Role.citizen or user.id != request.citizen_id or not matches:
        return matches
    banded = await catalog_service.isee_bands_of(session, {m.service_id for m in matches})
    if not banded:
        return matches
    isee = await income_service.verified_isee(session, user.id, on=income_rules.today())
    if isee is None:
        return matches
    return [
        match.model_copy(
            update={"your_price": income_prices.your_price(match.price_cents, banded[match.service_id][0], isee)}
        )
        if match.service_id in banded and banded[match.service_id][1] == match.price_model
        else match
        for match in matches
    ]
