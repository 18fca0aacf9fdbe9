"""Accounts of the ledger: found or created by what they belong to, and their balances.

A balance is never stored: posted = the sum of the account's entries; pending = what its pending
holds reserve; available = posted - pending. Accounts flagged `non_negative` may never have a
negative available balance: every movement that takes money out of one checks it under the
account's row lock (`check_funds`).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AccountKind, MoneyAccount
from app.models.money import NON_NEGATIVE_KINDS
from app.money import repository as repo
from app.money.errors import InsufficientFunds

# What identifies an account of each kind: the owners a caller must give (and no others).
OWNERS: dict[AccountKind, tuple[str, ...]] = {
    AccountKind.funder: ("funder",),
    AccountKind.programme_budget: ("programme_id",),
    AccountKind.household_wallet: ("household_id", "programme_id", "grant_id"),
    AccountKind.provider_receivable: ("provider_id", "programme_id"),
    AccountKind.programme_expired: ("programme_id",),
}
# One wallet per grant: the grant alone names it (household and programme are carried along).
IDENTITY: dict[AccountKind, tuple[str, ...]] = {**OWNERS, AccountKind.household_wallet: ("grant_id",)}


@dataclass(frozen=True, slots=True)
class Balance:
    posted_cents: int  # the sum of the account's entries
    pending_cents: int  # what its pending holds reserve
    available_cents: int  # posted - pending: what may still be spent or held


def natural_key(kind: AccountKind, owners: Mapping[str, object]) -> str:
    return f"{kind.value}:" + ",".join(f"{name}={owners[name]}" for name in IDENTITY[kind])


async def account(
    session: AsyncSession,
    kind: AccountKind,
    *,
    programme_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    grant_id: uuid.UUID | None = None,
    provider_id: uuid.UUID | None = None,
    funder: str | None = None,
) -> uuid.UUID:
    """The id of the account of `kind` for these owners, created on first use (concurrent first
    uses create one account: INSERT ... ON CONFLICT on its natural key)."""
    given = {
        "programme_id": programme_id,
        "household_id": household_id,
        "grant_id": grant_id,
        "provider_id": provider_id,
        "funder": funder,
    }
    wanted = OWNERS[kind]
    missing = [name for name in wanted if given[name] is None]
    extra = [name for name, value in given.items() if value is not None and name not in wanted]
    if missing or extra:
        raise ValueError(f"a {kind.value} account is owned by {', '.join(wanted)} (missing {missing}, extra {extra})")
    key = natural_key(kind, given)
    found = await repo.account_id_by_natural_key(session, key)
    if found is not None:
        return found
    await repo.insert_account_if_absent(
        session, {"kind": kind, "natural_key": key, "non_negative": kind in NON_NEGATIVE_KINDS, **given}
    )
    created = await repo.account_id_by_natural_key(session, key)
    assert created is not None  # inserted above, or by a concurrent caller that committed first
    return created


async def balances(session: AsyncSession, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, Balance]:
    posted = await repo.posted_sums(session, account_ids)
    pending = await repo.pending_sums(session, account_ids)
    return {
        account_id: Balance(
            posted_cents=posted.get(account_id, 0),
            pending_cents=pending.get(account_id, 0),
            available_cents=posted.get(account_id, 0) - pending.get(account_id, 0),
        )
        for account_id in account_ids
    }


async def balance(session: AsyncSession, account_id: uuid.UUID) -> Balance:
    return (await balances(session, [account_id]))[account_id]


def describe(account: MoneyAccount) -> str:
    owners = ", ".join(f"{name} {getattr(account, name)}" for name in IDENTITY[account.kind])
    return f"the {account.kind.value.replace('_', ' ')} account {account.id} ({owners})"


async def check_funds(session: AsyncSession, accounts: list[MoneyAccount], deltas: dict[uuid.UUID, int]) -> None:
    """Refuse (409 insufficient_funds) if a non-negative account would end below zero, counting its
    pending holds (as they stand now in this transaction). The accounts must be locked already."""
    at_risk = [a for a in accounts if a.non_negative and deltas.get(a.id, 0) < 0]
    if not at_risk:
        return
    now = await balances(session, [a.id for a in at_risk])
    for checked in at_risk:
        needed = -deltas[checked.id]
        available = now[checked.id].available_cents
        if available - needed < 0:
            raise InsufficientFunds(
                f"{describe(checked)} has {available} cents available "
                f"({now[checked.id].pending_cents} held); {needed} cents were asked for."
            )


async def check_covered(session: AsyncSession, accounts: list[MoneyAccount]) -> None:
    """Refuse (409 insufficient_funds) if a non-negative account now has a negative available
    balance: for movements whose entries and holds are already written (a post keeping the rest)."""
    watched = [a for a in accounts if a.non_negative]
    if not watched:
        return
    now = await balances(session, [a.id for a in watched])
    for checked in watched:
        if now[checked.id].available_cents < 0:
            raise InsufficientFunds(
                f"{describe(checked)} would have {now[checked.id].available_cents} cents available "
                f"({now[checked.id].pending_cents} held)."
            )
