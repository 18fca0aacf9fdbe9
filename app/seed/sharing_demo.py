"""Demo sharing for `make run`, made through the real use cases: the Spazi WeMi as hubs (real
addresses, DESIGN.md §3; points approximate), a condominium in corso San Gottardo, three nearby
households open to sharing an after-school service (so the San Gottardo operator gets a
suggestion), a forming pool and an active one. Idempotent: it runs once, when there is no hub yet.
"""

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.condominiums import service as condominium_service
from app.condominiums.schemas import BuildingAdministrator, CondominiumCreate
from app.demand import requests
from app.demand.schemas import RequestCreate
from app.hubs import service as hub_service
from app.hubs.schemas import Address, HubCreate
from app.models import Category, Hub, User
from app.pools import membership, offers
from app.pools import service as pool_service
from app.pools.schemas import PoolCreate, PoolJoin, PoolOfferCreate
from app.schedules import WeeklySlot
from app.seed.catalog_demo import demo_id
from app.shared_schemas import PointIn
from app.zones import service as zone_service

OFFICE_HOURS = [
    WeeklySlot(day=day, opens=opens, closes=closes)
    for day in ("mon", "tue", "wed", "thu", "fri")
    for opens, closes in (("09:00", "13:00"), ("14:00", "17:00"))
]
# name, street, postcode, lat, lon
HUBS = (
    ("Spazio WeMi San Gottardo", "corso San Gottardo 41", "20136", 45.4468, 9.1803),
    ("Spazio WeMi Agorà Quarto Oggiaro", "via Luigi Capuana 3", "20157", 45.5141, 9.1397),
    ("Spazio WeMi Trivulzio", "via Trivulzio 15", "20146", 45.4649, 9.1383),
    ("Spazio WeMi Stelline", "corso Magenta 63", "20123", 45.4660, 9.1720),
    ("Spazio WeMi Venini", "via Venini 83", "20127", 45.4975, 9.2226),
    ("Spazio WeMi Sabaudia", "via Sabaudia 8", "20137", 45.4575, 9.2150),
    ("Spazio WeMi Cascina Biblioteca", "via Ornato 7", "20162", 45.5210, 9.1965),
    ("Spazio WeMi Valla", "via Lorenzo Valla 25", "20141", 45.4440, 9.1640),
    ("WeMi Tate Colf Badanti", "via Statuto 15", "20121", 45.4769, 9.1857),
)
OPERATORS = {
    "Spazio WeMi San Gottardo": "operatore.sangottardo@demo.welfareditutti.it",
    "Spazio WeMi Agorà Quarto Oggiaro": "operatore.quartooggiaro@demo.welfareditutti.it",
    "Spazio WeMi Cascina Biblioteca": "operatore.niguarda@demo.welfareditutti.it",
}
NEAR_SAN_GOTTARDO = ((45.4466, 9.1808), (45.4472, 9.1815), (45.4460, 9.1799))


async def _user(session: AsyncSession, email: str) -> User:
    return (await session.scalars(select(User).where(User.email == email))).one()


async def _category_id(session: AsyncSession, slug: str):  # noqa: ANN202
    return (await session.scalars(select(Category.id).where(Category.slug == slug))).one()


async def _hubs(session: AsyncSession, admin: User) -> dict[str, Hub]:
    hubs = {}
    for name, street, postcode, lat, lon in HUBS:
        location = await zone_service.locate(session, lat=lat, lon=lon)
        nils = await zone_service.expand_to_nils(session, [location.municipio.id], pointer="/zone_ids")
        hub = await hub_service.create_hub(
            session,
            admin,
            HubCreate(
                name=name,
                address=Address(street=street, postcode=postcode),
                point=PointIn(lat=lat, lon=lon),
                zone_ids=sorted(set(nils) | {location.nil.id}),
                opening_hours=OFFICE_HOURS,
                phone="+39 02 8845 0000",
                email="wemi@comune.milano.it",
                website="https://wemi.comune.milano.it",
                description=f"Spazio WeMi: orientamento ai servizi di cura del Municipio {location.municipio.code}.",
            ),
        )
        hubs[name] = hub
        if name in OPERATORS:
            operator = await _user(session, OPERATORS[name])
            await hub_service.add_operator(session, admin, hub.id, operator.id)
    return hubs


async def seed_sharing_demo(session: AsyncSession) -> dict[str, int]:
    if await session.scalar(select(func.count()).select_from(Hub)):
        return {"demo_hubs_created": 0}
    admin = await _user(session, "admin@demo.welfareditutti.it")
    operator = await _user(session, "operatore.sangottardo@demo.welfareditutti.it")
    staff = await _user(session, "staff.cooperativa@demo.welfareditutti.it")
    elena, paolo, chiara, luca, marta, ahmed = [
        await _user(session, f"{who}@demo.welfareditutti.it")
        for who in ("elena.conti", "paolo.ricci", "chiara.moretti", "luca.galli", "marta.fontana", "ahmed.cittadino")
    ]
    hubs = await _hubs(session, admin)
    san_gottardo = hubs["Spazio WeMi San Gottardo"]

    # A building in corso San Gottardo: Elena, Paolo and Luca joined with its code.
    building = await condominium_service.create_condominium(
        session,
        operator,
        CondominiumCreate(
            name="Condominio Corso San Gottardo 38",
            address=Address(street="corso San Gottardo 38", postcode="20136"),
            point=PointIn(lat=45.4466, lon=9.1808),
            hub_id=san_gottardo.id,
            administrator=BuildingAdministrator(name="Studio Amministrazioni Navigli", email="navigli@example.org"),
        ),
    )
    for resident in (elena, paolo, luca):
        await condominium_service.join_by_code(session, resident, building.join_code)

    # Three households nearby want after-school care on Mon/Wed/Fri afternoons, open to sharing.
    after_school = await _category_id(session, "doposcuola")
    start = date.today() + timedelta(days=21)
    for citizen, (lat, lon), slots in zip(
        (elena, paolo, chiara),
        NEAR_SAN_GOTTARDO,
        (
            (("mon", "16:30", "18:30"), ("wed", "16:30", "18:30"), ("fri", "16:30", "18:30")),
            (("mon", "16:00", "18:30"), ("wed", "16:30", "18:30")),
            (("mon", "16:30", "19:00"), ("wed", "16:30", "18:00"), ("fri", "16:30", "18:30")),
        ),
        strict=True,
    ):
        await requests.create_request(
            session,
            citizen,
            RequestCreate(
                category_id=after_school,
                start_date=start,
                mode="open",
                description="Doposcuola e compiti per un bambino di 8 anni; va bene anche in piccolo gruppo.",
                point=PointIn(lat=lat, lon=lon),
                schedule=[WeeklySlot(day=d, opens=o, closes=c) for d, o, c in slots],
                budget_cents=1000,
                budget_model="hourly",
                open_to_sharing=True,
            ),
        )

    # A forming pool in the building: Luca wants a shared babysitter on Saturday mornings.
    babysitter = await _category_id(session, "tata-babysitter")
    await pool_service.create_pool(
        session,
        luca,
        PoolCreate(
            title="Tata condivisa il sabato al civico 38",
            category_id=babysitter,
            scope="condominium",
            condominium_id=building.id,
            schedule=[WeeklySlot(day="sat", opens="09:00", closes="13:00")],
            min_members=3,
            max_members=4,
        ),
    )

    # An active pool of the hub: three households share Il Melograno's babysitter three afternoons a week.
    pool, _ = await pool_service.create_pool(
        session,
        operator,
        PoolCreate(
            title="Tata condivisa Tibaldi - Conca Fallata",
            description="Una tata per tre famiglie, a turno nelle case, lunedì, martedì e giovedì.",
            category_id=babysitter,
            scope="hub",
            hub_id=san_gottardo.id,
            schedule=[WeeklySlot(day=d, opens="16:00", closes="19:00") for d in ("mon", "tue", "thu")],
            min_members=2,
            max_members=4,
            notice_days=14,
        ),
    )
    for citizen in (marta, luca, ahmed):
        await membership.join_pool(session, citizen, pool.id, PoolJoin())
    offer = await offers.create_offer(
        session,
        staff,
        pool.id,
        PoolOfferCreate(
            provider_id=demo_id("provider", "melograno"),
            weekly_price_cents=20000,
            individual_hourly_cents=1100,
            message="Una nostra educatrice, con sostituta garantita in caso di malattia.",
        ),
    )
    await offers.accept_offer(session, operator, offer.id, None)
    return {"demo_hubs_created": len(hubs), "demo_pools_created": 2}
