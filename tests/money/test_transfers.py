"""Transfers and reversals through app.money, on the test's transaction."""

import uuid

import pytest
from sqlalchemy import func, select

from app import money
from app.models import AccountKind, AuditEntry, MoneyEntry
from tests.money.conftest import open_accounts


async def test_a_transfer_writes_entries_that_sum_to_zero_and_moves_the_balances(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000)

    moved = await money.transfer(
        ledger_session,
        key="grant:1",
        kind="grant.credited",
        lines=[(accounts.budget, -3_000), (accounts.wallet, 3_000)],
        memo="Buono tata",
        subject_type="grant",
        subject_id=uuid.uuid4(),
    )

    entries = (
        await ledger_session.execute(
            select(MoneyEntry.account_id, MoneyEntry.amount_cents).where(MoneyEntry.transaction_id == moved.id)
        )
    ).all()
    assert sorted(amount for _, amount in entries) == [-3_000, 3_000]
    assert (await money.balance(ledger_session, accounts.budget)).available_cents == 7_000
    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(3_000, 0, 3_000)
    assert (await money.balance(ledger_session, accounts.funder)).posted_cents == -10_000  # a funder may go negative
    assert (moved.kind, moved.memo, moved.subject_type) == ("grant.credited", "Buono tata", "grant")


async def test_the_same_key_with_the_same_lines_returns_the_original_transaction(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000)
    lines = [(accounts.budget, -3_000), (accounts.wallet, 3_000)]

    first = await money.transfer(ledger_session, key="grant:twice", kind="grant.credited", lines=lines)
    again = await money.transfer(ledger_session, key="grant:twice", kind="grant.credited", lines=list(reversed(lines)))

    assert again.id == first.id
    assert (await money.balance(ledger_session, accounts.wallet)).posted_cents == 3_000  # moved once


async def test_the_same_key_with_other_lines_is_a_409(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000)
    await money.transfer(
        ledger_session,
        key="grant:k",
        kind="grant.credited",
        lines=[(accounts.budget, -3_000), (accounts.wallet, 3_000)],
    )

    with pytest.raises(money.LedgerKeyReused) as refused:
        await money.transfer(
            ledger_session,
            key="grant:k",
            kind="grant.credited",
            lines=[(accounts.budget, -4_000), (accounts.wallet, 4_000)],
        )

    assert (refused.value.status_code, refused.value.code) == (409, "ledger_key_reused")


async def test_a_non_negative_account_cannot_go_below_zero_and_the_problem_says_what_is_available(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000, wallet_cents=2_500)

    with pytest.raises(money.InsufficientFunds) as refused:
        await money.transfer(
            ledger_session,
            key="spend:too-much",
            kind="test.spend",
            lines=[(accounts.wallet, -2_501), (accounts.receivable, 2_501)],
        )

    assert refused.value.code == "insufficient_funds"
    assert str(accounts.wallet) in refused.value.detail
    assert "2500 cents available" in refused.value.detail
    assert (await money.balance(ledger_session, accounts.wallet)).posted_cents == 2_500


async def test_spending_exactly_the_balance_is_allowed(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000, wallet_cents=2_500)

    await money.transfer(
        ledger_session,
        key="spend:all",
        kind="test.spend",
        lines=[(accounts.wallet, -2_500), (accounts.receivable, 2_500)],
    )

    assert (await money.balance(ledger_session, accounts.wallet)).available_cents == 0
    assert (await money.balance(ledger_session, accounts.receivable)).posted_cents == 2_500


@pytest.mark.parametrize(
    "lines",
    [[], [(uuid.uuid4(), 0), (uuid.uuid4(), 0)], [(uuid.uuid4(), 5), (uuid.uuid4(), -4)]],
    ids=["no lines", "zero lines", "unbalanced"],
)
async def test_malformed_lines_are_a_programming_error(ledger_session, lines):
    with pytest.raises(ValueError):
        await money.transfer(ledger_session, key="bad", kind="test", lines=lines)


async def test_the_same_account_twice_in_one_transaction_is_a_programming_error(ledger_session):
    accounts = await open_accounts(ledger_session)

    with pytest.raises(ValueError):
        await money.transfer(
            ledger_session, key="bad", kind="test", lines=[(accounts.funder, -1), (accounts.funder, 1)]
        )


async def test_an_account_is_created_once_and_found_again_by_its_owners(ledger_session):
    programme_id, provider_id = uuid.uuid4(), uuid.uuid4()

    first = await money.account(
        ledger_session, AccountKind.provider_receivable, provider_id=provider_id, programme_id=programme_id
    )
    again = await money.account(
        ledger_session, AccountKind.provider_receivable, provider_id=provider_id, programme_id=programme_id
    )
    other = await money.account(
        ledger_session, AccountKind.provider_receivable, provider_id=provider_id, programme_id=uuid.uuid4()
    )

    assert first == again != other


async def test_an_account_with_missing_or_foreign_owners_is_a_programming_error(ledger_session):
    with pytest.raises(ValueError, match="missing"):
        await money.account(ledger_session, AccountKind.household_wallet, programme_id=uuid.uuid4())
    with pytest.raises(ValueError, match="extra"):
        await money.account(ledger_session, AccountKind.programme_budget, programme_id=uuid.uuid4(), funder="x")


async def test_a_reversal_mirrors_the_entries_once_and_is_audited(ledger_session, admin):
    accounts = await open_accounts(ledger_session, budget_cents=10_000, wallet_cents=3_000)
    original = await money.transfer(
        ledger_session,
        key="spend:1",
        kind="test.spend",
        lines=[(accounts.wallet, -1_200), (accounts.receivable, 1_200)],
        subject_type="engagement",
        subject_id=uuid.uuid4(),
    )

    reversal = await money.reverse(
        ledger_session, original.id, key="undo:1", memo="entered twice", created_by_id=admin.id
    )
    again = await money.reverse(ledger_session, original.id, key="undo:1", memo="entered twice")

    assert again.id == reversal.id
    assert (reversal.kind, reversal.reverses_id, reversal.subject_id) == ("reversal", original.id, original.subject_id)
    assert (await money.balance(ledger_session, accounts.wallet)).posted_cents == 3_000
    assert (await money.balance(ledger_session, accounts.receivable)).posted_cents == 0
    audited = await ledger_session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.target_id == original.id, AuditEntry.action == "ledger.reversed")
    )
    assert audited == 1


async def test_a_transaction_is_reversed_only_once(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000, wallet_cents=3_000)
    original = await money.transfer(
        ledger_session,
        key="spend:1",
        kind="test.spend",
        lines=[(accounts.wallet, -1_200), (accounts.receivable, 1_200)],
    )
    await money.reverse(ledger_session, original.id, key="undo:1", memo="first")

    with pytest.raises(money.TransactionAlreadyReversed) as refused:
        await money.reverse(ledger_session, original.id, key="undo:2", memo="second")

    assert refused.value.code == "transaction_already_reversed"
    assert (await money.balance(ledger_session, accounts.wallet)).posted_cents == 3_000


async def test_a_reversal_is_not_itself_reversed(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000)
    original = await money.transfer(
        ledger_session, key="t", kind="test", lines=[(accounts.budget, -1), (accounts.expired, 1)]
    )
    reversal = await money.reverse(ledger_session, original.id, key="undo", memo="")

    with pytest.raises(money.TransactionAlreadyReversed):
        await money.reverse(ledger_session, reversal.id, key="undo-undo", memo="")


async def test_a_grant_already_spent_cannot_be_reversed(ledger_session):
    accounts = await open_accounts(ledger_session, budget_cents=10_000)
    grant = await money.transfer(
        ledger_session, key="grant", kind="grant.credited", lines=[(accounts.budget, -3_000), (accounts.wallet, 3_000)]
    )
    await money.transfer(
        ledger_session, key="spend", kind="test.spend", lines=[(accounts.wallet, -1_000), (accounts.receivable, 1_000)]
    )

    with pytest.raises(money.InsufficientFunds):
        await money.reverse(ledger_session, grant.id, key="undo", memo="revoked")


async def test_reversing_an_unknown_transaction_is_404(ledger_session):
    with pytest.raises(money.TransactionNotFound) as refused:
        await money.reverse(ledger_session, uuid.uuid4(), key="undo", memo="")

    assert (refused.value.status_code, refused.value.code) == (404, "transaction_not_found")
