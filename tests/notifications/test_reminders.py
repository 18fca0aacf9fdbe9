"""The worker's reminders before deadlines: who is told, at which threshold, and only once.

Sweeps run at a chosen `now` (the clock moved forward) on the test's transaction; the last test
runs two real sweeps at once on committed rows to show the once-only guarantee is the database's.
"""

import asyncio  # noqa: I001
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import reminders, worker
from app.demand import tasks as demand_tasks
from app.models import (
    AccreditationState,
    DemandRequest,
    HubOperator,
    Notification,
    Offer,
    Provider,
    ReminderSent,
    StaffRole,
    User,
    Verification,
)
from app.models import VerificationKind as VK
from app.models import VerificationOutcome as VO
from app.providers import tasks as provider_tasks

from tests.demand.conftest import invite, post_operator_mode_request, post_request
from tests.demand.offer_helpers import invited_request, make_offer
from tests.factories import (
    add_provider_staff,
    auth_headers,
    make_hub,
    make_hub_operator,
    make_provider,
    make_provider_staff_user,
    make_user,
    make_verification,
)
from tests.notifications.lifecycle import Told, watch

NOW = datetime.now(UTC)
EXPIRING = "verification.expiring"


@pytest.fixture
async def staffed(session):
    """A provider with an admin and an operator (both told), and a bystander provider's admin."""
    owner = await make_provider_staff_user(session)
    colleague = await make_provider_staff_user(session)
    provider = await make_provider(session, staff=owner)
    await add_provider_staff(session, provider, colleague, role=StaffRole.operator)
    await make_provider(session, staff=await make_provider_staff_user(session))
    return provider, [owner, colleague]


async def sweep_verifications(session: AsyncSession, at: datetime):
    async with watch(session) as told:
        await provider_tasks.remind_expiring_verifications(session, at)
    return told


# --- verifications expiring: 30 and 7 days, to the provider's staff -----------------------------------

# (days until the check expires when first swept, threshold told or None)
FIRST_SWEEP = [
    (45, None),  # not yet
    (30.5, None),
    (29, "30d"),
    (8, "30d"),
    (6.9, "7d"),  # first seen inside the 7-day window: the nearer deadline only
    (0.5, "7d"),
]


@pytest.mark.parametrize(("days", "threshold"), FIRST_SWEEP)
async def test_a_badge_expiring_soon_reminds_the_staff_at_its_threshold(session, staffed, days, threshold):
    provider, staff = staffed
    check = await make_verification(
        session, provider, verified_at=NOW - timedelta(days=300), expires_at=NOW + timedelta(days=days)
    )

    told = await sweep_verifications(session, NOW)

    await told.exactly(*([Told(person, EXPIRING, subject_id=check.id) for person in staff] if threshold else []))
    if threshold:
        assert told.data(staff[0], EXPIRING) == {
            "provider_id": str(provider.id),
            "verification_kind": "identity",
            "expires_at": check.expires_at.isoformat(),
            "threshold": threshold,
        }


async def test_each_threshold_is_told_once_however_often_the_worker_sweeps(session, staffed):
    provider, staff = staffed
    check = await make_verification(session, provider, expires_at=NOW + timedelta(days=20))

    first = await sweep_verifications(session, NOW)
    again = await sweep_verifications(session, NOW + timedelta(minutes=1))
    week_before = await sweep_verifications(session, NOW + timedelta(days=13, hours=1))
    later = await sweep_verifications(session, NOW + timedelta(days=15))
    expired = await sweep_verifications(session, NOW + timedelta(days=21))

    await first.exactly(*(Told(person, EXPIRING, subject_id=check.id) for person in staff))
    await again.exactly()
    await week_before.exactly(*(Told(person, EXPIRING, subject_id=check.id) for person in staff))
    assert week_before.data(staff[1], EXPIRING)["threshold"] == "7d"
    await later.exactly()
    await expired.exactly()


async def test_checks_that_no_longer_count_as_a_badge_are_not_reminded(session, staffed):
    provider, _ = staffed
    soon = NOW + timedelta(days=10)
    old = NOW - timedelta(days=300)
    await make_verification(session, provider, kind=VK.insurance, outcome=VO.failed, verified_at=old, expires_at=soon)
    await make_verification(session, provider, kind=VK.identity, verified_at=old, expires_at=soon)  # renewed below
    await make_verification(session, provider, kind=VK.identity, expires_at=NOW + timedelta(days=400))
    await make_verification(session, provider, kind=VK.references, verified_at=old)  # never expires
    await make_verification(session, provider, kind=VK.qualification, verified_at=old, expires_at=NOW - timedelta(1))
    gone = await make_provider(
        session, state=AccreditationState.withdrawn, staff=await make_provider_staff_user(session)
    )
    await make_verification(session, gone, verified_at=old, expires_at=soon)

    told = await sweep_verifications(session, NOW)

    await told.exactly()


async def test_the_worker_sweep_sends_the_reminders_and_counts_them(client, session, staffed):
    provider, staff = staffed
    check = await make_verification(session, provider, expires_at=datetime.now(UTC) + timedelta(days=3))

    async with watch(session) as told:
        swept = await worker.sweep(session)

    assert swept["verifications_reminded"] == 1
    await told.exactly(*(Told(person, EXPIRING, check.id, "it") for person in staff), client=client)


async def test_reminders_are_forgotten_a_day_after_their_deadline(session, staffed):
    provider, _ = staffed
    check = await make_verification(session, provider, expires_at=NOW + timedelta(days=3))
    await provider_tasks.remind_expiring_verifications(session, NOW)
    kept = select(func.count()).select_from(ReminderSent).where(ReminderSent.subject_id == check.id)

    await reminders.prune(session, NOW + timedelta(days=3, hours=23))
    before_a_day = await session.scalar(kept)
    await reminders.prune(session, NOW + timedelta(days=4, minutes=1))
    after_a_day = await session.scalar(kept)

    assert (before_a_day, after_a_day) == (1, 0)


# --- demand: a request expiring in 3 days, an offer lapsing within 24 hours, to the household ----------


async def sweep_demand(session: AsyncSession, at: datetime):
    async with watch(session) as told:
        await demand_tasks.remind_expiring_requests(session, at)
        await demand_tasks.remind_expiring_offers(session, at)
    return told


async def stored_request(session: AsyncSession, request_id: str) -> DemandRequest:
    stmt = select(DemandRequest).where(DemandRequest.id == uuid.UUID(request_id))
    return (await session.scalars(stmt.execution_options(populate_existing=True))).one()


async def test_a_request_expiring_in_3_days_reminds_its_citizen_once(client, session, citizen_a, as_citizen_a):
    request = await post_request(client, as_citizen_a)
    ends = (await stored_request(session, request["id"])).valid_until
    assert ends is not None

    early = await sweep_demand(session, ends - timedelta(days=3, hours=1))
    due = await sweep_demand(session, ends - timedelta(days=2, hours=23))
    again = await sweep_demand(session, ends - timedelta(days=1))

    await early.exactly()
    await due.exactly(Told(citizen_a, "request.expiring", request["id"], "it"), client=client)
    assert due.data(citizen_a, "request.expiring") == {
        "request_id": request["id"],
        "category_id": request["category_id"],
        "valid_until": ends.isoformat(),
        "threshold": "3d",
    }
    await again.exactly()


async def test_a_request_opened_for_less_than_3_days_is_not_reminded(client, session, as_citizen_a):
    request = await post_request(client, as_citizen_a)
    stored = await stored_request(session, request["id"])
    assert stored.opened_at is not None
    await session.execute(
        update(DemandRequest)
        .where(DemandRequest.id == stored.id)
        .values(valid_until=stored.opened_at + timedelta(days=2))
    )

    told = await sweep_demand(session, stored.opened_at + timedelta(hours=1))

    await told.exactly()


async def test_a_closed_request_is_not_reminded(client, session, as_citizen_a):
    request = await post_request(client, as_citizen_a)
    ends = (await stored_request(session, request["id"])).valid_until
    assert ends is not None
    cancelled = await client.post(
        f"/v1/requests/{request['id']}/cancel", json={"reason": "Risolto in famiglia"}, headers=as_citizen_a
    )
    assert cancelled.status_code == 200, cancelled.text

    told = await sweep_demand(session, ends - timedelta(days=2))

    await told.exactly()


async def test_a_request_made_by_an_operator_reminds_the_citizen_and_that_operator(
    client,
    session,
    citizen_a,
    hub_operator,
):
    colleague_elsewhere = await make_hub_operator(session, await make_hub(session, nil_codes=(22,)))  # noqa: F841
    request = await post_request(
        client,
        auth_headers(hub_operator),
        citizen_id=str(citizen_a.id),
        consent_note="Consenso raccolto allo sportello",
    )
    ends = (await stored_request(session, request["id"])).valid_until
    assert ends is not None

    told = await sweep_demand(session, ends - timedelta(days=2))

    await told.exactly(
        Told(citizen_a, "request.expiring", request["id"]), Told(hub_operator, "request.expiring", request["id"])
    )


async def test_an_operator_who_left_the_hub_is_no_longer_reminded(client, session, citizen_a, hub_operator):
    request = await post_operator_mode_request(client, session, hub_operator, citizen_a)
    author = (await stored_request(session, request["id"])).created_by_id
    await session.execute(delete(HubOperator).where(HubOperator.user_id == author))
    ends = (await stored_request(session, request["id"])).valid_until
    assert ends is not None

    told = await sweep_demand(session, ends - timedelta(days=2))

    # hub_operator reaches the request through operator mode, not as its author: not told either
    await told.exactly(Told(citizen_a, "request.expiring", request["id"]))


async def test_an_offer_lapsing_within_a_day_reminds_the_household_not_the_provider(
    client,
    session,
    citizen_a,
    as_citizen_a,
    catalogue,
):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", "betulla")
    offer = await make_offer(client, catalogue, "aurora", request["id"])
    lapses = datetime.fromisoformat(offer["valid_until"])

    early = await sweep_demand(session, lapses - timedelta(hours=25))
    due = await sweep_demand(session, lapses - timedelta(hours=23))
    again = await sweep_demand(session, lapses - timedelta(hours=2))

    await early.exactly()
    await due.exactly(Told(citizen_a, "offer.expiring", offer["id"], "it"), client=client)
    assert due.data(citizen_a, "offer.expiring") == {
        "offer_id": offer["id"],
        "request_id": request["id"],
        "provider_id": catalogue.provider_id("aurora"),
        "provider_name": "Aurora Servizi",
        "valid_until": lapses.isoformat(),
        "threshold": "24h",
    }
    await again.exactly()


async def test_an_operator_mode_offer_reminds_the_citizen_and_the_operator_who_made_the_request(
    client,
    session,
    citizen_a,
    hub_operator,
    catalogue,
):
    request = await post_operator_mode_request(client, session, hub_operator, citizen_a)
    author = (await stored_request(session, request["id"])).created_by_id
    assert author is not None
    invited = await invite(client, auth_headers(hub_operator), request["id"], catalogue.services["aurora_full"])
    assert invited.status_code == 200, invited.text
    offer = await make_offer(client, catalogue, "aurora", request["id"])

    told = await sweep_demand(session, datetime.fromisoformat(offer["valid_until"]) - timedelta(hours=12))

    await told.exactly(Told(citizen_a, "offer.expiring", offer["id"]), Told(author, "offer.expiring", offer["id"]))


# (what happens to the offer or its request before the sweep): none of these is reminded
QUIET_OFFERS = ["short-lived", "withdrawn", "request cancelled", "another accepted"]


@pytest.mark.parametrize("case", QUIET_OFFERS)
async def test_offers_that_are_moot_or_just_made_are_not_reminded(client, session, as_citizen_a, catalogue, case):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", "betulla")
    soon = (datetime.now(UTC) + timedelta(hours=20)).isoformat() if case == "short-lived" else None
    offer = await make_offer(client, catalogue, "aurora", request["id"], valid_until=soon)
    if case == "withdrawn":
        done = await client.post(f"/v1/offers/{offer['id']}/withdraw", headers=catalogue.headers("aurora"))
    elif case == "request cancelled":
        done = await client.post(f"/v1/requests/{request['id']}/cancel", json={"reason": "Basta"}, headers=as_citizen_a)
    elif case == "another accepted":
        other = await make_offer(client, catalogue, "betulla", request["id"])
        done = await client.post(f"/v1/offers/{other['id']}/accept", headers=as_citizen_a)
    if case != "short-lived":
        assert done.status_code in (200, 201), done.text

    told = await sweep_demand(session, datetime.fromisoformat(offer["valid_until"]) - timedelta(hours=2))

    await told.exactly()


# --- batched: the statements of a sweep do not grow with what it reminds of ------------------------------


async def counted(session: AsyncSession, statements, job) -> tuple[int, int]:  # noqa: ANN001 - StatementLog
    """(subjects reminded, statements run) of one run of `job`."""
    with statements.counting() as log:
        reminded = await job(session, NOW)
        await session.flush()  # the notifications' INSERT, one statement however many rows
    return reminded, len(log)


async def test_a_reminder_sweep_runs_as_many_statements_for_5_subjects_as_for_1(
    client, session, statements, as_citizen_a, as_citizen_b, catalogue
):
    # (a household may hold 10 open requests: the requests' job uses A's, the offers' job B's)
    async def verifications(n: int) -> None:
        for _ in range(n):
            provider = await make_provider(session, staff=await make_provider_staff_user(session))
            await make_verification(session, provider, expires_at=NOW + timedelta(days=3))

    async def requests(n: int) -> None:
        for _ in range(n):
            request = await post_request(client, as_citizen_a)
            await session.execute(
                update(DemandRequest)
                .where(DemandRequest.id == uuid.UUID(request["id"]))
                .values(valid_until=NOW + timedelta(days=2), opened_at=NOW - timedelta(days=20))
            )

    async def offers(n: int) -> None:
        for _ in range(n):
            request = await invited_request(client, as_citizen_b, catalogue, "aurora")
            await make_offer(
                client, catalogue, "aurora", request["id"], valid_until=(NOW + timedelta(days=3)).isoformat()
            )
            await session.execute(
                update(Offer)
                .where(Offer.request_id == uuid.UUID(request["id"]))
                .values(valid_until=NOW + timedelta(hours=12), created_at=NOW - timedelta(days=2))
            )

    as_citizen_c = auth_headers(await make_user(session, email="citizen.c@example.org"))

    async def quotes(n: int) -> None:  # citizen C's quote requests, due within the day, betulla invited
        for _ in range(n):
            due = (NOW + timedelta(days=2)).isoformat()
            request = await invited_request(client, as_citizen_c, catalogue, "betulla", quotes_due_at=due)
            await session.execute(
                update(DemandRequest)
                .where(DemandRequest.id == uuid.UUID(request["id"]))
                .values(quotes_due_at=NOW + timedelta(hours=12))
            )

    jobs = [
        (verifications, provider_tasks.remind_expiring_verifications),
        (requests, demand_tasks.remind_expiring_requests),
        (offers, demand_tasks.remind_expiring_offers),
        (quotes, demand_tasks.remind_quotes_due),
    ]
    for make, job in jobs:
        await make(1)
        one = await counted(session, statements, job)
        await make(4)
        five = await counted(session, statements, job)
        assert (one[0], five[0]) == (1, 4), job.__name__
        assert one[1] == five[1], (job.__name__, one[1], five[1])


# --- once, with several workers sweeping at the same time ------------------------------------------------


@dataclass
class Committed:
    staff: list[User]
    verification: Verification


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Committed]:
    """A committed provider with two staff and a check expiring in 5 days; all deleted afterwards."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    tag = uuid.uuid4().hex[:8]
    async with sessions() as setup:
        staff = [await make_provider_staff_user(setup, email=f"remind.{n}.{tag}@example.org") for n in range(2)]
        provider = await make_provider(setup, staff=staff[0])
        await add_provider_staff(setup, provider, staff[1], role=StaffRole.operator)
        check = await make_verification(setup, provider, expires_at=datetime.now(UTC) + timedelta(days=5))
        await setup.commit()
    yield Committed(staff, check)
    async with sessions() as cleanup:
        await cleanup.execute(delete(ReminderSent).where(ReminderSent.subject_id == check.id))
        await cleanup.execute(delete(Provider).where(Provider.id == provider.id))
        await cleanup.execute(delete(User).where(User.id.in_([s.id for s in staff])))
        await cleanup.commit()


async def test_two_workers_sweeping_at_once_send_each_reminder_once(engine, committed):
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def sweep() -> dict[str, int]:
        async with sessions() as session, session.begin():
            return await worker.sweep(session)

    # The first sweep claims the reminder and holds its transaction open; the second one, started
    # meanwhile, must wait on the first one's uncommitted key, then skip it.
    async with sessions() as first:
        async with first.begin():
            counted_first = await worker.sweep(first)
            second = asyncio.create_task(sweep())
            await asyncio.sleep(0.5)
            waiting = not second.done()
        counted_second = await second
    async with sessions() as check:
        rows = list(
            await check.execute(
                select(Notification.user_id, Notification.kind).where(
                    Notification.subject_id == committed.verification.id
                )
            )
        )

    assert waiting  # the second sweep really ran while the first held its claim
    assert (counted_first["verifications_reminded"], counted_second["verifications_reminded"]) == (1, 0)
    assert sorted(rows) == sorted((person.id, EXPIRING) for person in committed.staff)


async def test_two_sweeps_racing_freely_still_send_once(engine, committed):
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def sweep() -> int:
        async with sessions() as session, session.begin():
            return (await worker.sweep(session))["verifications_reminded"]

    counts = await asyncio.gather(*(sweep() for _ in range(4)))
    async with sessions() as check:
        told = await check.scalar(
            select(func.count()).select_from(Notification).where(Notification.subject_id == committed.verification.id)
        )

    assert sorted(counts) == [0, 0, 0, 1]
    assert told == len(committed.staff)
