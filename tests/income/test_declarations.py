"""/v1/me/isee and /v1/isee-declarations: a household declares its ISEE, city staff of its NIL's
hubs (or admins) verify or reject it; validity to 31 December (six months for corrente); who sees it."""

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from app.income.service import verified_isee
from app.models import IseeDeclaration, IseeStatus, OutboxEvent, Role
from tests.factories import auth_headers, make_user
from tests.income.conftest import (
    DECLARATIONS,
    MY_ISEE,
    NIL_1,
    declaration,
    declare,
    notifications_of,
    staff_reads,
    verify,
)

# --- declaring -------------------------------------------------------------------------------------


async def test_a_citizen_declares_their_isee_and_it_waits_for_verification(client, session, citizen_a, as_citizen_a):
    response = await client.post(
        MY_ISEE, json=declaration(dsu_protocol=" inps-isee-2026-12345a789-00 "), headers=as_citizen_a
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{DECLARATIONS}/{body['id']}"
    assert (body["status"], body["in_force"], body["value_cents"]) == ("pending", False, 1_450_000)
    assert body["dsu_protocol"] == "INPS-ISEE-2026-12345A789-00"
    assert body["valid_until"] == "2026-12-31"  # DL 101/2019: to 31 December of the filing year
    assert await verified_isee(session, citizen_a.id, on=date(2026, 12, 3)) is None
    mine = (await client.get(MY_ISEE, headers=as_citizen_a)).json()
    assert (mine["in_force"], mine["latest"]["id"]) == (None, body["id"])


async def test_an_isee_corrente_counts_for_six_months_from_filing(client, as_citizen_a):
    body = await declare(
        client, as_citizen_a, variant="corrente", issue_date="2026-08-31", dsu_protocol="INPS-ISEE-2026-ABCDEFGHI-01"
    )

    assert body["valid_until"] == "2027-02-27"  # 31 Aug + 6 months = 28 Feb (clamped), the day before


@pytest.mark.parametrize(
    ("overrides", "code", "pointer"),
    [
        ({"dsu_protocol": "INPS-ISEE-2025-12345A789-00"}, "isee_protocol_mismatch", "/dsu_protocol"),
        ({"issue_date": "2025-06-01", "dsu_protocol": "INPS-ISEE-2025-12345A789-00"}, "isee_expired", "/issue_date"),
        ({"variant": "corrente", "issue_date": "2026-05-01"}, "isee_expired", "/issue_date"),
        ({"issue_date": "2026-12-04"}, "validation_error", "/issue_date"),
        ({"nil_id": "00000000-0000-0000-0000-000000000000"}, "isee_nil_required", "/nil_id"),
        ({"dsu_protocol": "ISEE-2026-12345"}, "validation_error", "/dsu_protocol"),
        ({"value_cents": -1}, "validation_error", "/value_cents"),
        ({"variant": "lussuoso"}, "validation_error", "/variant"),
    ],
)
async def test_a_declaration_that_cannot_be_true_is_refused_with_a_pointer(
    client, as_citizen_a, overrides, code, pointer
):
    response = await client.post(MY_ISEE, json=declaration(**overrides), headers=as_citizen_a)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


async def test_a_municipio_is_not_a_household_nil(client, as_citizen_a):
    from app.models import ZoneKind
    from app.seed.reference import zone_id

    response = await client.post(
        MY_ISEE, json=declaration(nil_id=str(zone_id(ZoneKind.municipio, 3))), headers=as_citizen_a
    )

    assert response.status_code == 422
    assert response.json()["code"] == "isee_nil_required"


async def test_only_citizens_declare(client, as_admin, as_operator):
    for headers in (as_admin, as_operator):
        response = await client.post(MY_ISEE, json=declaration(), headers=headers)

        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


async def test_a_new_declaration_supersedes_the_pending_one(client, session, as_citizen_a):
    first = await declare(client, as_citizen_a)

    second = await declare(client, as_citizen_a, value_cents=900_000)

    old = await session.get(IseeDeclaration, uuid.UUID(first["id"]))
    await session.refresh(old)
    assert old.status == IseeStatus.superseded and old.superseded_at is not None
    assert (await client.get(MY_ISEE, headers=as_citizen_a)).json()["latest"]["id"] == second["id"]


# --- verifying and rejecting ------------------------------------------------------------------------


async def test_the_operator_of_the_households_nil_verifies_it_and_the_household_is_told(
    client, session, citizen_a, as_citizen_a, operator, as_operator
):
    declared = await declare(client, as_citizen_a)

    body = await verify(client, declared["id"], as_operator)

    assert (body["status"], body["in_force"], body["verifier_name"]) == ("verified", True, "Spazio WeMi")
    assert body["evidence_ref"] == "Attestazione INPS vista allo Spazio WeMi"
    value = await verified_isee(session, citizen_a.id, on=date(2026, 12, 3))
    assert (value.value_cents, value.valid_until, str(value.declaration_id)) == (
        1_450_000,
        date(2026, 12, 31),
        declared["id"],
    )
    assert ("isee.verified", {}) in await notifications_of(session, citizen_a.id)
    mine = (await client.get(MY_ISEE, headers=as_citizen_a)).json()
    assert mine["in_force"]["id"] == declared["id"]
    events = await session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == uuid.UUID(declared["id"])))
    payloads = [event.payload for event in events]
    assert payloads and all("value_cents" not in p for p in payloads)  # the value never leaves through events


async def test_a_verified_isee_counts_until_31_december_and_not_a_day_more(
    client, session, citizen_a, as_citizen_a, as_admin
):
    declared = await declare(client, as_citizen_a)
    await verify(client, declared["id"], as_admin)

    assert (await verified_isee(session, citizen_a.id, on=date(2026, 12, 31))) is not None
    assert (await verified_isee(session, citizen_a.id, on=date(2027, 1, 1))) is None
    assert (await verified_isee(session, citizen_a.id, on=date(2026, 2, 9))) is None  # before it was filed


async def test_after_31_december_the_household_reads_no_isee_in_force(client, as_citizen_a, as_admin, monkeypatch):
    declared = await declare(client, as_citizen_a)
    await verify(client, declared["id"], as_admin)

    monkeypatch.setattr("app.income.rules.today", lambda: date(2027, 1, 1))
    mine = (await client.get(MY_ISEE, headers=as_citizen_a)).json()

    assert mine["in_force"] is None
    assert (mine["latest"]["id"], mine["latest"]["status"], mine["latest"]["in_force"]) == (
        declared["id"],
        "verified",
        False,
    )


async def test_verifying_a_new_declaration_supersedes_the_verified_one(
    client, session, citizen_a, as_citizen_a, as_admin
):
    first = await declare(client, as_citizen_a)
    await verify(client, first["id"], as_admin)
    second = await declare(client, as_citizen_a, value_cents=2_000_000)

    still = await verified_isee(session, citizen_a.id, on=date(2026, 12, 3))
    await verify(client, second["id"], as_admin)

    assert str(still.declaration_id) == first["id"]  # the verified one counts until the new one is verified
    now = await verified_isee(session, citizen_a.id, on=date(2026, 12, 3))
    assert (str(now.declaration_id), now.value_cents) == (second["id"], 2_000_000)
    old = (await client.get(f"{DECLARATIONS}/{first['id']}", headers=as_citizen_a)).json()
    assert old["status"] == "superseded"


async def test_rejecting_tells_the_household_why_and_keeps_the_verified_one(
    client, session, citizen_a, as_citizen_a, as_operator
):
    first = await declare(client, as_citizen_a)
    await verify(client, first["id"], as_operator)
    second = await declare(client, as_citizen_a, value_cents=100)

    response = await client.post(
        f"{DECLARATIONS}/{second['id']}/rejection",
        json={"reason": "L'attestazione riporta un altro valore"},
        headers=as_operator,
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == (
        "rejected",
        "L'attestazione riporta un altro valore",
    )
    assert ("isee.rejected", {"reason": "L'attestazione riporta un altro valore"}) in await notifications_of(
        session, citizen_a.id
    )
    assert str((await verified_isee(session, citizen_a.id, on=date(2026, 12, 3))).declaration_id) == first["id"]


async def test_a_decided_declaration_cannot_be_decided_again(client, as_citizen_a, as_admin):
    declared = await declare(client, as_citizen_a)
    await verify(client, declared["id"], as_admin)

    again = await client.post(
        f"{DECLARATIONS}/{declared['id']}/rejection", json={"reason": "ripensamento"}, headers=as_admin
    )

    assert again.status_code == 409
    assert (again.json()["code"], again.json()["current_state"]) == ("invalid_transition", "verified")


async def test_a_stale_if_match_is_refused(client, as_citizen_a, as_admin):
    declared = await declare(client, as_citizen_a)

    response = await client.post(
        f"{DECLARATIONS}/{declared['id']}/verification",
        json={"evidence_ref": "vista"},
        headers={**as_admin, "If-Match": f'"{declared["version"] + 1}"'},
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"


@pytest.mark.parametrize("action", ["verification", "rejection"])
async def test_citizens_cannot_verify_or_reject(client, as_citizen_a, as_citizen_b, action):
    declared = await declare(client, as_citizen_a)
    body = {"evidence_ref": "io"} if action == "verification" else {"reason": "non mi piace"}

    for headers in (as_citizen_a, as_citizen_b):
        response = await client.post(f"{DECLARATIONS}/{declared['id']}/{action}", json=body, headers=headers)

        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


async def test_an_operator_of_another_nil_can_neither_see_nor_verify_it(client, as_citizen_a, as_other_operator):
    declared = await declare(client, as_citizen_a)

    read = await client.get(f"{DECLARATIONS}/{declared['id']}", headers=as_other_operator)
    verified = await client.post(
        f"{DECLARATIONS}/{declared['id']}/verification", json={"evidence_ref": "vista"}, headers=as_other_operator
    )
    queue = await client.get(DECLARATIONS, params={"status": "pending"}, headers=as_other_operator)

    assert (read.status_code, read.json()["code"]) == (404, "isee_declaration_not_found")
    assert (verified.status_code, verified.json()["code"]) == (404, "isee_declaration_not_found")
    assert queue.json()["items"] == []


# --- who sees it -----------------------------------------------------------------------------------


async def test_another_citizen_gets_404(client, session, as_citizen_a, as_citizen_b):
    declared = await declare(client, as_citizen_a)

    response = await client.get(f"{DECLARATIONS}/{declared['id']}", headers=as_citizen_b)

    assert (response.status_code, response.json()["code"]) == (404, "isee_declaration_not_found")
    assert (await client.get(MY_ISEE, headers=as_citizen_b)).json() == {"in_force": None, "latest": None}


async def test_the_household_reads_its_own_without_a_staff_audit_entry(client, session, as_citizen_a):
    declared = await declare(client, as_citizen_a)

    response = await client.get(f"{DECLARATIONS}/{declared['id']}", headers=as_citizen_a)

    assert response.status_code == 200
    assert await staff_reads(session, declared["id"]) == []


async def test_every_staff_read_is_audited(client, session, as_citizen_a, operator, as_operator, admin, as_admin):
    declared = await declare(client, as_citizen_a)

    one = await client.get(f"{DECLARATIONS}/{declared['id']}", headers=as_operator)
    by_admin = await client.get(f"{DECLARATIONS}/{declared['id']}", headers=as_admin)
    queue = await client.get(DECLARATIONS, params={"status": "pending"}, headers=as_operator)

    assert (one.status_code, by_admin.status_code) == (200, 200)
    assert [item["id"] for item in queue.json()["items"]] == [declared["id"]]
    assert sorted(map(str, await staff_reads(session, declared["id"]))) == sorted(
        map(str, [operator.id, admin.id, operator.id])
    )


async def test_the_queue_holds_pending_declarations_of_the_operators_nils_oldest_first(
    client, session, as_citizen_a, as_citizen_b, as_operator, as_admin
):
    first = await declare(client, as_citizen_a)
    second = await declare(client, as_citizen_b)
    elsewhere = await make_user(session, role=Role.citizen)
    far = await declare(client, auth_headers(elsewhere), nil_id=str(NIL_1))
    await verify(client, second["id"], as_admin)

    operators = await client.get(DECLARATIONS, params={"status": "pending"}, headers=as_operator)
    admins = await client.get(DECLARATIONS, params={"status": "pending"}, headers=as_admin)

    assert [item["id"] for item in operators.json()["items"]] == [first["id"]]
    assert [item["id"] for item in admins.json()["items"]] == [first["id"], far["id"]]
    assert operators.json()["items"][0]["household_name"] == "Anna Citizen"


async def test_the_queue_is_for_staff(client, as_citizen_a):
    response = await client.get(DECLARATIONS, headers=as_citizen_a)

    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
