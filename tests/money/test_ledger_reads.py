"""Admins read the ledger over HTTP; nobody else does."""

import uuid

from app import money
from tests.money.conftest import in_days, open_accounts


async def test_an_admin_reads_an_account_with_its_posted_held_and_available_balance(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000, wallet_cents=6_000)
    await money.hold(
        session, key="h", debit=accounts.wallet, credit=accounts.receivable, amount_cents=2_500, expires_at=in_days(3)
    )

    response = await client.get(f"/v1/ledger/accounts/{accounts.wallet}", headers=as_admin)

    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["non_negative"], body["programme_id"]) == (
        "household_wallet",
        True,
        str(accounts.programme_id),
    )
    assert body["balance"] == {"posted_cents": 6_000, "held_cents": 2_500, "available_cents": 3_500}


async def test_a_funder_account_shows_its_commitment_as_a_negative_balance(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000)

    response = await client.get(f"/v1/ledger/accounts/{accounts.funder}", headers=as_admin)

    assert response.json()["balance"]["posted_cents"] == -10_000


async def test_an_unknown_account_is_404(client, as_admin):
    response = await client.get(f"/v1/ledger/accounts/{uuid.uuid4()}", headers=as_admin)

    assert (response.status_code, response.json()["code"]) == (404, "ledger_account_not_found")


async def test_a_citizen_cannot_read_ledger_accounts(client, session, as_citizen_a):
    accounts = await open_accounts(session)

    response = await client.get(f"/v1/ledger/accounts/{accounts.wallet}", headers=as_citizen_a)

    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
