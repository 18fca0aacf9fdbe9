"""Issue 13's "Done when" journey, over HTTP: a household's ISEE declared and verified, a grant from an
open programme, its price by income in search, an accepted offer, two weekly timesheets confirmed (one
by the household, one by the worker's sweep after the window), the co-payments marked received, and the
month's statement reconciled with the ledger.

Two steps touch the database directly because they stand for time passing, which HTTP cannot do: the
engagement is moved to have started weeks ago (requests may only start in the future, timesheets record
past days), and the second week's confirmation window is moved into the past before the sweep.

The journey accepts without funding (the household may); the funded path, a hold placed with the
acceptance and each confirmed week capturing its share from it, is the test after it."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import money
from app.models import AccountKind, Engagement, MoneyAccount, Timesheet
from app.statements.service import MILAN
from app.worker import sweep
from tests.demand.conftest import catalogue as catalogue  # the fixture catalogue: aurora's hourly listing
from tests.factories import auth_headers, make_hub, make_hub_operator
from tests.income.conftest import DECLARATIONS, MY_ISEE, declaration
from tests.programmes.conftest import GRANTS_URL, apply, opened
from tests.spending.helpers import accept, as_funding, proposal
from tests.spending.helpers import offer as spending_offer
from tests.timesheets.conftest import (
    COPAYMENTS_URL,
    LAST_WEEK_HOURS,
    act,
    monday,
    start_engagement,
    submitted,
    week,
)

BANDS = [
    {"isee_max_cents": 750_000, "kind": "free"},
    {"isee_max_cents": 1_500_000, "kind": "price", "value": 900},  # 9.00 EUR/h instead of 12.00
]
SECOND_WEEK_HOURS = [2, 2, 0, 0, 0, 0, 0]  # 4 h


async def _granted_household(client, session, as_citizen_a, as_admin) -> tuple[dict, dict]:
    """ISEE declared by the household, verified by an operator of its hub; a grant from an open programme."""
    operator = await make_hub_operator(
        session, await make_hub(session, nil_codes=(22,)), email="olga.journey@example.org"
    )
    declared = await client.post(MY_ISEE, json=declaration(value_cents=1_200_000), headers=as_citizen_a)
    assert declared.status_code == 201, declared.text
    verified = await client.post(
        f"{DECLARATIONS}/{declared.json()['id']}/verification",
        json={"evidence_ref": "Attestazione INPS vista allo Spazio WeMi"},
        headers=auth_headers(operator),
    )
    assert verified.status_code == 200, verified.text
    mine = (await client.get(MY_ISEE, headers=as_citizen_a)).json()
    assert mine["in_force"]["id"] == declared.json()["id"]

    programme = await opened(
        client,
        as_admin,
        isee_max_cents=2_000_000,
        amount_rule={"kind": "percentage", "coverage_percent": 70, "cap_per_grant_cents": 50_000},
    )
    applied = await apply(client, as_citizen_a, programme["id"])
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "granted", applied.json()
    checks = {c["rule"]: c["outcome"] for c in applied.json()["checks"]}
    assert checks["isee_ceiling"] == "pass"
    grant = await client.get(f"{GRANTS_URL}/{applied.json()['grant']['id']}", headers=as_citizen_a)
    assert grant.status_code == 200 and grant.json()["amount_cents"] == 50_000
    return programme, grant.json()


async def _band_aurora(client, catalogue) -> str:
    """Aurora's staff give its listing income-based prices, over HTTP (If-Match from the listing)."""
    service_id = catalogue.service_id("aurora_full")
    listing = await client.get(f"/v1/services/{service_id}", headers=catalogue.headers("aurora"))
    patched = await client.patch(
        f"/v1/services/{service_id}",
        json={"isee_bands": BANDS},
        headers=catalogue.headers("aurora") | {"If-Match": listing.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    return service_id


async def test_the_money_journey_of_issue_13(client, session, catalogue, citizen_a, as_citizen_a, as_admin):
    programme, grant = await _granted_household(client, session, as_citizen_a, as_admin)
    service_id = await _band_aurora(client, catalogue)
    aurora = catalogue.provider_id("aurora")
    staff = catalogue.headers("aurora")

    # Search shows the household its price next to the list price.
    search = await client.get("/v1/services", params={"provider_id": aurora}, headers=as_citizen_a)
    [found] = [s for s in search.json()["items"] if s["id"] == service_id]
    assert (found["price_cents"], found["your_price"]["price_cents"]) == (1200, 900)
    assert found["your_price"]["band_index"] == 1

    # The offer is accepted and its band recorded on the engagement.
    engagement = await start_engagement(client, session, as_citizen_a, catalogue, service_id=service_id)
    assert engagement["household_price"]["price_cents"] == 900

    # Week one confirmed by the household; week two left alone and confirmed by the worker's sweep.
    first = await submitted(client, staff, engagement["id"])
    second = await submitted(client, staff, engagement["id"], week_name=week(-2), hours=SECOND_WEEK_HOURS)
    confirmed = await act(client, as_citizen_a, first["id"], "confirm", if_match=f'"{first["version"]}"')
    assert confirmed.status_code == 200, confirmed.text
    silent = await session.get(Timesheet, uuid.UUID(second["id"]))
    assert silent is not None
    silent.auto_confirm_at = datetime.now(UTC) - timedelta(minutes=1)  # the 72 h window has passed
    await session.flush()
    swept = await sweep(session)
    assert swept["timesheets_auto_confirmed"] == 1
    auto = (await client.get(f"/v1/timesheets/{second['id']}", headers=as_citizen_a)).json()
    assert (auto["status"], auto["confirmation"]) == ("confirmed", "automatic")
    first_cost, second_cost = int(sum(LAST_WEEK_HOURS) * 900), int(sum(SECOND_WEEK_HOURS) * 900)
    assert (confirmed.json()["cost_cents"], auto["cost_cents"]) == (first_cost, second_cost)
    # Without spending's funding lines nothing is captured: the household owes each week in full.
    assert (confirmed.json()["public_cents"], auto["public_cents"]) == (0, 0)

    # The provider marks both co-payments received; nothing is outstanding on either side.
    due = (await client.get(COPAYMENTS_URL, params={"status": "due"}, headers=staff)).json()["items"]
    assert sorted(c["amount_cents"] for c in due) == sorted([first_cost, second_cost])
    for copayment in due:
        received = await client.post(
            f"{COPAYMENTS_URL}/{copayment['id']}/received",
            json={"method": "bank_transfer", "reference": f"TRN {copayment['id'][:8]}"},
            headers=staff | {"If-Match": f'"{copayment["version"]}"'},
        )
        assert received.status_code == 200, received.text
    assert (await client.get(COPAYMENTS_URL, params={"status": "due"}, headers=as_citizen_a)).json()["items"] == []

    # The month's statement shows the co-payments received and reconciles with the ledger.
    month = datetime.now(MILAN).strftime("%Y-%m")
    statement = await client.get(f"/v1/providers/{aurora}/statements/{month}", headers=staff)
    assert statement.status_code == 200, statement.text
    body = statement.json()
    assert (body["copayments_due_cents"], body["copayments_received_cents"]) == (first_cost + second_cost,) * 2
    assert body["copayments_outstanding_cents"] == 0
    receivables = await session.scalars(
        select(MoneyAccount.id).where(
            MoneyAccount.kind == AccountKind.provider_receivable, MoneyAccount.provider_id == uuid.UUID(aurora)
        )
    )
    ledger_total = sum([(await money.balance(session, r)).posted_cents for r in receivables])
    assert body["public_total_cents"] == ledger_total
    spend = await client.get(f"/v1/programmes/{programme['id']}/spend", headers=as_admin)
    assert spend.status_code == 200, spend.text
    wallet = await money.balance(session, uuid.UUID(grant["wallet_account_id"]))
    assert spend.json()["granted_cents"] == 50_000
    assert spend.json()["remaining_in_wallets_cents"] == wallet.available_cents


async def test_a_funded_acceptance_holds_the_voucher_and_each_confirmed_week_captures_its_share_once(
    client, session, catalogue, as_citizen_a, as_admin
):
    _, grant = await _granted_household(client, session, as_citizen_a, as_admin)  # 70 % of cost, 500 EUR
    wallet_id = uuid.UUID(grant["wallet_account_id"])
    made = await spending_offer(client, as_citizen_a, catalogue)  # aurora, 12 EUR/h, 24 h planned: 288 EUR
    proposed = await proposal(client, as_citizen_a, made["id"])
    accepted = await accept(client, as_citizen_a, made["id"], as_funding(proposed["lines"]))
    assert accepted.status_code == 200, accepted.text
    held = sum(line["amount_cents"] for line in proposed["lines"])
    assert held == 288_00 * 70 // 100
    assert (await money.balance(session, wallet_id)).pending_cents == held
    engagement = await session.get(Engagement, uuid.UUID(accepted.json()["id"]))
    assert engagement is not None
    engagement.start_date = monday(-5)  # requests start in the future; timesheets record past days
    await session.flush()
    sheet = await submitted(client, catalogue.headers("aurora"), str(engagement.id))

    confirmed = await act(client, as_citizen_a, sheet["id"], "confirm", if_match=f'"{sheet["version"]}"')
    again = await act(client, as_citizen_a, sheet["id"], "confirm", if_match=f'"{confirmed.json()["version"]}"')

    assert confirmed.status_code == 200, confirmed.text
    week_cost = 102_00  # 8.5 h at 12.00 EUR
    assert confirmed.json()["cost_cents"] == week_cost
    assert confirmed.json()["public_cents"] == week_cost * 70 // 100
    assert confirmed.json()["copayment_cents"] == week_cost - week_cost * 70 // 100
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")  # confirmed once: captured once
    balance = await money.balance(session, wallet_id)
    assert balance.pending_cents == held - week_cost * 70 // 100  # the rest stays held for the weeks to come
    assert balance.posted_cents == 50_000 - week_cost * 70 // 100
    funding = await client.get(f"/v1/engagements/{engagement.id}/funding", headers=as_citizen_a)
    assert funding.status_code == 200, funding.text
    assert funding.json()["lines"][0]["captured_cents"] == week_cost * 70 // 100
    assert funding.json()["lines"][0]["held_cents"] == held - week_cost * 70 // 100
