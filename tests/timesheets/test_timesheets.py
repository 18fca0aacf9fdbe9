"""Timesheets over HTTP: submit, edit (ETag), confirm, dispute and decide, auto-confirmation by the
worker, the CCNL flags, and every forbidden path (other providers, other households, stale ETags)."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import AuditEntry, Copayment, Engagement, Timesheet
from app.timesheets import tasks
from tests.factories import auth_headers, make_hub, make_hub_operator
from tests.notifications.lifecycle import Told, watch
from tests.timesheets.conftest import (
    COPAYMENTS_URL,
    TIMESHEETS_URL,
    act,
    monday,
    start_engagement,
    submit,
    submitted,
    week,
)


async def test_staff_submit_a_week_and_the_household_is_asked_to_confirm(
    client, session, engagement, catalogue, citizen_a
):
    async with watch(session) as told:
        response = await submit(client, catalogue.headers("aurora"), engagement["id"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"].endswith(f"{TIMESHEETS_URL}/{body['id']}")
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert body["week"] == week(-1) and body["week_start"] == monday(-1).isoformat()
    assert body["hours"] == [3, 0, 3, 0, 2.5, 0, 0] and body["total_hours"] == 8.5
    assert body["status"] == "submitted" and body["flags"] == [] and body["hourly_price_cents"] == 1200
    assert body["cost_cents"] is None
    window = datetime.fromisoformat(body["auto_confirm_at"]) - datetime.fromisoformat(body["submitted_at"])
    assert window == timedelta(hours=72)
    await told.exactly(Told(citizen_a, "timesheet.submitted", subject_id=body["id"], language="it"), client=client)


async def test_a_second_timesheet_for_the_same_week_is_409(client, engagement, catalogue):
    await submitted(client, catalogue.headers("aurora"), engagement["id"])

    again = await submit(client, catalogue.headers("aurora"), engagement["id"], hours=[1, 0, 0, 0, 0, 0, 0])

    assert again.status_code == 409
    assert again.json()["code"] == "timesheet_exists"


async def test_another_provider_or_the_citizen_cannot_submit(client, engagement, catalogue, as_citizen_a):
    other = await submit(client, catalogue.headers("betulla"), engagement["id"])
    citizen = await submit(client, as_citizen_a, engagement["id"])
    unknown = await submit(client, catalogue.headers("aurora"), str(uuid.uuid4()))

    assert [r.status_code for r in (other, citizen, unknown)] == [404, 404, 404]
    assert {r.json()["code"] for r in (other, citizen, unknown)} == {"engagement_not_found"}


async def test_hours_on_days_not_yet_come_or_before_the_engagement_are_refused(client, engagement, catalogue):
    staff = catalogue.headers("aurora")

    future = await submit(client, staff, engagement["id"], week_name=week(1), hours=[1, 0, 0, 0, 0, 0, 0])
    before = await submit(client, staff, engagement["id"], week_name=week(-8), hours=[1, 0, 0, 0, 0, 0, 0])

    assert (future.status_code, future.json()["code"]) == (409, "hours_outside_engagement")
    assert "has not come yet" in future.json()["detail"]
    assert (before.status_code, before.json()["code"]) == (409, "hours_outside_engagement")
    assert "outside the engagement" in before.json()["detail"]


async def test_malformed_hours_and_weeks_are_422(client, engagement, catalogue):
    staff = catalogue.headers("aurora")

    too_long = await submit(client, staff, engagement["id"], hours=[25, 0, 0, 0, 0, 0, 0])
    not_quarter = await submit(client, staff, engagement["id"], hours=[1.1, 0, 0, 0, 0, 0, 0])
    six_days = await submit(client, staff, engagement["id"], hours=[1, 0, 0, 0, 0, 0])
    negative = await submit(client, staff, engagement["id"], hours=[-1, 0, 0, 0, 0, 0, 0])
    no_week_53 = await submit(client, staff, engagement["id"], week_name="2027-W53")

    for response in (too_long, not_quarter, six_days, negative, no_week_53):
        assert response.status_code == 422, response.text
    assert no_week_53.json()["code"] == "week_does_not_exist"


async def test_a_week_past_the_ccnl_limits_is_flagged_not_refused(client, session, as_citizen_a, catalogue):
    ccnl = await start_engagement(
        client,
        session,
        as_citizen_a,
        catalogue,
        "dalia",
        contract_type="ccnl_domestic",
        ccnl_level="B",
        weekly_hours=6,
        price_cents=1100,
    )

    long_day = await submitted(client, catalogue.headers("dalia"), ccnl["id"], hours=[9, 0, 0, 0, 0, 0, 0])
    long_week = await submitted(
        client, catalogue.headers("dalia"), ccnl["id"], week_name=week(-2), hours=[8, 8, 8, 8, 8, 2, 0]
    )
    within = await submitted(
        client, catalogue.headers("dalia"), ccnl["id"], week_name=week(-3), hours=[3, 0, 3, 0, 0, 0, 0]
    )

    assert long_day["flags"] == ["over_contract_weekly_hours", "over_ccnl_daily_limit"]
    assert long_week["flags"] == ["over_contract_weekly_hours", "over_ccnl_weekly_limit"]
    assert within["flags"] == []


async def test_a_monthly_engagement_has_no_timesheets(client, session, as_citizen_a, catalogue):
    monthly = await start_engagement(client, session, as_citizen_a, catalogue, price_model="monthly", price_cents=90000)

    response = await submit(client, catalogue.headers("aurora"), monthly["id"])

    assert (response.status_code, response.json()["code"]) == (409, "engagement_not_hourly")


async def test_staff_correct_a_submitted_week_with_if_match_and_the_window_restarts(
    client, session, engagement, catalogue, citizen_a
):
    staff = catalogue.headers("aurora")
    first = await submitted(client, staff, engagement["id"])
    url = f"{TIMESHEETS_URL}/{first['id']}"

    stale = await client.patch(url, json={"hours": [4, 0, 0, 0, 0, 0, 0]}, headers=staff | {"If-Match": '"99"'})
    async with watch(session) as told:
        fixed = await client.patch(
            url, json={"hours": [4, 0, 0, 0, 0, 0, 0]}, headers=staff | {"If-Match": f'"{first["version"]}"'}
        )
    by_citizen = await client.patch(url, json={"hours": [1, 0, 0, 0, 0, 0, 0]}, headers=auth_headers(citizen_a))

    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["hours"][0] == 4 and fixed.json()["version"] == first["version"] + 1
    assert fixed.json()["auto_confirm_at"] > first["auto_confirm_at"]
    assert (by_citizen.status_code, by_citizen.json()["code"]) == (403, "not_the_provider")
    await told.exactly(Told(citizen_a, "timesheet.updated", subject_id=first["id"]), client=client)


async def test_the_household_confirms_and_owes_the_rest_as_a_copayment(
    client, session, engagement, catalogue, citizen_a, as_citizen_a
):
    staff = catalogue.headers("aurora")
    sheet = await submitted(client, staff, engagement["id"])

    async with watch(session) as told:
        confirmed = await act(client, as_citizen_a, sheet["id"], "confirm", if_match=f'"{sheet["version"]}"')
    again = await act(client, as_citizen_a, sheet["id"], "confirm")
    edit = await client.patch(f"{TIMESHEETS_URL}/{sheet['id']}", json={"hours": [1] + [0] * 6}, headers=staff)

    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["status"] == "confirmed" and body["confirmation"] == "household"
    # 8.5 h x 12.00 EUR; no grant funds this engagement, so the household owes it all.
    assert (body["cost_cents"], body["public_cents"], body["copayment_cents"]) == (10200, 0, 10200)
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert (edit.status_code, edit.json()["code"]) == (409, "invalid_transition")
    staff_ids = [catalogue.staff["aurora"]]
    await told.exactly(*(Told(s, "timesheet.confirmed", subject_id=sheet["id"]) for s in staff_ids), client=client)
    owed = (await client.get(COPAYMENTS_URL, params={"status": "due"}, headers=as_citizen_a)).json()["items"]
    owed_to = (await client.get(COPAYMENTS_URL, params={"status": "due"}, headers=staff)).json()["items"]
    assert [c["amount_cents"] for c in owed] == [10200] and owed == owed_to
    assert owed[0]["timesheet_id"] == sheet["id"]
    audit = await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == uuid.UUID(sheet["id"])))
    assert list(audit) == ["timesheet.submitted", "timesheet.confirmed"]


async def test_another_household_or_the_provider_cannot_confirm(client, engagement, catalogue, as_citizen_b):
    sheet = await submitted(client, catalogue.headers("aurora"), engagement["id"])

    stranger = await act(client, as_citizen_b, sheet["id"], "confirm")
    read = await client.get(f"{TIMESHEETS_URL}/{sheet['id']}", headers=as_citizen_b)
    provider = await act(client, catalogue.headers("aurora"), sheet["id"], "confirm")
    other_provider = await act(client, catalogue.headers("betulla"), sheet["id"], "confirm")

    assert (stranger.status_code, stranger.json()["code"]) == (404, "timesheet_not_found")
    assert (read.status_code, read.json()["code"]) == (404, "timesheet_not_found")
    assert (provider.status_code, provider.json()["code"]) == (403, "not_the_household")
    assert (other_provider.status_code, other_provider.json()["code"]) == (404, "timesheet_not_found")


async def test_a_disputed_week_is_decided_by_an_operator_of_the_households_hub(
    client, session, engagement, catalogue, citizen_a, as_citizen_a, hub_operator
):
    staff = catalogue.headers("aurora")
    sheet = await submitted(client, staff, engagement["id"])
    elsewhere = await make_hub_operator(session, await make_hub(session, nil_codes=(76,)), email="op.76@example.org")

    async with watch(session) as told:
        disputed = await act(client, as_citizen_a, sheet["id"], "dispute", {"reason": "Thursday was cancelled."})
    await told.exactly(Told(catalogue.staff["aurora"], "timesheet.disputed", subject_id=sheet["id"]), client=client)
    queue = (await client.get(TIMESHEETS_URL, params={"status": "disputed"}, headers=auth_headers(hub_operator))).json()
    confirm = {"outcome": "confirm", "note": "x"}
    not_theirs = await act(client, auth_headers(elsewhere), sheet["id"], "decision", confirm)
    by_staff = await act(client, staff, sheet["id"], "decision", {"outcome": "confirm", "note": "Fine by us."})
    mismatch = await act(client, auth_headers(hub_operator), sheet["id"], "decision", {"outcome": "amend", "note": "x"})
    decided = await act(
        client,
        auth_headers(hub_operator),
        sheet["id"],
        "decision",
        {"outcome": "amend", "hours": [3, 0, 0, 0, 2.5, 0, 0], "note": "Thursday was cancelled: 5.5 h."},
    )

    assert disputed.status_code == 200 and disputed.json()["dispute_reason"] == "Thursday was cancelled."
    assert [t["id"] for t in queue["items"]] == [sheet["id"]]
    assert (not_theirs.status_code, not_theirs.json()["code"]) == (404, "timesheet_not_found")
    assert (by_staff.status_code, by_staff.json()["code"]) == (403, "not_a_decider")
    assert (mismatch.status_code, mismatch.json()["code"]) == (422, "decision_hours_mismatch")
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "confirmed" and body["confirmation"] == "decision" and body["total_hours"] == 5.5
    assert (body["cost_cents"], body["copayment_cents"]) == (6600, 6600)
    assert body["decision_note"] == "Thursday was cancelled: 5.5 h."


async def test_a_rejected_week_owes_nothing(client, session, engagement, catalogue, citizen_a, as_citizen_a, admin):
    sheet = await submitted(client, catalogue.headers("aurora"), engagement["id"])
    await act(client, as_citizen_a, sheet["id"], "dispute", {"reason": "Nobody came that week."})

    async with watch(session) as told:
        rejected = await act(client, auth_headers(admin), sheet["id"], "decision", {"outcome": "reject", "note": "No."})

    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["cost_cents"] is None
    assert await session.scalar(select(Copayment).where(Copayment.timesheet_id == uuid.UUID(sheet["id"]))) is None
    await told.exactly(
        Told(citizen_a, "timesheet.rejected", subject_id=sheet["id"]),
        Told(catalogue.staff["aurora"], "timesheet.rejected", subject_id=sheet["id"]),
        client=client,
    )


async def test_the_worker_confirms_a_silent_week_once(client, session, engagement, catalogue, citizen_a):
    sheet = await submitted(client, catalogue.headers("aurora"), engagement["id"])
    young = await submitted(client, catalogue.headers("aurora"), engagement["id"], week_name=week(-2))
    row = await session.get(Timesheet, uuid.UUID(sheet["id"]))
    assert row is not None
    row.auto_confirm_at = datetime.now(UTC) - timedelta(minutes=1)
    await session.flush()

    async with watch(session) as told:
        first = await tasks.auto_confirm(session)
        second = await tasks.auto_confirm(session)

    assert (first, second) == (1, 0)
    read = (await client.get(f"{TIMESHEETS_URL}/{sheet['id']}", headers=catalogue.headers("aurora"))).json()
    assert read["status"] == "confirmed" and read["confirmation"] == "automatic" and read["copayment_cents"] == 10200
    still = (await client.get(f"{TIMESHEETS_URL}/{young['id']}", headers=catalogue.headers("aurora"))).json()
    assert still["status"] == "submitted"
    await told.exactly(
        Told(citizen_a, "timesheet.confirmed", subject_id=sheet["id"]),
        Told(catalogue.staff["aurora"], "timesheet.confirmed", subject_id=sheet["id"]),
        client=client,
    )


async def test_the_provider_marks_a_copayment_received(client, engagement, catalogue, citizen_a, as_citizen_a):
    staff = catalogue.headers("aurora")
    sheet = await submitted(client, staff, engagement["id"])
    await act(client, as_citizen_a, sheet["id"], "confirm")
    [due] = (await client.get(COPAYMENTS_URL, headers=as_citizen_a)).json()["items"]
    url = f"{COPAYMENTS_URL}/{due['id']}/received"
    body = {"method": "bank_transfer", "reference": "TRN 0001"}

    by_citizen = await client.post(url, json=body, headers=as_citizen_a)
    by_other = await client.post(url, json=body, headers=catalogue.headers("betulla"))
    stale = await client.post(url, json=body, headers=staff | {"If-Match": '"42"'})
    received = await client.post(url, json=body, headers=staff | {"If-Match": f'"{due["version"]}"'})
    twice = await client.post(url, json=body, headers=staff)
    bad_method = await client.post(url, json={"method": "cash"}, headers=staff)

    assert (by_citizen.status_code, by_citizen.json()["code"]) == (404, "copayment_not_found")
    assert (by_other.status_code, by_other.json()["code"]) == (404, "copayment_not_found")
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    assert received.status_code == 200, received.text
    assert received.json()["status"] == "received" and received.json()["method"] == "bank_transfer"
    assert (twice.status_code, twice.json()["code"]) == (409, "invalid_transition")
    assert (bad_method.status_code, bad_method.json()["code"]) == (422, "validation_error")
    outstanding = await client.get(COPAYMENTS_URL, params={"status": "due"}, headers=as_citizen_a)
    assert outstanding.json()["items"] == []
    settled = await client.get(COPAYMENTS_URL, params={"status": "received"}, headers=staff)
    assert [c["id"] for c in settled.json()["items"]] == [due["id"]]


async def test_a_week_is_billed_at_the_households_income_based_price(
    client, session, engagement, catalogue, as_citizen_a
):
    row = await session.get(Engagement, uuid.UUID(engagement["id"]))
    assert row is not None
    row.household_price_cents, row.isee_band = 800, {"isee_max_cents": 1_500_000, "price_cents": 800}
    await session.flush()

    sheet = await submitted(client, catalogue.headers("aurora"), engagement["id"])
    confirmed = await act(client, as_citizen_a, sheet["id"], "confirm")

    assert sheet["hourly_price_cents"] == 800
    assert confirmed.json()["cost_cents"] == 6800  # 8.5 h x 8.00 EUR, not the list price of 12.00
