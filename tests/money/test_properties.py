"""Property test of the ledger: random sequences of grants, spends, holds, posts (full, partial,
keeping the rest), voids, expiries, reversals and grant expiries, checked against a model of the
balances after every step and against PostgreSQL's own zero-sum check.

Each example opens fresh accounts on the test's transaction (rolled back at the end), so examples
never see each other's money. Refusals are expected: the model says which ones.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app import money
from app.models import HoldState, MoneyEntry, MoneyHold, MoneyTransaction
from app.models.base import utcnow
from tests.money.conftest import open_accounts

WALLETS = 2
wallet_index = st.integers(0, WALLETS - 1)
BUDGET = 20_000
STARTING_GRANT = 5_000

# Round amounts often, so that holds, spends and grants meet at the edge of what is available.
amounts = st.one_of(st.sampled_from([1, 500, 1_000, 2_500, 5_000]), st.integers(min_value=1, max_value=6_000))
# "all": exactly what the model says is available, the edge where overdrafts hide.
amounts_or_all = st.one_of(st.just("all"), amounts)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), wallet_index, amounts),
        st.tuples(st.just("spend"), wallet_index, amounts_or_all),
        st.tuples(st.just("hold"), wallet_index, amounts_or_all, st.integers(1, 10)),
        st.tuples(st.just("post"), st.integers(0, 30), st.sampled_from(["full", "part", "keep"]), amounts),
        st.tuples(st.just("void"), st.integers(0, 30)),
        st.tuples(st.just("expire"), st.integers(0, 11)),
        st.tuples(st.just("reverse"), st.integers(0, 30)),
        st.tuples(st.just("lapse"), wallet_index),
    ),
    min_size=2,
    max_size=16,
)


@dataclass
class Model:
    """What the balances must be: posted per account, and the pending holds (id -> debit, amount, expiry)."""

    posted: dict[uuid.UUID, int] = field(default_factory=dict)
    pending: dict[uuid.UUID, tuple[uuid.UUID, int, int]] = field(default_factory=dict)
    holds: list[uuid.UUID] = field(default_factory=list)
    transactions: list[tuple[uuid.UUID, list[tuple[uuid.UUID, int]]]] = field(default_factory=list)
    reversed: set[uuid.UUID] = field(default_factory=set)

    def available(self, account: uuid.UUID) -> int:
        held = sum(amount for debit, amount, _ in self.pending.values() if debit == account)
        return self.posted.get(account, 0) - held

    def move(self, transaction_id: uuid.UUID, lines: list[tuple[uuid.UUID, int]]) -> None:
        for account, amount in lines:
            self.posted[account] = self.posted.get(account, 0) + amount
        self.transactions.append((transaction_id, lines))


async def _run(session, accounts, wallets, model: Model, step: tuple, n: int) -> None:  # noqa: ANN001, C901, PLR0912
    kind, *args = step
    key = f"step:{n}:{uuid.uuid4()}"
    budget, receivable, expired = accounts.budget, accounts.receivable, accounts.expired
    if kind in ("grant", "spend"):
        wallet, amount = wallets[args[0]], args[1]
        if amount == "all":
            amount = max(model.available(wallet), 1)
        source, target = (budget, wallet) if kind == "grant" else (wallet, receivable)
        lines = [(source, -amount), (target, amount)]
        expect_ok = model.available(source) >= amount
        try:
            made = await money.transfer(session, key=key, kind=f"test.{kind}", lines=lines)
        except money.InsufficientFunds:
            assert not expect_ok, f"{kind} of {amount} refused with {model.available(source)} available"
            return
        assert expect_ok, f"{kind} of {amount} allowed with {model.available(source)} available"
        model.move(made.id, lines)
    elif kind == "hold":
        wallet, amount, days = wallets[args[0]], args[1], args[2]
        if amount == "all":
            amount = max(model.available(wallet), 1)
        expect_ok = model.available(wallet) >= amount
        try:
            held = await money.hold(
                session,
                key=key,
                debit=wallet,
                credit=receivable,
                amount_cents=amount,
                expires_at=utcnow() + timedelta(days=days),
            )
        except money.InsufficientFunds:
            assert not expect_ok
            return
        assert expect_ok
        model.pending[held.id] = (wallet, amount, days)
        model.holds.append(held.id)
    elif kind == "post" and model.holds:
        hold_id = model.holds[args[0] % len(model.holds)]
        mode, wanted = args[1], args[2]
        try:
            posted = await money.post_hold(
                session,
                hold_id,
                key=key,
                amount_cents=None if mode == "full" else wanted,
                keep_remainder=mode == "keep",
            )
        except money.HoldNotPending:
            assert hold_id not in model.pending
            return
        except money.HoldAmountExceeded:
            assert wanted > model.pending[hold_id][1]
            return
        debit, amount, days = model.pending.pop(hold_id)
        moved = amount if mode == "full" else wanted
        assert moved <= amount
        model.move(posted.id, [(debit, -moved), (receivable, moved)])
        if mode == "keep" and moved < amount:
            rest = await session.scalar(select(MoneyHold).where(MoneyHold.parent_hold_id == hold_id))
            assert rest.amount_cents == amount - moved
            model.pending[rest.id] = (debit, amount - moved, days)
            model.holds.append(rest.id)
    elif kind == "void" and model.holds:
        hold_id = model.holds[args[0] % len(model.holds)]
        try:
            await money.void_hold(session, hold_id, key=key)
        except money.HoldNotPending:
            assert hold_id not in model.pending
            return
        del model.pending[hold_id]
    elif kind == "expire":
        await money.expire_holds(session, utcnow() + timedelta(days=args[0]))
        for hold_id, (_, _, days) in list(model.pending.items()):
            if days <= args[0]:
                del model.pending[hold_id]
    elif kind == "reverse" and model.transactions:
        original, lines = model.transactions[args[0] % len(model.transactions)]
        mirror = [(account, -amount) for account, amount in lines]
        short = any(model.available(a) + amount < 0 for a, amount in mirror if a in wallets or a == budget)
        short = short and original not in model.reversed  # a second reversal is refused before funds count
        try:
            reversal = await money.reverse(session, original, key=key, memo="property")
        except money.TransactionAlreadyReversed:
            assert original in model.reversed
            return
        except money.InsufficientFunds:
            assert short
            return
        assert not short and original not in model.reversed
        model.reversed.add(original)
        model.move(reversal.id, mirror)
        model.reversed.add(reversal.id)  # a reversal is not reversed either
    elif kind == "lapse":  # a grant expires: what is available moves to the expired account
        wallet = wallets[args[0]]
        rest = model.available(wallet)
        if rest > 0:
            lines = [(wallet, -rest), (expired, rest)]
            made = await money.transfer(session, key=key, kind="grant.expired", lines=lines)
            model.move(made.id, lines)


async def _check(session, accounts, wallets, model: Model) -> None:  # noqa: ANN001
    mine = [accounts.funder, accounts.budget, accounts.receivable, accounts.expired, *wallets]
    found = await money.balances(session, mine)
    sums = dict(
        (
            await session.execute(
                select(MoneyEntry.account_id, func.sum(MoneyEntry.amount_cents))
                .where(MoneyEntry.account_id.in_(mine))
                .group_by(MoneyEntry.account_id)
            )
        ).all()
    )
    for account in mine:
        assert found[account].posted_cents == sums.get(account, 0) == model.posted.get(account, 0)
        assert found[account].available_cents == model.available(account)
    for account in (accounts.budget, *wallets):  # the non-negative accounts, holds counted
        assert found[account].available_cents >= 0
    unbalanced = await session.scalar(
        select(func.count()).select_from(
            select(MoneyEntry.transaction_id)
            .join(MoneyTransaction, MoneyTransaction.id == MoneyEntry.transaction_id)
            .where(MoneyEntry.account_id.in_(mine))
            .group_by(MoneyEntry.transaction_id)
            .having((func.sum(MoneyEntry.amount_cents) != 0) | (func.count() < 2))
            .subquery()
        )
    )
    assert unbalanced == 0
    pending = await session.scalar(
        select(func.count()).where(MoneyHold.id.in_(model.holds), MoneyHold.state == HoldState.pending)
    )
    assert pending == len(model.pending)
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))  # PostgreSQL's own zero-sum check, now
    await session.execute(text("SET CONSTRAINTS ALL DEFERRED"))


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
# A spend may not take what a hold reserves; a partial post keeping the rest, then an expiry.
@example(steps=[("grant", 0, 5_000), ("hold", 0, 5_000, 3), ("spend", 0, 1), ("post", 0, "keep", 2_000), ("expire", 3)])
async def test_random_sequences_keep_every_invariant(ledger_session, steps):
    accounts = await open_accounts(ledger_session, budget_cents=BUDGET)
    wallets = [accounts.wallet]
    for _ in range(WALLETS - 1):
        other = await open_accounts(ledger_session)
        wallets.append(other.wallet)
    model = Model(posted={accounts.funder: -BUDGET, accounts.budget: BUDGET})
    for n, wallet in enumerate(wallets):  # each wallet starts granted, so that most steps have money to move
        await _run(ledger_session, accounts, wallets, model, ("grant", n, STARTING_GRANT), -1 - n)

    for n, step in enumerate(steps):
        await _run(ledger_session, accounts, wallets, model, step, n)
        await _check(ledger_session, accounts, wallets, model)
