"""Programmes over HTTP: admins write, staff read everything, everyone else open ones; the state
machine with If-Match; opening funds the budget in the ledger."""

import uuid

from app import money
from app.models import AccountKind
from tests.programmes.conftest import PROGRAMMES_URL, create_programme, open_programme, programme_body


def if_match(programme: dict) -> dict[str, str]:
    return {"If-Match": f'"{programme["version"]}"'}


async def test_admin_drafts_a_programme_with_its_terms(client, as_admin):
    response = await client.post(PROGRAMMES_URL, json=programme_body(), headers=as_admin)

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{PROGRAMMES_URL}/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["status"] == "draft"
    assert body["amount_rule"] == {"kind": "fixed", "amount_cents": 100_000}
    assert (body["coverage_percent"], body["cap_per_grant_cents"], body["grants"]) == (100, None, 0)
    assert body["grant_period"] == "programme" and body["residence_nil_ids"] == []


async def test_percentage_rule_sets_coverage_and_caps_that_spending_reads(client, as_admin):
    rule = {"kind": "percentage", "coverage_percent": 70, "cap_per_hour_cents": 1000, "cap_per_grant_cents": 150_000}

    body = await create_programme(client, as_admin, amount_rule=rule)

    assert (body["coverage_percent"], body["cap_per_hour_cents"], body["cap_per_grant_cents"]) == (70, 1000, 150_000)


async def test_citizen_may_not_create_a_programme(client, as_citizen_a):
    response = await client.post(PROGRAMMES_URL, json=programme_body(), headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_bands_out_of_order_are_refused(client, as_admin):
    rule = {
        "kind": "isee_bands",
        "bands": [
            {"isee_max_cents": 2_000_000, "amount_cents": 50_000},
            {"isee_max_cents": 1_000_000, "amount_cents": 90_000},
        ],
    }

    response = await client.post(PROGRAMMES_URL, json=programme_body(amount_rule=rule), headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_a_grant_larger_than_the_budget_is_refused(client, as_admin):
    response = await client.post(
        PROGRAMMES_URL,
        json=programme_body(budget_cents=50_000, amount_rule={"kind": "fixed", "amount_cents": 60_000}),
        headers=as_admin,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/amount_rule"


async def test_an_area_is_not_a_category_a_programme_pays_for(client, as_admin):
    from app.seed.reference import category_id

    body = programme_body(category_ids=[str(category_id("lavoro-domestico"))])

    response = await client.post(PROGRAMMES_URL, json=body, headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/category_ids/0"


async def test_drafts_are_hidden_from_citizens_and_anonymous_but_not_from_operators(
    client, as_admin, as_citizen_a, as_operator
):
    draft = await create_programme(client, as_admin)

    for headers in (as_citizen_a, {}):
        assert (await client.get(f"{PROGRAMMES_URL}/{draft['id']}", headers=headers)).json()["code"] == (
            "programme_not_found"
        )
        listed = await client.get(PROGRAMMES_URL, headers=headers)
        assert draft["id"] not in [p["id"] for p in listed.json()["items"]]
    assert (await client.get(f"{PROGRAMMES_URL}/{draft['id']}", headers=as_operator)).status_code == 200
    listed = await client.get(PROGRAMMES_URL, params={"status": "draft"}, headers=as_operator)
    assert [p["id"] for p in listed.json()["items"]] == [draft["id"]]


async def test_opening_funds_the_budget_from_the_funder_once(client, session, as_admin, as_citizen_a):
    funder = f"Fondazione {uuid.uuid4().hex[:8]}"  # the race test commits ledger rows for the Comune's account
    draft = await create_programme(client, as_admin, budget_cents=2_500_000, funder=funder, funder_kind="foundation")

    opened = await open_programme(client, as_admin, draft)
    again = await client.post(f"{PROGRAMMES_URL}/{draft['id']}/open", headers={**as_admin, **if_match(opened)})

    assert opened["status"] == "open" and opened["opened_at"] is not None
    budget = await money.account(session, AccountKind.programme_budget, programme_id=uuid.UUID(draft["id"]))
    funder_account = await money.account(session, AccountKind.funder, funder=funder)
    assert (await money.balance(session, budget)).available_cents == 2_500_000
    assert (await money.balance(session, funder_account)).posted_cents == -2_500_000
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["current_state"]) == ("invalid_transition", "open")
    public = await client.get(f"{PROGRAMMES_URL}/{draft['id']}", headers=as_citizen_a)
    assert public.status_code == 200


async def test_a_stale_etag_changes_nothing(client, as_admin):
    draft = await create_programme(client, as_admin)
    changed = await client.patch(
        f"{PROGRAMMES_URL}/{draft['id']}", json={"name_en": "Nanny voucher"}, headers={**as_admin, **if_match(draft)}
    )

    stale = await client.patch(
        f"{PROGRAMMES_URL}/{draft['id']}", json={"name_en": "Other"}, headers={**as_admin, **if_match(draft)}
    )
    stale_open = await client.post(f"{PROGRAMMES_URL}/{draft['id']}/open", headers={**as_admin, **if_match(draft)})

    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    assert stale_open.status_code == 412 and stale_open.json()["code"] == "precondition_failed"
    current = await client.get(f"{PROGRAMMES_URL}/{draft['id']}", headers=as_admin)
    assert (current.json()["name_en"], current.json()["status"]) == ("Nanny voucher", "draft")


async def test_terms_are_locked_once_open_but_names_still_change(client, as_admin, programme):
    budget = await client.patch(
        f"{PROGRAMMES_URL}/{programme['id']}", json={"budget_cents": 1}, headers={**as_admin, **if_match(programme)}
    )
    named = await client.patch(
        f"{PROGRAMMES_URL}/{programme['id']}",
        json={"description_en": "A voucher for babysitting."},
        headers={**as_admin, **if_match(programme)},
    )

    assert budget.status_code == 409
    assert budget.json()["code"] == "programme_terms_locked"
    assert "budget_cents" in budget.json()["detail"]
    assert named.status_code == 200 and named.json()["description_en"] == "A voucher for babysitting."


async def test_walk_draft_open_closed_archived_and_no_way_back(client, as_admin, programme):
    closed = await client.post(f"{PROGRAMMES_URL}/{programme['id']}/close", headers={**as_admin, **if_match(programme)})
    archived = await client.post(
        f"{PROGRAMMES_URL}/{programme['id']}/archive", headers={**as_admin, **if_match(closed.json())}
    )
    reopened = await client.post(
        f"{PROGRAMMES_URL}/{programme['id']}/open", headers={**as_admin, **if_match(archived.json())}
    )
    renamed = await client.patch(
        f"{PROGRAMMES_URL}/{programme['id']}",
        json={"name_en": "Late"},
        headers={**as_admin, **if_match(archived.json())},
    )

    assert (closed.json()["status"], archived.json()["status"]) == ("closed", "archived")
    assert reopened.status_code == 409 and reopened.json()["current_state"] == "archived"
    assert renamed.status_code == 409 and renamed.json()["code"] == "invalid_transition"


async def test_a_draft_cannot_be_closed(client, as_admin):
    draft = await create_programme(client, as_admin)

    response = await client.post(f"{PROGRAMMES_URL}/{draft['id']}/close", headers={**as_admin, **if_match(draft)})

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["current_state"]) == ("invalid_transition", "draft")


async def test_a_programme_whose_window_ended_cannot_open(client, as_admin):
    draft = await create_programme(client, as_admin, valid_from="2025-01-01", valid_until="2025-12-31")

    response = await client.post(f"{PROGRAMMES_URL}/{draft['id']}/open", headers={**as_admin, **if_match(draft)})

    assert response.status_code == 409
    assert response.json()["code"] == "programme_window_over"


async def test_operator_may_not_change_a_programme(client, as_admin, as_operator):
    draft = await create_programme(client, as_admin)

    response = await client.post(f"{PROGRAMMES_URL}/{draft['id']}/open", headers=as_operator)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
