"""Quote deadlines (issue 12, item 4): a quote-mode request's `quotes_due_at`, walked over HTTP.

The clock moves the way the other demand tests move it: a direct UPDATE of the stored instant (the
deadline passing), or the worker job called with a later `now` (the reminder's day coming).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.demand.tasks import remind_quotes_due
from app.models import DemandRequest, Notification, OutboxEvent, Provider, ReminderSent, Role, User
from app.worker import sweep
from tests.demand.conftest import INBOX_URL, NIL_22, REQUESTS_URL, post_request, request_body
from tests.demand.offer_helpers import (
    engaged,
    event_types,
    invited_request,
    make_offer,
    offer_action,
    offers_url,
    post_offer,
)
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service, make_user
from tests.notifications.lifecycle import Told, watch
from tests.problem_codes import checked_client

EXTENDED = "request.quotes_extended"
DUE_SOON = "request.quotes_due_soon"


def ahead(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def iso(instant: datetime) -> str:
    return instant.isoformat()


def url(request_id: str) -> str:
    return f"{REQUESTS_URL}/{request_id}"


async def patch(client, headers: dict[str, str], request_id: str, version: int, **changes: Any):
    return await client.patch(url(request_id), json=changes, headers={**headers, "If-Match": f'"{version}"'})


async def current(client, headers: dict[str, str], request_id: str) -> dict[str, Any]:
    response = await client.get(url(request_id), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def close_quotes(session: AsyncSession, request_id: str) -> None:
    """The deadline passes (the request itself stays valid)."""
    await session.execute(
        update(DemandRequest)
        .where(DemandRequest.id == uuid.UUID(request_id))
        .values(quotes_due_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    session.expunge_all()


async def told(session: AsyncSession, kind: str, request_id: str) -> list[uuid.UUID]:
    """Who got a notification of `kind` about the request, one entry per notification."""
    rows = await session.scalars(
        select(Notification.user_id)
        .where(Notification.kind == kind, Notification.subject_id == uuid.UUID(request_id))
        .order_by(Notification.user_id)
    )
    return list(rows.all())


def staff_ids(catalogue, *names: str) -> list[uuid.UUID]:
    return sorted(catalogue.staff[n].id for n in names)


def assert_problem(response, status: int, code: str, pointer: str | None = "/quotes_due_at") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    if pointer is not None:
        assert [e["pointer"] for e in body["errors"]] == [pointer]
    return body


# --- the walk: create, see, offer, close, extend, offer again ---------------------------------------


async def test_a_quote_deadline_walked_end_to_end(client, session, as_citizen_a, catalogue, citizen_a):
    due = ahead(days=3)
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", "betulla", quotes_due_at=iso(due))
    assert datetime.fromisoformat(request["quotes_due_at"]) == due

    # The invited provider sees the deadline in its inbox.
    inbox = await client.get(INBOX_URL, headers=catalogue.headers("aurora"))
    assert inbox.status_code == 200, inbox.text
    [item] = [i for i in inbox.json()["items"] if i["id"] == request["id"]]
    assert datetime.fromisoformat(item["quotes_due_at"]) == due

    # Before the deadline an offer is taken; after it, refused with its own code and the instant.
    await make_offer(client, catalogue, "aurora", request["id"])
    await close_quotes(session, request["id"])
    closed_at = (await session.get(DemandRequest, uuid.UUID(request["id"]))).quotes_due_at
    late = await post_offer(client, catalogue, "betulla", request["id"])
    body = assert_problem(late, 409, "quotes_closed", pointer=None)
    assert closed_at.isoformat(timespec="seconds") in body["detail"]

    # Still listed (the citizen may extend), still readable with the deadline that passed.
    inbox = await client.get(INBOX_URL, headers=catalogue.headers("betulla"))
    assert request["id"] in [i["id"] for i in inbox.json()["items"]]

    # The citizen extends it: both invited providers' staff are told, nobody else.
    new_due = ahead(days=2)
    stored = await current(client, as_citizen_a, request["id"])
    async with watch(session) as extension:
        extended = await patch(client, as_citizen_a, request["id"], stored["version"], quotes_due_at=iso(new_due))
    assert extended.status_code == 200, extended.text
    await extension.exactly(
        Told(catalogue.staff["aurora"], EXTENDED, subject_id=request["id"], language="it"),
        Told(catalogue.staff["betulla"], EXTENDED, subject_id=request["id"], language="it"),
        client=client,
    )
    assert datetime.fromisoformat(extended.json()["quotes_due_at"]) == new_due
    assert extended.json()["version"] == stored["version"] + 1
    assert await told(session, EXTENDED, request["id"]) == staff_ids(catalogue, "aurora", "betulla")
    assert "request.quotes_extended" in await event_types(session, request["id"])
    mine = await client.get("/v1/me/notifications", headers=catalogue.headers("betulla"))
    [note] = [n for n in mine.json()["items"] if n["kind"] == EXTENDED]
    assert note["subject_id"] == request["id"]
    assert datetime.fromisoformat(note["data"]["quotes_due_at"]) == new_due

    # Offers are taken again.
    again = await post_offer(client, catalogue, "betulla", request["id"])
    assert again.status_code == 201, again.text
    # Offers made before the deadline may still be accepted after it.
    await close_quotes(session, request["id"])
    offers = (await client.get(offers_url(request["id"]), headers=as_citizen_a)).json()["items"]
    accepted = await offer_action(client, as_citizen_a, offers[0]["id"], "accept")
    assert accepted.status_code == 200, accepted.text


async def test_a_request_without_a_deadline_takes_offers_as_before(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    assert request["quotes_due_at"] is None
    await make_offer(client, catalogue, "aurora", request["id"])


# --- the rules on create ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"quotes_due_at": "in 23 hours"}, "quotes_due_too_soon"),
        ({"quotes_due_at": "yesterday"}, "quotes_due_too_soon"),
        ({"quotes_due_at": "in 31 days"}, "quotes_due_after_validity"),
        ({"quotes_due_at": "in 31 days", "open_now": False}, "quotes_due_after_validity"),
        ({"quotes_due_at": "in 3 days", "mode": "open"}, "quotes_due_not_quote_mode"),
        ({"quotes_due_at": "naive, in 3 days"}, "validation_error"),
    ],
)
async def test_a_deadline_breaking_a_rule_is_refused_on_create(
    client, session, as_citizen_a, citizen_a, overrides, code
):
    when = {
        "in 23 hours": iso(ahead(hours=23)),
        "yesterday": iso(ahead(days=-1)),
        "in 31 days": iso(ahead(days=31)),
        "in 3 days": iso(ahead(days=3)),
        "naive, in 3 days": ahead(days=3).replace(tzinfo=None).isoformat(),
    }
    body = request_body(**{**overrides, "quotes_due_at": when[overrides["quotes_due_at"]]})

    response = await client.post(REQUESTS_URL, json=body, headers=as_citizen_a)

    assert_problem(response, 422, code)
    assert (await session.scalars(select(DemandRequest).where(DemandRequest.citizen_id == citizen_a.id))).all() == []


async def test_a_deadline_just_over_a_day_ahead_and_just_before_validity_are_taken(client, as_citizen_a):
    soon = await post_request(client, as_citizen_a, quotes_due_at=iso(ahead(hours=24, minutes=1)))
    late = await post_request(client, as_citizen_a, quotes_due_at=iso(ahead(days=29, hours=23)))

    assert datetime.fromisoformat(late["quotes_due_at"]) < datetime.fromisoformat(late["valid_until"])
    assert soon["quotes_due_at"] is not None


# --- drafts: set, move, clear; opening needs a day left ------------------------------------------------


async def test_a_drafts_deadline_moves_either_way_and_clears(client, session, as_citizen_a, catalogue):
    draft = await post_request(client, as_citizen_a, open_now=False, quotes_due_at=iso(ahead(days=5)))
    assert draft["status"] == "draft"

    earlier = await patch(client, as_citizen_a, draft["id"], draft["version"], quotes_due_at=iso(ahead(days=2)))
    assert earlier.status_code == 200, earlier.text
    cleared = await patch(client, as_citizen_a, draft["id"], earlier.json()["version"], quotes_due_at=None)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["quotes_due_at"] is None
    too_soon = await patch(
        client, as_citizen_a, draft["id"], cleared.json()["version"], quotes_due_at=iso(ahead(hours=2))
    )
    assert_problem(too_soon, 422, "quotes_due_too_soon")
    assert await told(session, EXTENDED, draft["id"]) == []


async def test_opening_a_draft_whose_deadline_is_less_than_a_day_away_is_refused(client, session, as_citizen_a):
    draft = await post_request(client, as_citizen_a, open_now=False, quotes_due_at=iso(ahead(days=2)))
    await session.execute(
        update(DemandRequest).where(DemandRequest.id == uuid.UUID(draft["id"])).values(quotes_due_at=ahead(hours=3))
    )

    response = await client.post(
        f"{url(draft['id'])}/open", headers={**as_citizen_a, "If-Match": f'"{draft["version"]}"'}
    )

    body = assert_problem(response, 422, "quotes_due_too_soon")
    assert "PATCH" in body["detail"]
    assert (await current(client, as_citizen_a, draft["id"]))["status"] == "draft"


# --- open requests: only later -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("earlier", "quotes_due_not_later"),
        ("removed", "quotes_due_not_later"),
        ("past validity", "quotes_due_after_validity"),
    ],
)
async def test_an_open_requests_deadline_only_moves_later(client, session, as_citizen_a, catalogue, change, code):
    due = ahead(days=4)
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", quotes_due_at=iso(due))
    value = {"earlier": iso(ahead(days=2)), "removed": None, "past validity": iso(ahead(days=31))}[change]

    response = await patch(client, as_citizen_a, request["id"], request["version"] + 1, quotes_due_at=value)

    assert_problem(response, 422, code)
    assert datetime.fromisoformat((await current(client, as_citizen_a, request["id"]))["quotes_due_at"]) == due
    assert await told(session, EXTENDED, request["id"]) == []


async def test_no_deadline_is_added_to_an_open_request(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    response = await patch(
        client, as_citizen_a, request["id"], request["version"] + 1, quotes_due_at=iso(ahead(days=3))
    )

    body = assert_problem(response, 422, "quotes_due_not_later")
    assert "no deadline" in body["detail"]


async def test_an_extension_after_the_deadline_still_leaves_providers_a_day(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", quotes_due_at=iso(ahead(days=2)))
    await close_quotes(session, request["id"])

    response = await patch(
        client, as_citizen_a, request["id"], request["version"] + 1, quotes_due_at=iso(ahead(hours=5))
    )

    assert_problem(response, 422, "quotes_due_too_soon")


async def test_sending_the_same_deadline_again_changes_nothing_and_tells_nobody(
    client, session, as_citizen_a, catalogue
):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", quotes_due_at=iso(ahead(days=3)))
    version = request["version"] + 1  # the invitation moved it

    response = await patch(client, as_citizen_a, request["id"], version, quotes_due_at=request["quotes_due_at"])

    assert response.status_code == 200, response.text
    assert response.json()["quotes_due_at"] == request["quotes_due_at"]
    assert await told(session, EXTENDED, request["id"]) == []


async def test_a_deadline_in_another_mode_is_refused_on_update(client, as_citizen_a, open_mode_request_a):
    response = await patch(
        client,
        as_citizen_a,
        open_mode_request_a["id"],
        open_mode_request_a["version"],
        quotes_due_at=iso(ahead(days=3)),
    )

    assert_problem(response, 422, "quotes_due_not_quote_mode")


# --- who may extend ------------------------------------------------------------------------------------


async def test_another_citizen_cannot_extend_and_learns_nothing(client, session, as_citizen_a, as_citizen_b, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", quotes_due_at=iso(ahead(days=2)))

    response = await patch(
        client, as_citizen_b, request["id"], request["version"] + 1, quotes_due_at=iso(ahead(days=5))
    )

    assert_problem(response, 404, "request_not_found", pointer=None)
    assert await told(session, EXTENDED, request["id"]) == []


async def test_an_invited_provider_cannot_extend(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", quotes_due_at=iso(ahead(days=2)))

    response = await patch(
        client, catalogue.headers("aurora"), request["id"], request["version"] + 1, quotes_due_at=iso(ahead(days=5))
    )

    assert_problem(response, 404, "request_not_found", pointer=None)
    assert await told(session, EXTENDED, request["id"]) == []


async def test_a_stale_if_match_extends_nothing(client, session, as_citizen_a, catalogue):
    due = ahead(days=2)
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", quotes_due_at=iso(due))

    response = await patch(client, as_citizen_a, request["id"], request["version"], quotes_due_at=iso(ahead(days=5)))

    assert_problem(response, 412, "precondition_failed", pointer=None)
    assert datetime.fromisoformat((await current(client, as_citizen_a, request["id"]))["quotes_due_at"]) == due
    assert await told(session, EXTENDED, request["id"]) == []


async def test_an_accepted_request_keeps_its_deadline(client, session, as_citizen_a, catalogue):
    engagement = await engaged(client, as_citizen_a, catalogue, quotes_due_at=iso(ahead(days=2)))
    stored = await current(client, as_citizen_a, engagement["request_id"])

    response = await patch(client, as_citizen_a, stored["id"], stored["version"], quotes_due_at=iso(ahead(days=5)))

    assert_problem(response, 409, "invalid_transition", pointer=None)
    assert response.json()["current_state"] == "accepted"


async def test_the_hub_operator_acting_for_an_offline_citizen_extends(
    client, session, as_hub_operator, citizen_b, catalogue
):
    request = await post_request(
        client,
        as_hub_operator,
        citizen_id=str(citizen_b.id),
        consent_note="Consenso raccolto allo sportello",
        quotes_due_at=iso(ahead(days=2)),
    )
    invited = await client.post(
        f"{url(request['id'])}/invitations",
        json={"service_ids": [catalogue.service_id("dalia_thursday")]},
        headers={**as_hub_operator, "If-Match": f'"{request["version"]}"'},
    )
    assert invited.status_code == 200, invited.text

    response = await patch(
        client, as_hub_operator, request["id"], invited.json()["version"], quotes_due_at=iso(ahead(days=6))
    )

    assert response.status_code == 200, response.text
    assert await told(session, EXTENDED, request["id"]) == staff_ids(catalogue, "dalia")


# --- the reminder, a day before ------------------------------------------------------------------------


async def test_invited_providers_that_have_not_offered_are_reminded_once(client, session, as_citizen_a, catalogue):
    due = ahead(days=3)
    request = await invited_request(
        client, as_citizen_a, catalogue, "aurora", "betulla", "cedro", quotes_due_at=iso(due)
    )
    await make_offer(client, catalogue, "aurora", request["id"])

    assert await remind_quotes_due(session, now=due - timedelta(hours=25)) == 0  # not yet a day before
    async with watch(session) as reminded:
        assert await remind_quotes_due(session, now=due - timedelta(hours=12)) == 2
    await reminded.exactly(
        Told(catalogue.staff["betulla"], DUE_SOON, subject_id=request["id"], language="it"),
        Told(catalogue.staff["cedro"], DUE_SOON, subject_id=request["id"], language="it"),
        client=client,
    )
    assert await remind_quotes_due(session, now=due - timedelta(hours=11)) == 0  # once
    assert await remind_quotes_due(session, now=due + timedelta(minutes=1)) == 0  # and never after

    assert await told(session, DUE_SOON, request["id"]) == staff_ids(catalogue, "betulla", "cedro")
    mine = await client.get("/v1/me/notifications", headers=catalogue.headers("cedro"))
    [note] = [n for n in mine.json()["items"] if n["kind"] == DUE_SOON]
    assert note["data"] == {
        "request_id": request["id"],
        "provider_id": catalogue.provider_id("cedro"),
        "quotes_due_at": due.isoformat(),
        "threshold": "24h",
    }


async def test_a_deadline_moved_later_earns_its_own_reminder(client, session, as_citizen_a, catalogue):
    due = ahead(days=2)
    request = await invited_request(client, as_citizen_a, catalogue, "betulla", quotes_due_at=iso(due))
    assert await remind_quotes_due(session, now=due - timedelta(hours=12)) == 1
    new_due = ahead(days=6)
    moved = await patch(client, as_citizen_a, request["id"], request["version"] + 1, quotes_due_at=iso(new_due))
    assert moved.status_code == 200, moved.text

    assert await remind_quotes_due(session, now=new_due - timedelta(hours=12)) == 1
    assert await remind_quotes_due(session, now=new_due - timedelta(hours=6)) == 0

    assert await told(session, DUE_SOON, request["id"]) == staff_ids(catalogue, "betulla") * 2


async def test_no_reminder_for_closed_requests_or_suspended_providers(client, session, as_citizen_a, catalogue):
    due = ahead(days=2)
    cancelled = await invited_request(client, as_citizen_a, catalogue, "betulla", quotes_due_at=iso(due))
    response = await client.post(
        f"{url(cancelled['id'])}/cancel",
        json={"reason": "Found someone"},
        headers={**as_citizen_a, "If-Match": f'"{cancelled["version"] + 1}"'},
    )
    assert response.status_code == 200, response.text
    suspended = await invited_request(client, as_citizen_a, catalogue, "cedro", quotes_due_at=iso(due))
    await session.execute(
        update(Provider).where(Provider.id == catalogue.providers["cedro"].id).values(accreditation_state="suspended")
    )

    assert await remind_quotes_due(session, now=due - timedelta(hours=12)) == 0
    assert await told(session, DUE_SOON, cancelled["id"]) == await told(session, DUE_SOON, suspended["id"]) == []


async def test_the_worker_sweep_sends_the_reminders(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "elce", quotes_due_at=iso(ahead(days=2)))
    await session.execute(
        update(DemandRequest).where(DemandRequest.id == uuid.UUID(request["id"])).values(quotes_due_at=ahead(hours=12))
    )

    counts = await sweep(session)

    assert counts["quotes_reminded"] == 1
    assert await told(session, DUE_SOON, request["id"]) == staff_ids(catalogue, "elce")


# --- two workers at once (real commits) ----------------------------------------------------------------


@pytest.fixture
async def committed_quote(engine: AsyncEngine, committing_app) -> AsyncIterator[tuple[dict[str, Any], User]]:
    """A committed quote request with one invited provider (its staff returned); all deleted after."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        citizen = await make_user(setup, email=f"quote.citizen.{tag}@example.org", role=Role.citizen)
        staff = await make_provider_staff_user(setup, email=f"quote.staff.{tag}@example.org")
        provider = await make_provider(setup, staff=staff, display_name=f"Frassino {tag}")
        service = await make_service(
            setup,
            provider,
            category="tata-babysitter",
            zones_served=[NIL_22],
            availability=[{"day": "tue", "opens": "16:00", "closes": "19:00"}],
        )
        await setup.commit()
    async with checked_client(committing_app) as http:
        headers = auth_headers(citizen)
        body = request_body(quotes_due_at=iso(ahead(days=2)))
        request = (await http.post(REQUESTS_URL, json=body, headers=headers)).json()
        invited = await http.post(
            f"{url(request['id'])}/invitations", json={"service_ids": [str(service.id)]}, headers=headers
        )
        assert invited.status_code == 200, invited.text
    yield invited.json(), staff
    async with sessions() as cleanup:
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id == uuid.UUID(request["id"])))
        await cleanup.execute(delete(ReminderSent).where(ReminderSent.subject_id == uuid.UUID(request["id"])))
        await cleanup.execute(delete(DemandRequest).where(DemandRequest.citizen_id == citizen.id))
        await cleanup.execute(delete(Provider).where(Provider.id == provider.id))
        await cleanup.execute(delete(User).where(User.id.in_([citizen.id, staff.id])))
        await cleanup.commit()


async def test_two_workers_sweeping_at_once_remind_once(engine, committed_quote):
    request, staff = committed_quote
    when = datetime.fromisoformat(request["quotes_due_at"]) - timedelta(hours=12)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def one_worker() -> int:
        async with sessions() as s, s.begin():
            return await remind_quotes_due(s, now=when)

    counts = await asyncio.gather(*(one_worker() for _ in range(4)))

    async with AsyncSession(engine) as check:
        notes = await told(check, DUE_SOON, request["id"])
        claimed = await check.scalars(
            select(ReminderSent.kind).where(ReminderSent.subject_id == uuid.UUID(request["id"]))
        )
        assert claimed.all() == [DUE_SOON]
    assert sorted(counts) == [0, 0, 0, 1]
    assert notes == [staff.id]
