"""Admins read the ledger over HTTP; nobody else does."""

import uuid

from app import money
from app.models import MoneyHold
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


async def test_an_admin_lists_transactions_newest_first_with_their_entries(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000, wallet_cents=6_000)
    engagement = uuid.uuid4()
    spent = await money.transfer(
        session,
        key="spend",
        kind="test.spend",
        lines=[(accounts.wallet, -1_000), (accounts.receivable, 1_000)],
        subject_type="engagement",
        subject_id=engagement,
    )
    reversal = await money.reverse(session, spent.id, key="undo", memo="by mistake")

    response = await client.get(f"/v1/ledger/transactions?account_id={accounts.wallet}", headers=as_admin)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["kind"] for i in items] == ["reversal", "test.spend", "grant.credited"]
    assert items[0]["reverses_id"] == str(spent.id) and items[1]["reversed_by_id"] == str(reversal.id)
    assert items[1]["entries"] == [
        {"account_id": str(accounts.wallet), "account_kind": "household_wallet", "amount_cents": -1_000},
        {"account_id": str(accounts.receivable), "account_kind": "provider_receivable", "amount_cents": 1_000},
    ]
    assert (items[1]["subject_type"], items[1]["subject_id"]) == ("engagement", str(engagement))


async def test_transactions_filter_by_kind_and_subject(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000, wallet_cents=6_000)
    engagement = uuid.uuid4()
    await money.transfer(
        session,
        key="spend:1",
        kind="test.spend",
        lines=[(accounts.wallet, -1), (accounts.receivable, 1)],
        subject_type="engagement",
        subject_id=engagement,
    )
    await money.transfer(
        session,
        key="spend:2",
        kind="test.spend",
        lines=[(accounts.wallet, -2), (accounts.receivable, 2)],
        subject_type="engagement",
        subject_id=uuid.uuid4(),
    )

    by_subject = await client.get(
        f"/v1/ledger/transactions?subject_type=engagement&subject_id={engagement}", headers=as_admin
    )
    by_kind = await client.get(
        f"/v1/ledger/transactions?kind=grant.credited&account_id={accounts.wallet}", headers=as_admin
    )

    assert [i["entries"][1]["amount_cents"] for i in by_subject.json()["items"]] == [1]
    assert [i["kind"] for i in by_kind.json()["items"]] == ["grant.credited"]


async def test_transactions_page_with_a_cursor(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000)
    for n in range(3):
        await money.transfer(
            session, key=f"t{n}", kind="test.move", lines=[(accounts.budget, -1), (accounts.expired, 1)]
        )
    url = f"/v1/ledger/transactions?account_id={accounts.expired}&limit=2"

    first = (await client.get(url, headers=as_admin)).json()
    second = (await client.get(f"{url}&cursor={first['next_cursor']}", headers=as_admin)).json()

    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
    assert len({i["id"] for i in first["items"] + second["items"]}) == 3


async def test_a_citizen_cannot_list_transactions_or_reconcile(client, as_citizen_a):
    listed = await client.get("/v1/ledger/transactions", headers=as_citizen_a)
    reconciled = await client.get("/v1/ledger/reconciliation", headers=as_citizen_a)

    assert (listed.status_code, listed.json()["code"]) == (403, "forbidden")
    assert (reconciled.status_code, reconciled.json()["code"]) == (403, "forbidden")


async def test_reconciliation_passes_on_a_ledger_the_code_wrote(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000, wallet_cents=6_000)
    hold = await money.hold(
        session, key="h", debit=accounts.wallet, credit=accounts.receivable, amount_cents=3_000, expires_at=in_days(3)
    )
    posted = await money.post_hold(session, hold.id, key="p", amount_cents=1_000, keep_remainder=True)
    await money.reverse(session, posted.id, key="r", memo="")

    response = await client.get("/v1/ledger/reconciliation", headers=as_admin)

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True, body
    checks = {c["name"]: c for c in body["checks"]}
    assert set(checks) == {
        "entries_sum_to_zero",
        "transactions_balance",
        "non_negative_accounts_covered",
        "posted_holds_match_their_transactions",
        "remainders_match_their_holds",
        "reversals_mirror_their_originals",
    }
    assert all(c["checked"] >= 1 for c in checks.values())


async def test_reconciliation_names_a_hold_whose_transaction_moved_another_amount(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000, wallet_cents=6_000)
    hold = await money.hold(
        session, key="h", debit=accounts.wallet, credit=accounts.receivable, amount_cents=3_000, expires_at=in_days(3)
    )
    await money.post_hold(session, hold.id, key="p", amount_cents=1_000)
    # A hold row edited behind the ledger's back (holds are not append-only; entries are).
    await session.execute(MoneyHold.__table__.update().where(MoneyHold.id == hold.id).values(posted_cents=1_500))

    response = await client.get("/v1/ledger/reconciliation", headers=as_admin)

    body = response.json()
    checks = {c["name"]: c for c in body["checks"]}
    assert body["ok"] is False
    assert checks["posted_holds_match_their_transactions"]["offenders"] == [str(hold.id)]
    assert checks["transactions_balance"]["ok"] is True


async def test_reconciliation_names_a_wallet_below_zero(client, session, as_admin):
    accounts = await open_accounts(session, budget_cents=10_000, wallet_cents=1_000)
    hold = await money.hold(
        session, key="h", debit=accounts.wallet, credit=accounts.receivable, amount_cents=1_000, expires_at=in_days(3)
    )
    await session.execute(MoneyHold.__table__.update().where(MoneyHold.id == hold.id).values(amount_cents=1_001))

    body = (await client.get("/v1/ledger/reconciliation", headers=as_admin)).json()

    checks = {c["name"]: c for c in body["checks"]}
    assert checks["non_negative_accounts_covered"]["offenders"] == [str(accounts.wallet)]


def test_the_contract_bounds_are_the_columns_lengths():
    from app.models import MoneyTransaction
    from app.models.money import LEDGER_MAX_LINES
    from app.money import schemas

    columns = MoneyTransaction.__table__.c
    assert columns.key.type.length == schemas.LEDGER_KEY_MAX_LENGTH
    assert columns.kind.type.length == schemas.LEDGER_KIND_MAX_LENGTH
    assert columns.memo.type.length == schemas.LEDGER_MEMO_MAX_LENGTH
    assert columns.subject_type.type.length == schemas.SUBJECT_TYPE_MAX_LENGTH
    assert schemas.LEDGER_MAX_LINES == LEDGER_MAX_LINES
