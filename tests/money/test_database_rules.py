"""What PostgreSQL itself refuses, whatever the code does: unbalanced transactions, edits of entries."""

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.models.base import utcnow


@pytest.fixture
async def raw(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of its own that really commits (nothing it tries here survives)."""
    async with engine.connect() as conn:
        yield conn


async def _account(conn: AsyncConnection, *, non_negative: bool = False) -> uuid.UUID:
    account_id = uuid.uuid4()
    await conn.execute(
        text(
            "INSERT INTO money_account (id, kind, natural_key, non_negative, funder, created_at) "
            "VALUES (:id, 'funder', :key, :nn, 'raw test', now())"
        ),
        {"id": account_id, "key": f"raw:{account_id}", "nn": non_negative},
    )
    return account_id


async def _transaction(conn: AsyncConnection, lines: list[tuple[uuid.UUID, int]]) -> uuid.UUID:
    transaction_id = uuid.uuid4()
    await conn.execute(
        text(
            "INSERT INTO money_transaction (id, key, fingerprint, kind, memo, created_at) "
            "VALUES (:id, :key, 'raw', 'raw.test', '', now())"
        ),
        {"id": transaction_id, "key": f"raw:{transaction_id}"},
    )
    for account_id, amount in lines:
        await conn.execute(
            text(
                "INSERT INTO money_entry (id, transaction_id, account_id, amount_cents, created_at) "
                "VALUES (:id, :tx, :account, :amount, now())"
            ),
            {"id": uuid.uuid4(), "tx": transaction_id, "account": account_id, "amount": amount},
        )
    return transaction_id


async def test_an_unbalanced_transaction_is_refused_at_commit(raw):
    await raw.begin()
    a, b = await _account(raw), await _account(raw)
    await _transaction(raw, [(a, -500), (b, 499)])  # the deferred check lets the statements through...

    with pytest.raises(DBAPIError, match="does not balance: 2 entries summing to -1 cents"):
        await raw.commit()  # ...and COMMIT refuses the whole transaction


async def test_a_transaction_of_one_entry_is_refused_even_when_it_is_zero_free(raw):
    await raw.begin()
    a = await _account(raw)
    await _transaction(raw, [(a, 700)])

    with pytest.raises(DBAPIError, match="1 entries summing to 700 cents"):
        await raw.commit()


async def test_a_transaction_without_entries_is_refused(raw):
    await raw.begin()
    await _transaction(raw, [])

    with pytest.raises(DBAPIError, match="0 entries summing to 0 cents"):
        await raw.commit()


async def test_a_zero_entry_is_refused_at_once(raw):
    await raw.begin()
    a = await _account(raw)

    with pytest.raises(DBAPIError, match="ck_money_entry_amount_not_zero"):
        await _transaction(raw, [(a, 0)])
    await raw.rollback()


async def test_a_balanced_transaction_commits_and_its_entries_cannot_be_updated_deleted_or_truncated(raw):
    await raw.begin()
    a, b = await _account(raw), await _account(raw)
    transaction_id = await _transaction(raw, [(a, -250), (b, 250)])
    await raw.commit()
    refused = []

    for statement in (
        "UPDATE money_entry SET amount_cents = 1 WHERE transaction_id = :tx",
        "DELETE FROM money_entry WHERE transaction_id = :tx",
        "UPDATE money_transaction SET memo = 'edited' WHERE id = :tx",
        "DELETE FROM money_transaction WHERE id = :tx",
        "TRUNCATE money_entry",
        "TRUNCATE money_transaction CASCADE",
    ):
        await raw.begin()
        with pytest.raises(DBAPIError, match="append-only") as caught:
            await raw.execute(text(statement), {"tx": transaction_id})
        refused.append(caught.value)
        await raw.rollback()

    assert len(refused) == 6
    rows = (
        await raw.execute(
            text("SELECT sum(amount_cents), count(*) FROM money_entry WHERE transaction_id = :tx"),
            {"tx": transaction_id},
        )
    ).one()
    assert tuple(rows) == (0, 2)
    await raw.rollback()


async def test_a_second_reversal_of_one_transaction_is_refused_by_the_unique_key(raw):
    await raw.begin()
    a, b = await _account(raw), await _account(raw)
    original = await _transaction(raw, [(a, -100), (b, 100)])
    for _ in range(2):
        reversal = uuid.uuid4()
        statement = text(
            "INSERT INTO money_transaction (id, key, fingerprint, kind, memo, reverses_id, created_at) "
            "VALUES (:id, :key, 'raw', 'reversal', '', :original, :now)"
        )
        params = {"id": reversal, "key": f"raw:{reversal}", "original": original, "now": utcnow()}
        if _ == 0:
            await raw.execute(statement, params)
        else:
            with pytest.raises(DBAPIError, match="uq_money_transaction_reverses_id"):
                await raw.execute(statement, params)
    await raw.rollback()
