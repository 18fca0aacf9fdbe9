"""A demo funding programme, made through the real use cases: the Comune's babysitting and
after-school voucher (open, 60,000 EUR, 600 EUR per household, residents of Milan with a child up to
14), Giulia's application granted, and, under an ISEE-capped programme, Ahmed's application waiting
in the San Gottardo operators' review queue (he has no verified ISEE yet). Idempotent: runs once,
when no programme has the demo name. Needs the accounts, and the hubs demo for the NIL.
"""

import logging
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Hub, Programme, User
from app.programmes import applications
from app.programmes import service as programme_service
from app.programmes.schemas import ApplicationCreate, FixedAmount, PercentageOfCost, ProgrammeCreate
from app.seed.reference import category_id

log = logging.getLogger("app.seed")
NAME_IT = "Buono tata e doposcuola del Comune di Milano"
HUB_NAME = "Spazio WeMi San Gottardo"


async def _user(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def seed_programmes_demo(session: AsyncSession) -> dict[str, int]:
    if await session.scalar(select(Programme.id).where(Programme.name_it == NAME_IT)):
        return {"demo_programmes_created": 0}
    hub = await session.scalar(select(Hub).where(Hub.name == HUB_NAME))
    admin = await _user(session, "admin@demo.welfareditutti.it")
    giulia = await _user(session, "giulia.cittadina@demo.welfareditutti.it")
    ahmed = await _user(session, "ahmed.cittadino@demo.welfareditutti.it")
    if hub is None or admin is None or giulia is None or ahmed is None:
        log.info("programmes demo skipped: the demo accounts or the hubs demo are missing")
        return {"demo_programmes_created": 0}
    today = date.today()
    child = today.replace(year=today.year - 7)
    voucher = await programme_service.create_programme(
        session,
        admin,
        ProgrammeCreate(
            funder="Comune di Milano",
            funder_kind="comune",
            name_it=NAME_IT,
            name_en="City of Milan babysitting and after-school voucher",
            description_it="Un contributo per la tata o il doposcuola delle famiglie con bambini fino a 14 anni.",
            description_en="Towards a babysitter or after-school care for families with children up to 14.",
            budget_cents=6_000_000,
            category_ids=[category_id("tata-babysitter"), category_id("doposcuola")],
            valid_from=today - timedelta(days=7),
            valid_until=today + timedelta(days=180),
            grant_validity_days=365,
            amount_rule=FixedAmount(kind="fixed", amount_cents=60_000),
            member_max_age=14,
        ),
    )
    care = await programme_service.create_programme(
        session,
        admin,
        ProgrammeCreate(
            funder="Municipio 5",
            funder_kind="municipio",
            name_it="Assistenza domiciliare per redditi medi",
            name_en="Home care for middle incomes",
            budget_cents=3_000_000,
            category_ids=[category_id("assistenza-domiciliare")],
            valid_from=today - timedelta(days=7),
            valid_until=today + timedelta(days=365),
            grant_validity_days=180,
            amount_rule=PercentageOfCost(
                kind="percentage", coverage_percent=70, cap_per_hour_cents=1_400, cap_per_grant_cents=150_000
            ),
            isee_max_cents=4_000_000,
        ),
    )
    for programme in (voucher, care):
        await programme_service.change_status(session, admin, programme.id, "open", if_match=None)
    await applications.apply(
        session, giulia, voucher.id, ApplicationCreate(residence_nil_id=hub.nil_id, member_birth_dates=[child])
    )
    await applications.apply(session, ahmed, care.id, ApplicationCreate(residence_nil_id=hub.nil_id))
    return {"demo_programmes_created": 2}
