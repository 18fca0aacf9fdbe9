"""Demo courses and volunteer initiatives at Spazio WeMi San Gottardo, made through the real use cases.

A financial-education course whose 4 seats are taken, with 2 people waiting; a transport initiative
with three volunteers (two with a verified driving licence, one still to be checked) and rides:
one waiting, one claimed. Idempotent: runs once, when the hub has no course with this title. The
hub comes from the hubs demo; without it this seed logs and does nothing.
"""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as account_service
from app.courses import service as course_service
from app.courses.schemas import CourseCreate, CourseSession
from app.initiatives import rides
from app.initiatives import service as initiative_service
from app.initiatives.schemas import CredentialCreate, CredentialDecision, InitiativeCreate, RideCreate
from app.initiatives.views import volunteer_views
from app.models import Course, Hub, Role, User
from app.seed.reference import category_id
from app.shared_schemas import one

log = logging.getLogger("app.seed")
HUB_NAME = "Spazio WeMi San Gottardo"
MILAN = ZoneInfo("Europe/Rome")
COURSE_TITLE = "Il bilancio familiare: educazione finanziaria in quattro serate"
DEMO_COMMUNITY = (  # (e-mail, full name, password): demo passwords follow the README's convention
    ("rosa.pensionata@demo.welfareditutti.it", "Rosa Galli", "demo-cittadina-2026"),
    ("franco.volontario@demo.welfareditutti.it", "Franco Moretti", "demo-volontario-2026"),
    ("elena.volontaria@demo.welfareditutti.it", "Elena Riva", "demo-volontario-2026"),
    ("samir.cittadino@demo.welfareditutti.it", "Samir Haddad", "demo-cittadino-2026"),
    ("chiara.cittadina@demo.welfareditutti.it", "Chiara Fontana", "demo-cittadina-2026"),
)


async def _user(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def _demo_people(session: AsyncSession) -> dict[str, User]:
    people = {}
    for email, full_name, password in DEMO_COMMUNITY:
        user = await _user(session, email)
        if user is None:
            user = await account_service.create_user(
                session, email=email, password=password, full_name=full_name, role=Role.citizen
            )
        people[email.split(".")[0]] = user
    return people


def _evening(days: int, hour: int = 18) -> datetime:
    day = datetime.now(MILAN) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)  # local time in Milan


async def seed_community_demo(session: AsyncSession) -> dict[str, int]:
    hub = await session.scalar(select(Hub).where(Hub.name == HUB_NAME))
    if hub is None:
        log.info("community demo skipped: no hub named %r (the hubs demo creates it)", HUB_NAME)
        return {"demo_community_created": 0}
    if await session.scalar(select(Course.id).where(Course.hub_id == hub.id, Course.title == COURSE_TITLE)):
        return {"demo_community_created": 0}
    admin = await _user(session, "admin@demo.welfareditutti.it")
    giulia = await _user(session, "giulia.cittadina@demo.welfareditutti.it")
    ahmed = await _user(session, "ahmed.cittadino@demo.welfareditutti.it")
    lucia = await _user(session, "lucia.worker@demo.welfareditutti.it")
    if admin is None or giulia is None or ahmed is None or lucia is None:
        log.info("community demo skipped: the demo accounts are missing")
        return {"demo_community_created": 0}
    people = await _demo_people(session)

    # 1. A free financial-education course: 4 seats, 6 people (the last 2 wait).
    course = await course_service.create_course(
        session,
        admin,
        CourseCreate(
            hub_id=hub.id,
            category_id=category_id("educazione-finanziaria"),
            title=COURSE_TITLE,
            description="Bilancio di casa, risparmio, credito e truffe: quattro serate con esempi pratici.",
            language="it",
            capacity=4,
            sessions=[
                CourseSession(starts_at=_evening(d), ends_at=_evening(d) + timedelta(hours=2)) for d in (14, 21, 28, 35)
            ],
        ),
    )
    for person in (giulia, ahmed, people["rosa"], people["samir"], people["chiara"], lucia):
        await course_service.enrol(session, person, course.id)

    # 2. Transport for disabled people: volunteers, licences, rides.
    initiative = await initiative_service.create_initiative(
        session,
        admin,
        InitiativeCreate(
            hub_id=hub.id,
            title="Accompagnamento solidale San Gottardo",
            description="Pensionati volontari accompagnano in auto persone con disabilità a visite e uffici.",
        ),
    )
    licence_expiry = datetime.now(UTC) + timedelta(days=900)
    drivers = []
    for key in ("franco", "elena", "rosa"):
        volunteer = await initiative_service.join(session, people[key], initiative.id)
        volunteer = await initiative_service.declare_credential(
            session,
            people[key],
            volunteer.id,
            CredentialCreate(kind="driving_licence", evidence_ref="vista allo sportello"),
        )
        if key != "rosa":  # Rosa's licence is still to be checked
            await initiative_service.decide_credential(
                session,
                admin,
                volunteer.id,
                (await one(volunteer_views(session, [volunteer]))).credentials[0].id,
                CredentialDecision(outcome="verified", expires_at=licence_expiry),
            )
        drivers.append(volunteer)
    start = _evening(5, hour=10)
    waiting = RideCreate(
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        pickup_address="via Meda 12, 20136 Milano",
        dropoff_address="Ospedale San Paolo, via Antonio di Rudinì 8",
        assistance=["wheelchair"],
        notes="Citofono Galli; terzo piano senza ascensore.",
    )
    await rides.request_ride(session, ahmed, initiative.id, waiting)
    claimed, _ = await rides.request_ride(
        session,
        giulia,
        initiative.id,
        waiting.model_copy(
            update={
                "starts_at": start + timedelta(days=1),
                "ends_at": start + timedelta(days=1, hours=1),
                "dropoff_address": "CAF di corso San Gottardo 41",
                "assistance": ["companion"],
                "notes": None,
            }
        ),
    )
    await rides.claim(session, people["franco"], claimed.id, if_match=None)
    return {"demo_community_created": 1}
