"""/v1/requests: creating a need, its lifecycle (draft → open → accepted → fulfilled; cancelled;
expired), edits with If-Match, acting for an offline citizen, and who may see what (OWASP API1/3/6)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.demand import requests as demand_requests
from app.models import (
    AuditEntry,
    ContractType,
    DemandRequest,
    Offer,
    OfferStatus,
    OutboxEvent,
    PriceModel,
    RequestMode,
    RequestStatus,
    Role,
)
from app.models import ZoneKind as K
from app.schedules import WeeklySlot, to_multirange
from app.seed.reference import category_id, zone_id
from tests.demand.conftest import (
    CITTA_STUDI,
    NIL_22,
    REQUESTS_URL,
    TATA,
    fetch_request,
    in_days,
    invite,
    post_operator_mode_request,
    post_request,
    request_body,
    slot,
)
from tests.factories import auth_headers, make_hub, make_hub_operator, make_provider_staff_user, make_user

ROME = {"lat": 41.9028, "lon": 12.4964}
BRERA = {"lat": 45.47425, "lon": 9.18816}  # NIL 2's centroid


def url(request_id: str | uuid.UUID, action: str = "") -> str:
    return f"{REQUESTS_URL}/{request_id}{action}"


def if_match(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


async def requests_of(session, citizen_id: uuid.UUID) -> list[DemandRequest]:
    stmt = select(DemandRequest).where(DemandRequest.citizen_id == citizen_id)
    return list((await session.scalars(stmt.execution_options(populate_existing=True))).all())


async def audit_actions(session, target_id: str | uuid.UUID) -> list[tuple[str, uuid.UUID | None]]:
    rows = await session.execute(
        select(AuditEntry.action, AuditEntry.actor_id)
        .where(AuditEntry.target_type == "request", AuditEntry.target_id == uuid.UUID(str(target_id)))
        .order_by(AuditEntry.occurred_at)
    )
    return [(action, actor) for action, actor in rows]


async def outbox_types(session, aggregate_id: str | uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(OutboxEvent.type)
        .where(OutboxEvent.aggregate_id == uuid.UUID(str(aggregate_id)))
        .order_by(OutboxEvent.position)
    )
    return list(rows.all())


async def set_status(session, request_id: str, status: RequestStatus) -> None:
    row = await fetch_request(session, request_id)
    row.status = status
    await session.flush()
    session.expunge_all()


# --- creating --------------------------------------------------------------------------------------


async def test_citizen_creates_an_open_request_with_201_and_the_nil_derived_from_the_point(
    client, session, citizen_a, as_citizen_a
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(), headers=as_citizen_a)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["nil_id"] == str(NIL_22)
    assert body["point"] == CITTA_STUDI
    assert body["status"] == "open"
    assert body["citizen_id"] == str(citizen_a.id)
    assert body["created_by_id"] == str(citizen_a.id)
    assert body["consent_recorded_at"] is None
    assert body["invited_provider_ids"] == []
    assert response.headers["etag"] == f'"{body["version"]}"'
    opened_at = datetime.fromisoformat(body["opened_at"])
    assert datetime.fromisoformat(body["valid_until"]) - opened_at == timedelta(days=30)
    row = await fetch_request(session, body["id"])
    assert (row.nil_id, row.lat, row.lon, row.status) == (NIL_22, CITTA_STUDI["lat"], CITTA_STUDI["lon"], "open")
    assert [(r.lower, r.upper) for r in row.schedule_minutes] == [(2400, 2580), (5280, 5460)]


async def test_a_nil_id_instead_of_a_point_places_the_request_in_that_nil_without_coordinates(
    client, session, as_citizen_a
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(point=None, nil_id=str(NIL_22)), headers=as_citizen_a)

    assert response.status_code == 201, response.text
    assert response.json()["nil_id"] == str(NIL_22)
    assert response.json()["point"] is None
    row = await fetch_request(session, response.json()["id"])
    assert (row.nil_id, row.lat, row.lon) == (NIL_22, None, None)


async def test_neither_point_nor_nil_id_returns_422_at_point(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(point=None), headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/point"
    assert await requests_of(session, citizen_a.id) == []


async def test_a_point_outside_milan_returns_422_at_point_and_stores_nothing(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(point=ROME), headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/point"
    assert await requests_of(session, citizen_a.id) == []


async def test_an_area_category_returns_422_at_category_id(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(
        REQUESTS_URL, json=request_body(category_id=str(category_id("lavoro-domestico"))), headers=as_citizen_a
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/category_id"
    assert await requests_of(session, citizen_a.id) == []


async def test_overlapping_slots_return_422_pointing_at_the_later_slot(client, session, citizen_a, as_citizen_a):
    schedule = [slot("tue", "16:00", "19:00"), slot("tue", "18:00", "20:00")]
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(schedule=schedule), headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/schedule/1"
    assert await requests_of(session, citizen_a.id) == []


async def test_end_date_before_start_date_returns_422_at_end_date(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(
        REQUESTS_URL, json=request_body(start_date=in_days(10), end_date=in_days(9)), headers=as_citizen_a
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/end_date"
    assert await requests_of(session, citizen_a.id) == []


async def test_start_date_in_the_past_returns_422_at_start_date(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(start_date=in_days(-1)), headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/start_date"
    assert await requests_of(session, citizen_a.id) == []


@pytest.mark.parametrize(
    "budget", [{"budget_cents": 1200, "budget_model": None}, {"budget_cents": None, "budget_model": "hourly"}]
)
async def test_a_budget_without_its_model_or_the_reverse_returns_422_at_budget_model(
    client, session, citizen_a, as_citizen_a, budget
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(**budget), headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/budget_model"
    assert await requests_of(session, citizen_a.id) == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("status", "accepted"),
        ("priority", 1),
        ("owner_id", "2ba40b0c-9b69-4e7c-8fd4-b850602d252d"),
        ("created_by_id", "17e77ce8-0533-4954-8926-3ed6afe7e7ea"),
        ("valid_until", "2099-01-01T00:00:00Z"),
    ],
)
async def test_server_owned_or_unknown_fields_in_the_body_return_422_at_that_field(
    client, session, citizen_a, as_citizen_a, field, value
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(**{field: value}), headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert f"/{field}" in [e["pointer"] for e in response.json()["errors"]]
    assert await requests_of(session, citizen_a.id) == []


async def test_a_citizen_naming_another_citizen_as_the_beneficiary_gets_403_and_nothing_is_stored(
    client, session, citizen_a, citizen_b, as_citizen_a
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(citizen_id=str(citizen_b.id)), headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await requests_of(session, citizen_a.id) == []
    assert await requests_of(session, citizen_b.id) == []


async def test_a_citizen_sending_a_consent_note_gets_403(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(
        REQUESTS_URL, json=request_body(consent_note="Consenso dato al telefono"), headers=as_citizen_a
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await requests_of(session, citizen_a.id) == []


async def test_a_citizen_creating_an_operator_mode_request_gets_403_operator_mode_not_allowed(
    client, session, citizen_a, as_citizen_a
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(mode="operator"), headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "operator_mode_not_allowed"
    assert await requests_of(session, citizen_a.id) == []


async def test_an_operator_mode_request_without_recorded_consent_is_refused_by_the_database(
    session, citizen_a, hub_operator
):
    row = DemandRequest(
        citizen_id=citizen_a.id,
        created_by_id=hub_operator.id,
        category_id=category_id("tata-babysitter"),
        nil_id=NIL_22,
        start_date=date.today(),
        schedule_minutes=to_multirange([WeeklySlot(day="tue", opens="16:00", closes="19:00")]),
        mode=RequestMode.operator,
    )
    session.add(row)

    with pytest.raises(IntegrityError, match="operator_mode_has_consent"):
        async with session.begin_nested():
            await session.flush()


async def test_a_citizen_naming_themself_as_the_beneficiary_is_accepted(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(citizen_id=str(citizen_a.id)), headers=as_citizen_a)

    assert response.status_code == 201
    assert response.json()["citizen_id"] == str(citizen_a.id)


async def test_a_municipio_as_nil_id_returns_422_at_nil_id(client, session, citizen_a, as_citizen_a):
    session.expunge_all()

    response = await client.post(
        REQUESTS_URL,
        json=request_body(point=None, nil_id=str(zone_id(K.municipio, 3))),
        headers=as_citizen_a,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/nil_id"
    assert await requests_of(session, citizen_a.id) == []


@pytest.mark.parametrize("role", [Role.provider_staff, Role.worker, Role.admin])
async def test_non_citizen_roles_other_than_hub_operators_creating_a_request_get_403(client, session, role):
    someone = await make_user(session, role=role)
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(), headers=auth_headers(someone))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await session.scalar(select(func.count()).select_from(DemandRequest)) == 0


async def test_anonymous_creating_a_request_gets_401(client, session):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body())

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_idempotency_key_replay_returns_the_first_request_and_stores_one_row(
    client, session, citizen_a, as_citizen_a
):
    headers = {**as_citizen_a, "Idempotency-Key": "need-babysitter-1"}
    first = await client.post(REQUESTS_URL, json=request_body(), headers=headers)

    replay = await client.post(REQUESTS_URL, json=request_body(), headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert [r.id for r in await requests_of(session, citizen_a.id)] == [uuid.UUID(first.json()["id"])]


# --- the lifecycle -----------------------------------------------------------------------------------


async def test_open_now_false_creates_a_draft_without_validity(client, session, as_citizen_a):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(open_now=False), headers=as_citizen_a)

    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["opened_at"] is None
    assert response.json()["valid_until"] is None
    assert await outbox_types(session, response.json()["id"]) == []


async def test_opening_a_draft_opens_it_for_30_days_with_audit_and_outbox(client, session, citizen_a, as_citizen_a):
    draft = await post_request(client, as_citizen_a, open_now=False)

    response = await client.post(url(draft["id"], "/open"), headers=if_match(as_citizen_a, draft["version"]))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "open"
    assert body["version"] == draft["version"] + 1
    assert datetime.fromisoformat(body["valid_until"]) - datetime.fromisoformat(body["opened_at"]) == timedelta(days=30)
    assert (await fetch_request(session, draft["id"])).status == RequestStatus.open
    assert await audit_actions(session, draft["id"]) == [
        ("request.created", citizen_a.id),
        ("request.opened", citizen_a.id),
    ]
    assert await outbox_types(session, draft["id"]) == ["request.opened"]


async def test_creating_an_open_request_writes_created_and_opened_audit_and_one_opened_event(
    client, session, citizen_a, as_citizen_a
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=request_body(), headers=as_citizen_a)

    request_id = response.json()["id"]
    assert await audit_actions(session, request_id) == [
        ("request.created", citizen_a.id),
        ("request.opened", citizen_a.id),
    ]
    event = (await session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == uuid.UUID(request_id)))).one()
    assert event.type == "request.opened"
    assert event.payload == {
        "request_id": request_id,
        "category_id": str(TATA),
        "nil_id": str(NIL_22),
        "mode": "quote",
    }


@pytest.mark.parametrize("state", ["open", "accepted", "fulfilled", "cancelled", "expired"])
async def test_opening_a_request_that_is_not_a_draft_returns_409_invalid_transition_with_current_state(
    client, session, request_a, as_citizen_a, state
):
    await set_status(session, request_a["id"], RequestStatus(state))

    response = await client.post(url(request_a["id"], "/open"), headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == state
    assert (await fetch_request(session, request_a["id"])).status == RequestStatus(state)


@pytest.mark.parametrize("open_now", [False, True], ids=["draft", "open"])
async def test_cancelling_a_draft_or_open_request_cancels_it_with_the_reason(
    client, session, citizen_a, as_citizen_a, open_now
):
    created = await post_request(client, as_citizen_a, open_now=open_now)

    response = await client.post(
        url(created["id"], "/cancel"),
        json={"reason": "Found a babysitter through family"},
        headers=if_match(as_citizen_a, created["version"]),
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["closed_reason"] == "Found a babysitter through family"
    row = await fetch_request(session, created["id"])
    assert (row.status, row.closed_reason) == (RequestStatus.cancelled, "Found a babysitter through family")
    assert ("request.cancelled", citizen_a.id) in await audit_actions(session, created["id"])
    assert (await outbox_types(session, created["id"]))[-1] == "request.cancelled"


async def test_cancelling_an_open_request_closes_its_pending_offers(
    client, session, catalogue, request_a, as_citizen_a
):
    offer = await add_pending_offer(session, request_a["id"], catalogue.providers["aurora"].id)

    response = await client.post(
        url(request_a["id"], "/cancel"), json={"reason": "No longer needed"}, headers=as_citizen_a
    )

    assert response.status_code == 200
    stored = await session.get(Offer, offer.id, populate_existing=True)
    assert stored.status == OfferStatus.declined
    assert stored.decided_at is not None


@pytest.mark.parametrize("state", ["accepted", "fulfilled", "cancelled", "expired"])
async def test_cancelling_a_request_past_open_returns_409_invalid_transition(
    client, session, request_a, as_citizen_a, state
):
    await set_status(session, request_a["id"], RequestStatus(state))

    response = await client.post(
        url(request_a["id"], "/cancel"), json={"reason": "Changed my mind"}, headers=as_citizen_a
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == state
    assert await outbox_types(session, request_a["id"]) == ["request.opened"]


async def test_cancelling_twice_returns_409_the_second_time(client, session, request_a, as_citizen_a):
    first = await client.post(url(request_a["id"], "/cancel"), json={"reason": "Not needed"}, headers=as_citizen_a)

    second = await client.post(url(request_a["id"], "/cancel"), json={"reason": "Not needed"}, headers=as_citizen_a)

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"
    assert second.json()["current_state"] == "cancelled"
    assert (await outbox_types(session, request_a["id"])).count("request.cancelled") == 1


async def test_a_cancel_without_a_reason_returns_422_at_reason(client, session, request_a, as_citizen_a):
    response = await client.post(url(request_a["id"], "/cancel"), json={}, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/reason"
    assert (await fetch_request(session, request_a["id"])).status == RequestStatus.open


# --- editing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("open_now", [False, True], ids=["draft", "open"])
async def test_editing_a_draft_or_open_request_with_the_current_etag_changes_only_the_fields_sent(
    client, session, as_citizen_a, open_now
):
    created = await post_request(client, as_citizen_a, open_now=open_now)
    changes = {"description": "Tata anche il venerdì", "schedule": [slot("fri", "15:00", "18:00")]}

    response = await client.patch(url(created["id"]), json=changes, headers=if_match(as_citizen_a, created["version"]))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["description"] == "Tata anche il venerdì"
    assert body["schedule"] == [slot("fri", "15:00", "18:00")]
    assert body["version"] == created["version"] + 1
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert (body["budget_cents"], body["point"], body["status"]) == (1200, CITTA_STUDI, created["status"])
    row = await fetch_request(session, created["id"])
    assert [(r.lower, r.upper) for r in row.schedule_minutes] == [(4 * 1440 + 900, 4 * 1440 + 1080)]


async def test_moving_the_point_re_derives_the_nil(client, session, request_a, as_citizen_a):
    response = await client.patch(url(request_a["id"]), json={"point": BRERA}, headers=as_citizen_a)

    assert response.status_code == 200
    assert response.json()["nil_id"] == str(zone_id(K.nil, 2))
    assert (await fetch_request(session, request_a["id"])).nil_id == zone_id(K.nil, 2)


async def test_editing_with_a_stale_if_match_returns_412_and_changes_nothing(client, session, request_a, as_citizen_a):
    await client.patch(url(request_a["id"]), json={"description": "First edit"}, headers=as_citizen_a)

    response = await client.patch(
        url(request_a["id"]), json={"description": "Lost update"}, headers=if_match(as_citizen_a, request_a["version"])
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    row = await fetch_request(session, request_a["id"])
    assert (row.description, row.version) == ("First edit", request_a["version"] + 1)


async def test_an_edit_that_breaks_a_rule_returns_422_and_changes_nothing(client, session, request_a, as_citizen_a):
    response = await client.patch(url(request_a["id"]), json={"end_date": in_days(1)}, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/end_date"
    row = await fetch_request(session, request_a["id"])
    assert (row.end_date.isoformat(), row.version) == (request_a["end_date"], request_a["version"])


async def test_moving_the_start_date_into_the_past_returns_422_at_start_date(client, session, request_a, as_citizen_a):
    response = await client.patch(url(request_a["id"]), json={"start_date": in_days(-1)}, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/start_date"
    assert (await fetch_request(session, request_a["id"])).start_date.isoformat() == request_a["start_date"]


async def test_resending_a_start_date_that_has_since_passed_is_accepted(client, session, request_a, as_citizen_a):
    row = await fetch_request(session, request_a["id"])
    row.start_date = date.today() - timedelta(days=3)
    await session.flush()
    session.expunge_all()
    body = {"start_date": (date.today() - timedelta(days=3)).isoformat(), "description": "Still needed"}

    response = await client.patch(url(request_a["id"]), json=body, headers=as_citizen_a)

    assert response.status_code == 200, response.text
    assert response.json()["description"] == "Still needed"


async def test_an_edit_cannot_change_the_status(client, session, request_a, as_citizen_a):
    response = await client.patch(url(request_a["id"]), json={"status": "fulfilled"}, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/status"
    assert (await fetch_request(session, request_a["id"])).status == RequestStatus.open


@pytest.mark.parametrize("state", ["accepted", "fulfilled", "cancelled", "expired"])
async def test_editing_a_request_past_open_returns_409_invalid_transition(
    client, session, request_a, as_citizen_a, state
):
    await set_status(session, request_a["id"], RequestStatus(state))

    response = await client.patch(url(request_a["id"]), json={"description": "Too late"}, headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == state
    assert (await fetch_request(session, request_a["id"])).description == request_a["description"]


# --- who may see and act (OWASP API1) ----------------------------------------------------------------


async def test_another_citizen_reading_a_request_gets_404(client, request_a, as_citizen_b):
    response = await client.get(url(request_a["id"]), headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_another_citizen_editing_a_request_gets_404_and_the_row_is_unchanged(
    client, session, request_a, as_citizen_b
):
    response = await client.patch(url(request_a["id"]), json={"description": "Hijacked"}, headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    row = await fetch_request(session, request_a["id"])
    assert (row.description, row.version) == (request_a["description"], request_a["version"])


async def test_another_citizen_cancelling_a_request_gets_404_and_it_stays_open(
    client, session, request_a, as_citizen_b
):
    response = await client.post(url(request_a["id"], "/cancel"), json={"reason": "Sabotage"}, headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    row = await fetch_request(session, request_a["id"])
    assert (row.status, row.version) == (RequestStatus.open, request_a["version"])
    assert await outbox_types(session, request_a["id"]) == ["request.opened"]


async def test_another_citizen_opening_a_draft_gets_404_and_it_stays_a_draft(
    client, session, as_citizen_a, as_citizen_b
):
    draft = await post_request(client, as_citizen_a, open_now=False)

    response = await client.post(url(draft["id"], "/open"), headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    assert (await fetch_request(session, draft["id"])).status == RequestStatus.draft


async def test_another_citizen_listing_matches_of_a_request_gets_404(client, catalogue, request_a, as_citizen_b):
    response = await client.get(url(request_a["id"], "/matches"), headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_an_unknown_request_id_gets_the_same_404_as_someone_elses(client, as_citizen_b):
    response = await client.get(url(uuid.uuid4()), headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_provider_staff_reading_a_request_by_id_gets_404(client, catalogue, request_a):
    response = await client.get(url(request_a["id"]), headers=catalogue.headers("aurora"))

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_listing_shows_only_ones_own_requests_even_with_a_citizen_id_filter(
    client, citizen_a, as_citizen_a, as_citizen_b
):
    mine = await post_request(client, as_citizen_b, description="Bruno's request")
    await post_request(client, as_citizen_a)

    response = await client.get(REQUESTS_URL, params={"citizen_id": str(citizen_a.id)}, headers=as_citizen_b)

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == [mine["id"]]


async def test_listing_filters_by_status_newest_first(client, as_citizen_a):
    older = await post_request(client, as_citizen_a, description="older")
    newer = await post_request(client, as_citizen_a, description="newer")
    await post_request(client, as_citizen_a, open_now=False)

    response = await client.get(REQUESTS_URL, params={"status": "open"}, headers=as_citizen_a)

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == [newer["id"], older["id"]]


# --- a hub operator acting for an offline citizen ----------------------------------------------------


def on_behalf(citizen, **overrides):
    return request_body(citizen_id=str(citizen.id), consent_note="Consenso verbale allo sportello", **overrides)


async def test_hub_operator_creates_a_request_for_a_citizen_with_consent_recorded(
    client, session, citizen_a, hub_operator, as_hub_operator
):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=on_behalf(citizen_a), headers=as_hub_operator)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["citizen_id"] == str(citizen_a.id)
    assert body["created_by_id"] == str(hub_operator.id)
    assert body["consent_recorded_at"] is not None
    row = await fetch_request(session, body["id"])
    assert (row.citizen_id, row.created_by_id) == (citizen_a.id, hub_operator.id)
    assert row.consent_note == "Consenso verbale allo sportello"
    created = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.target_id == row.id, AuditEntry.action == "request.created")
        )
    ).one()
    assert (created.actor_id, created.detail) == (hub_operator.id, {"on_behalf": True})


@pytest.mark.parametrize("missing", ["citizen_id", "consent_note"])
async def test_hub_operator_without_citizen_id_or_consent_note_gets_422_at_citizen_id(
    client, session, citizen_a, hub_operator, as_hub_operator, missing
):
    body = on_behalf(citizen_a)
    del body[missing]
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=body, headers=as_hub_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/citizen_id"
    assert await session.scalar(select(func.count()).select_from(DemandRequest)) == 0


async def test_hub_operator_of_the_nil_creates_an_operator_mode_request_with_consent_recorded(
    client, session, citizen_a, hub_operator, as_hub_operator
):
    response = await client.post(REQUESTS_URL, json=on_behalf(citizen_a, mode="operator"), headers=as_hub_operator)

    assert response.status_code == 201, response.text
    assert response.json()["mode"] == "operator"
    assert response.json()["consent_recorded_at"] is not None


async def test_an_operator_of_a_hub_not_serving_the_nil_cannot_create_an_operator_mode_request(
    client, session, citizen_a
):
    elsewhere = await make_hub_operator(session, await make_hub(session, nil_codes=(76,)))

    response = await client.post(
        REQUESTS_URL, json=on_behalf(citizen_a, mode="operator"), headers=auth_headers(elsewhere)
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await requests_of(session, citizen_a.id) == []


async def test_hub_operator_acting_for_a_non_citizen_account_gets_422_at_citizen_id(
    client, session, hub_operator, as_hub_operator
):
    staff = await make_provider_staff_user(session)
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=on_behalf(staff), headers=as_hub_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/citizen_id"
    assert await session.scalar(select(func.count()).select_from(DemandRequest)) == 0


async def test_hub_operator_acting_for_themself_gets_422(client, session, hub_operator, as_hub_operator):
    session.expunge_all()

    response = await client.post(REQUESTS_URL, json=on_behalf(hub_operator), headers=as_hub_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/citizen_id"


async def test_hub_operator_acting_for_an_unknown_account_gets_422_at_citizen_id(client, as_hub_operator):
    body = request_body(citizen_id=str(uuid.uuid4()), consent_note="Consenso verbale")

    response = await client.post(REQUESTS_URL, json=body, headers=as_hub_operator)

    # Same answer as for a non-citizen account: operators cannot probe which accounts exist.
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/citizen_id"


async def test_hub_operator_reads_edits_and_cancels_the_request_they_manage(
    client, session, citizen_a, as_hub_operator
):
    created = (await client.post(REQUESTS_URL, json=on_behalf(citizen_a), headers=as_hub_operator)).json()

    read = await client.get(url(created["id"]), headers=as_hub_operator)
    edited = await client.patch(url(created["id"]), json={"budget_cents": 1300}, headers=as_hub_operator)
    cancelled = await client.post(
        url(created["id"], "/cancel"), json={"reason": "Family found help"}, headers=as_hub_operator
    )

    assert read.status_code == 200
    assert read.json()["address"]["street"] == request_body()["address"]["street"]
    assert edited.status_code == 200
    assert edited.json()["budget_cents"] == 1300
    assert cancelled.status_code == 200
    row = await fetch_request(session, created["id"])
    assert (row.budget_cents, row.status) == (1300, RequestStatus.cancelled)


async def test_hub_operator_lists_the_requests_they_manage_and_the_citizen_lists_them_too(
    client, citizen_a, as_citizen_a, as_hub_operator
):
    managed = (await client.post(REQUESTS_URL, json=on_behalf(citizen_a), headers=as_hub_operator)).json()
    own = await post_request(client, as_citizen_a, description="Anna's own")

    by_operator = await client.get(REQUESTS_URL, headers=as_hub_operator)
    by_citizen = await client.get(REQUESTS_URL, headers=as_citizen_a)

    assert [r["id"] for r in by_operator.json()["items"]] == [managed["id"]]
    assert {r["id"] for r in by_citizen.json()["items"]} == {managed["id"], own["id"]}


async def test_the_citizen_reads_a_request_made_for_them_without_a_staff_audit_entry(
    client, session, citizen_a, as_citizen_a, as_hub_operator
):
    created = (await client.post(REQUESTS_URL, json=on_behalf(citizen_a), headers=as_hub_operator)).json()

    response = await client.get(url(created["id"]), headers=as_citizen_a)

    assert response.status_code == 200
    assert response.json()["citizen_id"] == str(citizen_a.id)
    assert "request.read_by_staff" not in [a for a, _ in await audit_actions(session, created["id"])]


async def test_hub_operator_reading_a_citizens_request_writes_a_read_by_staff_audit_entry(
    client, session, citizen_a, hub_operator, as_hub_operator
):
    created = (await client.post(REQUESTS_URL, json=on_behalf(citizen_a), headers=as_hub_operator)).json()

    response = await client.get(url(created["id"]), headers=as_hub_operator)

    assert response.status_code == 200
    assert ("request.read_by_staff", hub_operator.id) in await audit_actions(session, created["id"])


async def test_another_hub_operator_cannot_read_or_cancel_a_request_they_do_not_manage(
    client, session, citizen_a, as_hub_operator
):
    created = (await client.post(REQUESTS_URL, json=on_behalf(citizen_a), headers=as_hub_operator)).json()
    other = auth_headers(await make_user(session, role=Role.hub_operator))

    read = await client.get(url(created["id"]), headers=other)
    cancel = await client.post(url(created["id"], "/cancel"), json={"reason": "Not mine"}, headers=other)

    assert (read.status_code, cancel.status_code) == (404, 404)
    assert (await fetch_request(session, created["id"])).status == RequestStatus.open


async def test_hub_operator_cannot_read_a_request_a_citizen_made_themself(client, request_a, as_hub_operator):
    response = await client.get(url(request_a["id"]), headers=as_hub_operator)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


# --- the open-requests cap (OWASP API6) --------------------------------------------------------------


async def test_the_eleventh_open_request_returns_409_too_many_open_requests_and_is_not_stored(
    client, session, citizen_a, as_citizen_a
):
    for _ in range(demand_requests.MAX_OPEN_REQUESTS):
        await post_request(client, as_citizen_a)

    response = await client.post(REQUESTS_URL, json=request_body(), headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_open_requests"
    assert len(await requests_of(session, citizen_a.id)) == demand_requests.MAX_OPEN_REQUESTS


async def test_opening_a_draft_at_the_cap_returns_409_and_it_stays_a_draft(client, session, as_citizen_a):
    draft = await post_request(client, as_citizen_a, open_now=False)
    for _ in range(demand_requests.MAX_OPEN_REQUESTS):
        await post_request(client, as_citizen_a)

    response = await client.post(url(draft["id"], "/open"), headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_open_requests"
    assert (await fetch_request(session, draft["id"])).status == RequestStatus.draft


async def test_cancelled_requests_do_not_count_towards_the_cap(client, session, as_citizen_a):
    created = [await post_request(client, as_citizen_a) for _ in range(demand_requests.MAX_OPEN_REQUESTS)]
    await client.post(url(created[0]["id"], "/cancel"), json={"reason": "Not needed"}, headers=as_citizen_a)

    response = await client.post(REQUESTS_URL, json=request_body(), headers=as_citizen_a)

    assert response.status_code == 201
    assert (await fetch_request(session, response.json()["id"])).status == RequestStatus.open


# --- expiry (the worker job) -------------------------------------------------------------------------


async def add_pending_offer(session, request_id: str, provider_id: uuid.UUID) -> Offer:
    offer = Offer(
        request_id=uuid.UUID(request_id),
        provider_id=provider_id,
        price_cents=1200,
        price_model=PriceModel.hourly,
        schedule=[slot("tue", "16:00", "19:00")],
        contract_type=ContractType.organisation_purchase,
        valid_until=datetime.now(UTC) + timedelta(days=7),
    )
    session.add(offer)
    await session.flush()
    return offer


async def test_expire_due_expires_open_requests_past_valid_until_and_declines_their_pending_offers(
    client, session, catalogue, request_a
):
    offer = await add_pending_offer(session, request_a["id"], catalogue.providers["aurora"].id)
    row = await fetch_request(session, request_a["id"])
    row.valid_until = datetime.now(UTC) - timedelta(minutes=1)
    await session.flush()
    version = row.version

    expired = await demand_requests.expire_due(session)

    assert expired == 1
    row = await fetch_request(session, request_a["id"])
    assert (row.status, row.version) == (RequestStatus.expired, version + 1)
    stored = await session.get(Offer, offer.id, populate_existing=True)
    assert stored.status == OfferStatus.declined
    assert await outbox_types(session, request_a["id"]) == ["request.opened", "request.expired"]


async def test_expire_due_leaves_requests_still_valid_drafts_and_cancelled_ones_alone(client, session, as_citizen_a):
    valid = await post_request(client, as_citizen_a)
    draft = await post_request(client, as_citizen_a, open_now=False)
    cancelled = await post_request(client, as_citizen_a)
    await client.post(url(cancelled["id"], "/cancel"), json={"reason": "Not needed"}, headers=as_citizen_a)
    row = await fetch_request(session, cancelled["id"])
    row.valid_until = datetime.now(UTC) - timedelta(days=1)
    await session.flush()

    expired = await demand_requests.expire_due(session)

    assert expired == 0
    statuses = [(await fetch_request(session, r["id"])).status for r in (valid, draft, cancelled)]
    assert statuses == [RequestStatus.open, RequestStatus.draft, RequestStatus.cancelled]


async def test_an_expired_request_takes_no_offers(client, session, catalogue, open_mode_request_a):
    row = await fetch_request(session, open_mode_request_a["id"])
    row.valid_until = datetime.now(UTC) - timedelta(minutes=1)
    await session.flush()
    await demand_requests.expire_due(session)
    session.expunge_all()
    offer = {
        "provider_id": catalogue.provider_id("aurora"),
        "price_cents": 1200,
        "price_model": "hourly",
        "schedule": [slot("tue", "16:00", "19:00")],
        "contract_type": "organisation_purchase",
    }

    response = await client.post(
        url(open_mode_request_a["id"], "/offers"), json=offer, headers=catalogue.headers("aurora")
    )

    assert response.status_code == 409
    assert response.json()["code"] == "request_not_open"
    assert response.json()["current_state"] == "expired"
    assert await session.scalar(select(func.count()).select_from(Offer)) == 0


async def test_editing_an_open_request_past_its_validity_returns_409_expired_before_the_worker_runs(
    client, session, request_a, as_citizen_a
):
    stored = await session.get(DemandRequest, uuid.UUID(request_a["id"]))
    stored.valid_until = datetime.now(UTC) - timedelta(minutes=1)
    await session.flush()

    response = await client.patch(f"/v1/requests/{request_a['id']}", json={"description": "x"}, headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "expired"


async def test_changing_the_category_after_invitations_returns_409_and_keeps_it(
    client, session, catalogue, request_a, as_citizen_a
):
    await invite(client, as_citizen_a, request_a["id"], catalogue.services["aurora_full"])

    response = await client.patch(
        f"/v1/requests/{request_a['id']}", json={"category_id": str(category_id("colf"))}, headers=as_citizen_a
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    stored = await session.get(DemandRequest, uuid.UUID(request_a["id"]))
    await session.refresh(stored)
    assert stored.category_id == category_id("tata-babysitter")


async def test_an_operator_of_a_hub_serving_the_nil_lists_and_reads_operator_mode_requests_audited(
    client, session, request_body_operator_mode, hub_operator, as_hub_operator
):
    created = request_body_operator_mode

    listed = await client.get(REQUESTS_URL, headers=as_hub_operator)
    read = await client.get(f"{REQUESTS_URL}/{created['id']}", headers=as_hub_operator)

    assert created["id"] in [r["id"] for r in listed.json()["items"]]
    assert read.status_code == 200
    audits = await session.scalars(
        select(AuditEntry).where(
            AuditEntry.target_id == uuid.UUID(created["id"]), AuditEntry.action == "request.read_by_staff"
        )
    )
    assert [a.actor_id for a in audits] == [hub_operator.id]


async def test_a_municipal_admin_reads_a_request_but_cannot_cancel_it(client, session, request_a, as_admin):
    read = await client.get(f"{REQUESTS_URL}/{request_a['id']}", headers=as_admin)
    cancel = await client.post(f"{REQUESTS_URL}/{request_a['id']}/cancel", json={"reason": "pulizia"}, headers=as_admin)

    assert read.status_code == 200
    assert cancel.status_code == 404
    assert cancel.json()["code"] == "request_not_found"
    assert (await fetch_request(session, request_a["id"])).status == RequestStatus.open


async def test_operators_of_hubs_not_serving_the_nil_neither_list_nor_read_operator_mode_requests(
    client, session, request_body_operator_mode
):
    elsewhere = await make_hub_operator(session, await make_hub(session, nil_codes=(76,)))
    unattached = await make_hub_operator(session)

    for operator in (elsewhere, unattached):
        listed = await client.get(REQUESTS_URL, headers=auth_headers(operator))
        read = await client.get(f"{REQUESTS_URL}/{request_body_operator_mode['id']}", headers=auth_headers(operator))

        assert listed.json()["items"] == []
        assert read.status_code == 404
        assert read.json()["code"] == "request_not_found"


@pytest.fixture
async def request_body_operator_mode(client, session, hub_operator, citizen_a):
    return await post_operator_mode_request(client, session, hub_operator, citizen_a)
