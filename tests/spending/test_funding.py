"""Funding what a household accepts, over HTTP: the proposal, holds placed with the acceptance, the
engagement's funding as each party sees it, release on cancellation and expiry by the worker."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from app import money, worker
from app.models import Engagement, FundingLine, IseeStatus, MoneyHold
from app.spending import service as spending
from tests.demand.conftest import invite, post_operator_mode_request
from tests.demand.offer_helpers import SERVICE_OF, invited_request, make_offer, offer_action
from tests.income.conftest import make_isee_declaration
from tests.spending.helpers import FOUR_WEEKS, PLANNED_CENTS, accept, as_funding, offer, proposal, wallet


async def available(session, wallet_id: str) -> int:
    return (await money.balance(session, uuid.UUID(wallet_id))).available_cents


async def test_a_seventy_percent_voucher_is_proposed_with_a_thirty_percent_co_payment(
    client, as_admin, as_citizen_a, catalogue
):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)

    body = await proposal(client, as_citizen_a, made["id"])

    assert body["planned_minutes"] == 24 * 60 and body["planned_cost_cents"] == PLANNED_CENTS
    [line] = body["lines"]
    assert line["wallet_id"] == grant["wallet_account_id"]
    assert (line["amount_cents"], line["rule"], line["share_per_hour_cents"]) == (20_160, "coverage", 840)
    assert "70% of the planned cost 288.00 EUR" in line["why"]
    assert (body["public_cents"], body["copayment_cents"]) == (20_160, 8_640)


async def test_accepting_with_the_proposal_holds_it_with_the_engagement(
    client, session, as_admin, as_citizen_a, catalogue
):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)
    lines = (await proposal(client, as_citizen_a, made["id"]))["lines"]

    response = await accept(client, as_citizen_a, made["id"], as_funding(lines))

    assert response.status_code == 200, response.text
    engagement = response.json()
    funding = (await client.get(f"/v1/engagements/{engagement['id']}/funding", headers=as_citizen_a)).json()
    assert (funding["held_cents"], funding["captured_cents"], funding["released_cents"]) == (20_160, 0, 0)
    assert funding["lines"][0]["wallet_id"] == grant["wallet_account_id"]
    assert await available(session, grant["wallet_account_id"]) == 100_000 - 20_160


async def test_the_cap_per_hour_bounds_the_line(client, as_admin, as_citizen_a, catalogue):
    await wallet(client, as_admin, as_citizen_a, coverage=100, cap_per_hour_cents=800)
    made = await offer(client, as_citizen_a, catalogue)

    [line] = (await proposal(client, as_citizen_a, made["id"]))["lines"]

    assert (line["amount_cents"], line["rule"], line["share_per_hour_cents"]) == (24 * 800, "cap_per_hour", 800)


async def test_the_grants_limit_then_what_other_holds_left_bound_the_line(client, as_admin, as_citizen_a, catalogue):
    await wallet(client, as_admin, as_citizen_a, coverage=100, amount=30_000)
    first, second = await offer(client, as_citizen_a, catalogue), await offer(client, as_citizen_a, catalogue)
    [line] = (await proposal(client, as_citizen_a, first["id"]))["lines"]
    assert (line["amount_cents"], line["rule"]) == (PLANNED_CENTS, "coverage")
    assert (await accept(client, as_citizen_a, first["id"], as_funding([line]))).status_code == 200

    body = await proposal(client, as_citizen_a, second["id"])

    assert [(line["amount_cents"], line["rule"]) for line in body["lines"]] == [(30_000 - PLANNED_CENTS, "available")]
    assert body["lines"][0]["why"] == "the wallet has 12.00 EUR available."
    assert body["copayment_cents"] == PLANNED_CENTS - 1_200


async def test_a_small_grant_is_spent_up_to_its_limit(client, as_admin, as_citizen_a, catalogue):
    await wallet(client, as_admin, as_citizen_a, coverage=100, amount=10_000)
    made = await offer(client, as_citizen_a, catalogue)

    [line] = (await proposal(client, as_citizen_a, made["id"]))["lines"]

    assert (line["amount_cents"], line["rule"]) == (10_000, "cap_per_grant")


async def test_two_wallets_earliest_expiry_first_the_second_pays_what_is_left(
    client, as_admin, as_citizen_a, catalogue
):
    late = await wallet(client, as_admin, as_citizen_a, coverage=50, validity_days=300, name="Dote famiglia")
    early = await wallet(client, as_admin, as_citizen_a, coverage=70, validity_days=200, name="Buono tata")
    made = await offer(client, as_citizen_a, catalogue)

    body = await proposal(client, as_citizen_a, made["id"])

    assert [line["wallet_id"] for line in body["lines"]] == [early["wallet_account_id"], late["wallet_account_id"]]
    assert [(line["amount_cents"], line["rule"]) for line in body["lines"]] == [
        (20_160, "coverage"),
        (8_640, "remaining"),
    ]
    assert body["copayment_cents"] == 0


async def test_the_household_may_lower_a_line_and_the_rest_is_its_co_payment(
    client, session, as_admin, as_citizen_a, catalogue
):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)

    response = await accept(
        client, as_citizen_a, made["id"], [{"wallet_id": grant["wallet_account_id"], "amount_cents": 5_000}]
    )

    assert response.status_code == 200, response.text
    line = await session.scalar(select(FundingLine).where(FundingLine.subject_id == uuid.UUID(response.json()["id"])))
    assert (line.amount_cents, line.proposed_cents) == (5_000, 20_160)


async def test_more_than_a_wallets_ceiling_is_refused_with_a_pointer_and_nothing_is_accepted(
    client, session, as_admin, as_citizen_a, catalogue
):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)

    response = await accept(
        client, as_citizen_a, made["id"], [{"wallet_id": grant["wallet_account_id"], "amount_cents": 20_161}]
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "funding_rejected"
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
        ("/funding/0/amount_cents", "funding_over_ceiling")
    ]
    assert "At most 201.60 EUR" in problem["errors"][0]["detail"]
    assert (
        await session.scalar(select(func.count()).select_from(Engagement).where(Engagement.offer_id == made["id"])) == 0
    )
    assert await available(session, grant["wallet_account_id"]) == 100_000


async def test_another_households_wallet_is_not_eligible(
    client, session, as_admin, as_citizen_a, as_citizen_b, catalogue
):
    theirs = await wallet(client, as_admin, as_citizen_b, coverage=100)
    made = await offer(client, as_citizen_a, catalogue)

    response = await accept(
        client, as_citizen_a, made["id"], [{"wallet_id": theirs["wallet_account_id"], "amount_cents": 100}]
    )

    assert response.status_code == 422
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/funding/0/wallet_id", "funding_wallet_not_eligible")
    ]
    assert await available(session, theirs["wallet_account_id"]) == 100_000


async def test_only_the_household_reads_an_offers_proposal(client, as_admin, as_citizen_a, as_citizen_b, catalogue):
    made = await offer(client, as_citizen_a, catalogue)

    for headers in (as_citizen_b, catalogue.headers("aurora"), as_admin):
        response = await client.get(f"/v1/offers/{made['id']}/funding-proposal", headers=headers)
        assert (response.status_code, response.json()["code"]) == (404, "offer_not_found")


async def test_the_provider_sees_its_engagements_amounts_but_not_the_households_wallets(
    client, as_admin, as_citizen_a, as_citizen_b, catalogue
):
    await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)
    lines = (await proposal(client, as_citizen_a, made["id"]))["lines"]
    engagement = (await accept(client, as_citizen_a, made["id"], as_funding(lines))).json()
    url = f"/v1/engagements/{engagement['id']}/funding"

    seen = (await client.get(url, headers=catalogue.headers("aurora"))).json()
    others = [await client.get(url, headers=h) for h in (catalogue.headers("betulla"), as_citizen_b)]

    assert seen["held_cents"] == 20_160
    assert (seen["lines"][0]["wallet_id"], seen["lines"][0]["grant_id"]) == (None, None)
    assert seen["lines"][0]["programme_name_it"] == "Buono tata"
    assert [(r.status_code, r.json()["code"]) for r in others] == [(404, "engagement_not_found")] * 2


async def test_cancelling_the_engagement_releases_what_was_held(client, session, as_admin, as_citizen_a, catalogue):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)
    lines = (await proposal(client, as_citizen_a, made["id"]))["lines"]
    engagement = (await accept(client, as_citizen_a, made["id"], as_funding(lines))).json()

    response = await client.post(
        f"/v1/engagements/{engagement['id']}/cancel",
        json={"reason": "We moved to another city."},
        headers={**as_citizen_a, "If-Match": f'"{engagement["version"]}"'},
    )

    assert response.status_code == 200, response.text
    funding = (await client.get(f"/v1/engagements/{engagement['id']}/funding", headers=as_citizen_a)).json()
    assert (funding["held_cents"], funding["released_cents"]) == (0, 20_160)
    assert await available(session, grant["wallet_account_id"]) == 100_000


async def test_a_hold_the_worker_expires_shows_as_released(client, session, as_admin, as_citizen_a, catalogue):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)
    lines = (await proposal(client, as_citizen_a, made["id"]))["lines"]
    engagement = (await accept(client, as_citizen_a, made["id"], as_funding(lines))).json()
    hold = await session.scalar(select(MoneyHold).where(MoneyHold.subject_id == uuid.UUID(engagement["id"])))
    # the last planned day (34 days ahead, Rome) plus the 30 days' grace, within the grant's 180 days
    assert timedelta(days=64) < hold.expires_at - datetime.now(UTC) < timedelta(days=66)
    await session.execute(
        update(MoneyHold).where(MoneyHold.id == hold.id).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )

    counts = await worker.sweep(session)

    funding = (await client.get(f"/v1/engagements/{engagement['id']}/funding", headers=as_citizen_a)).json()
    assert counts["holds_expired"] == 1
    assert (funding["held_cents"], funding["released_cents"]) == (0, 20_160)
    assert await available(session, grant["wallet_account_id"]) == 100_000


async def test_accepting_without_funding_holds_nothing(client, session, as_admin, as_citizen_a, catalogue):
    await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)

    response = await offer_action(client, as_citizen_a, made["id"], "accept")

    assert response.status_code == 200, response.text
    funding = (await client.get(f"/v1/engagements/{response.json()['id']}/funding", headers=as_citizen_a)).json()
    assert funding["lines"] == [] and funding["held_cents"] == 0


async def test_a_hub_operator_acting_for_the_household_reads_its_proposal(
    client, session, as_admin, citizen_a, as_citizen_a, hub_operator, as_hub_operator, catalogue
):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    request = await post_operator_mode_request(client, session, hub_operator, citizen_a, **FOUR_WEEKS)
    invited = await invite(client, as_hub_operator, request["id"], catalogue.services[SERVICE_OF["aurora"]])
    assert invited.status_code == 200, invited.text
    made = await make_offer(client, catalogue, "aurora", request["id"])

    body = await proposal(client, as_hub_operator, made["id"])

    assert [(line["wallet_id"], line["amount_cents"]) for line in body["lines"]] == [
        (grant["wallet_account_id"], 20_160)
    ]


async def test_a_partial_capture_then_a_cancellation_shows_captured_and_released_per_line(
    client, session, as_admin, as_citizen_a, catalogue
):
    grant = await wallet(client, as_admin, as_citizen_a, coverage=70)
    made = await offer(client, as_citizen_a, catalogue)
    lines = (await proposal(client, as_citizen_a, made["id"]))["lines"]
    engagement = (await accept(client, as_citizen_a, made["id"], as_funding(lines))).json()
    [line] = await spending.funding_lines(session, "engagement", uuid.UUID(engagement["id"]))
    # a confirmed week as timesheets capture it: part posted, the rest kept held for the weeks to come
    await money.post_hold(session, line.hold_id, key=f"test:{line.id}:week1", amount_cents=5_040, keep_remainder=True)
    url = f"/v1/engagements/{engagement['id']}/funding"
    after_capture = (await client.get(url, headers=as_citizen_a)).json()

    await client.post(
        f"/v1/engagements/{engagement['id']}/cancel",
        json={"reason": "The children started school."},
        headers={**as_citizen_a, "If-Match": f'"{engagement["version"]}"'},
    )

    after_cancel = (await client.get(url, headers=as_citizen_a)).json()
    amounts = ("held_cents", "captured_cents", "released_cents")
    assert [after_capture["lines"][0][k] for k in amounts] == [15_120, 5_040, 0]
    assert [after_cancel["lines"][0][k] for k in amounts] == [0, 5_040, 15_120]
    assert await available(session, grant["wallet_account_id"]) == 100_000 - 5_040


async def test_the_plan_and_the_hold_apply_the_households_income_based_price(
    client, session, as_admin, citizen_a, as_citizen_a, catalogue
):
    catalogue.services["aurora_full"].isee_bands = [{"isee_max_cents": 1_500_000, "kind": "price", "value": 400}]
    await make_isee_declaration(
        session, citizen_a, value_cents=1_000_000, status=IseeStatus.verified, verified_at=datetime.now(UTC)
    )
    await wallet(client, as_admin, as_citizen_a, coverage=70)
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", **FOUR_WEEKS)
    made = await make_offer(client, catalogue, "aurora", request["id"], service_id=catalogue.service_id("aurora_full"))

    body = await proposal(client, as_citizen_a, made["id"])
    accepted = await accept(client, as_citizen_a, made["id"], as_funding(body["lines"]))

    assert (body["list_price_cents"], body["price_cents"], body["planned_cost_cents"]) == (1200, 400, 24 * 400)
    assert (body["public_cents"], body["copayment_cents"]) == (6_720, 2_880)  # 70% / 30% of 96.00 EUR
    assert accepted.status_code == 200, accepted.text  # the engagement's recorded price: the same ceilings
