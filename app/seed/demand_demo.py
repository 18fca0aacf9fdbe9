"""Demo demand for `make run`, made through the real use cases (so it obeys every rule):
an open quote request with offers, an operator-mode request made by a hub for an offline citizen,
and an open-mode request whose accepted offer became a completed, reviewed engagement.
Idempotent: it runs once, when Giulia (the demo citizen) has no request yet.
"""

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demand import engagements, matching, offers, requests, reviews
from app.demand.schemas import OfferCreate, RequestCreate, ReviewCreate
from app.models import Category, DemandRequest, Provider, User, Zone, ZoneKind
from app.schedules import WeeklySlot
from app.seed.catalog_demo import demo_id


async def _user(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def _category(session: AsyncSession, slug: str) -> Category:
    return (await session.scalars(select(Category).where(Category.slug == slug))).one()


async def _nil(session: AsyncSession, code: int) -> Zone:
    return (await session.scalars(select(Zone).where(Zone.kind == ZoneKind.nil, Zone.code == code))).one()


def _slots(*triples: tuple[str, str, str]) -> list[WeeklySlot]:
    return [WeeklySlot(day=d, opens=o, closes=c) for d, o, c in triples]


async def seed_demand_demo(session: AsyncSession) -> dict[str, int]:
    giulia = await _user(session, "giulia.cittadina@demo.welfareditutti.it")
    ahmed = await _user(session, "ahmed.cittadino@demo.welfareditutti.it")
    operator = await _user(session, "operatore.sangottardo@demo.welfareditutti.it")
    admin = await _user(session, "admin@demo.welfareditutti.it")
    lucia = await _user(session, "lucia.worker@demo.welfareditutti.it")
    ana = await _user(session, "ana-santos@workers.demo.welfareditutti.it")
    coop = await _user(session, "staff.cooperativa@demo.welfareditutti.it")
    if None in (giulia, ahmed, operator, admin, lucia, ana, coop):
        return {"demo_requests_created": 0}
    assert giulia and ahmed and operator and admin and lucia and ana and coop
    if await session.scalar(select(func.count()).where(DemandRequest.citizen_id == giulia.id)):
        return {"demo_requests_created": 0}
    start = date.today() + timedelta(days=14)
    nil22, nil28, nil5 = await _nil(session, 22), await _nil(session, 28), await _nil(session, 5)

    # 1. Giulia, Città Studi: an English-speaking babysitter on Tuesday and Thursday afternoons.
    babysitter = await requests.create_request(
        session,
        giulia,
        RequestCreate(
            category_id=(await _category(session, "tata-babysitter")).id,
            start_date=start,
            mode="quote",
            description="Babysitter per due bambini (4 e 7 anni), che parli inglese.",
            nil_id=nil22.id,
            schedule=_slots(("tue", "16:00", "19:00"), ("thu", "16:00", "19:00")),
            budget_cents=1200,
            budget_model="hourly",
            preferences={"languages": ["en"]},
            open_to_sharing=True,
        ),
    )
    ranked = (await matching.list_matches(session, giulia, babysitter.id, limit=3)).items
    await matching.invite(session, giulia, babysitter.id, [m.service_id for m in ranked], if_match=None)
    for user, provider_key, price in ((lucia, "lucia-ferrari", 1150), (ana, "ana-santos", 1250)):
        provider = await session.get(Provider, demo_id("provider", provider_key))
        if provider is not None and provider.id in [m.provider_id for m in ranked]:
            await offers.create_offer(
                session,
                user,
                babysitter.id,
                OfferCreate(
                    provider_id=provider.id,
                    price_cents=price,
                    price_model="hourly",
                    schedule=_slots(("tue", "16:00", "19:00"), ("thu", "16:00", "19:00")),
                    message="Disponibile da metà mese; parlo inglese.",
                    contract_type="ccnl_domestic",
                    ccnl_level="BS",
                    weekly_hours=6,
                ),
            )

    # 2. A hub operator asks, for Ahmed's offline neighbour's sake, for help with errands (operator mode).
    await requests.create_request(
        session,
        operator,
        RequestCreate(
            category_id=(await _category(session, "piccole-commissioni")).id,
            start_date=start,
            mode="operator",
            citizen_id=ahmed.id,
            consent_note="Consenso raccolto allo sportello di corso San Gottardo 41",
            description="Spesa e farmacia il lunedì per una persona anziana sola.",
            nil_id=nil5.id,
            schedule=_slots(("mon", "10:00", "12:00")),
        ),
    )

    # 3. Ahmed, Calvairate: home assistance, open mode; Il Melograno answers, he accepts, it is done
    #    and reviewed, and the review is approved (so the provider has a public rating).
    #    It starts today: an engagement is completed (and reviewed) only from its start date on.
    care = await requests.create_request(
        session,
        ahmed,
        RequestCreate(
            category_id=(await _category(session, "assistenza-domiciliare")).id,
            start_date=requests.milan_today(),
            mode="open",
            description="Assistenza al mattino per mia madre dopo un'operazione.",
            nil_id=nil28.id,
            schedule=_slots(("mon", "08:00", "11:00"), ("wed", "08:00", "11:00"), ("fri", "08:00", "11:00")),
            budget_cents=2000,
            budget_model="hourly",
        ),
    )
    melograno = demo_id("provider", "melograno")
    offer = await offers.create_offer(
        session,
        coop,
        care.id,
        OfferCreate(
            provider_id=melograno,
            price_cents=1900,
            price_model="hourly",
            schedule=_slots(("mon", "08:00", "11:00"), ("wed", "08:00", "11:00"), ("fri", "08:00", "11:00")),
            message="Operatrice OSS con esperienza post-operatoria.",
            contract_type="organisation_purchase",
        ),
    )
    engagement = await offers.accept_offer(session, ahmed, offer.id, if_match=None)
    await engagements.complete(session, ahmed, engagement.id, if_match=None)
    review = await reviews.create_review(
        session, ahmed, engagement.id, ReviewCreate(rating=5, text="Puntuali, gentili e preparati. Consigliati.")
    )
    await reviews.moderate(session, admin, review.id, approve=True, reason=None, if_match=None)
    return {"demo_requests_created": 3}
