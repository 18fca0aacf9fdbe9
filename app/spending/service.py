"""Spending: the funding split a household is proposed, the holds placed when it accepts, their release.

The rule itself is pure (app/spending/split.py). Here it meets the ledger (app.money: accounts,
holds, balances) and the programmes (app.programmes: a household's active grants for a category).
Demand reaches `hold_funding` and `release_funding` only through the core's FundingPort
(app/funding_port.py), wired by app.main: demand never imports money.

Lock order on acceptance: the request row (demand), then the accounts of each hold in id order
(app.money.hold locks its debit and credit accounts FOR UPDATE): two acceptances drawing on one
wallet queue on the wallet's row, and the second sees what the first held.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import money
from app.demand import engagements as demand_engagements
from app.demand import offers as demand_offers
from app.funding_port import FundingChoice, FundingRejected, FundingUnavailable, Purchase
from app.models import AccountKind, Engagement, FundingLine, Offer, User
from app.money.errors import HoldNotPending, InsufficientFunds
from app.programmes import grants as programme_grants
from app.spending import repository as repo
from app.spending import split as rules

# Holds outlive the last planned day by this much, so the last weeks' timesheets (submitted, then
# confirmed or auto-confirmed after 72 h, or disputed and decided) can still capture them.
HOLD_GRACE = timedelta(days=30)
SUBJECT_ENGAGEMENT = "engagement"
# Releasing reads a subject's holds and voids the pending ones; a capture committing in between
# turns one into a posted hold and a new pending remainder, so the release reads again.
RELEASE_ATTEMPTS = 3


def milan_today() -> date:
    return datetime.now(rules.ROME).date()


def _rule_purchase(purchase: Purchase) -> rules.Purchase:
    return rules.Purchase(
        price_cents=purchase.price_cents,
        price_model=purchase.price_model,
        slots=rules.slots_of(purchase.schedule),
        start=purchase.start_date,
        end=purchase.end_date,
    )


async def wallets_for(session: AsyncSession, purchase: Purchase) -> list[rules.Wallet]:
    """The household's active grants whose programme pays for the purchase's category."""
    grants = await programme_grants.active_grants(
        session, purchase.household_id, category_id=purchase.category_id, on=milan_today()
    )
    return [
        rules.Wallet(
            wallet_id=g.wallet_account_id,
            grant_id=g.grant_id,
            programme_id=g.programme_id,
            programme_name=g.programme_name_en,
            programme_name_it=g.programme_name_it,
            coverage_percent=g.coverage_percent,
            cap_per_hour_cents=g.cap_per_hour_cents,
            cap_per_grant_cents=g.cap_per_grant_cents,
            expires_at=g.expires_at,
            available_cents=g.available_cents,
        )
        for g in grants
    ]


async def propose(session: AsyncSession, purchase: Purchase) -> rules.Split:
    return rules.split(_rule_purchase(purchase), await wallets_for(session, purchase))


async def proposal_for_offer(
    session: AsyncSession, user: User, offer_id: uuid.UUID
) -> tuple[Offer, Purchase, rules.Split]:
    """What the household's wallets would pay if it accepted the offer now (the household, or a hub
    operator acting for it; anyone else 404)."""
    offer, request = await demand_offers.offer_for_household(session, user, offer_id)
    purchase = await demand_offers.purchase_of(session, offer, request)
    return offer, purchase, await propose(session, purchase)


def _hold_expiry(line: rules.Line) -> datetime:
    assert line.until is not None
    after_last_day = datetime.combine(line.until + timedelta(days=1), time(), tzinfo=rules.ROME)
    return min(line.wallet.expires_at, (after_last_day + HOLD_GRACE).astimezone(UTC))


async def hold_funding(
    session: AsyncSession, purchase: Purchase, choices: list[FundingChoice], actor_id: uuid.UUID
) -> None:
    """Check the household's split against the rules and hold each line (FundingPort.hold)."""
    proposal = await propose(session, purchase)
    violations = rules.check_choices(proposal, [rules.Choice(c.wallet_id, c.amount_cents) for c in choices])
    if violations:
        raise FundingRejected([(f"/funding/{v.index}/{v.field}", v.code, v.detail) for v in violations])
    by_wallet = {line.wallet.wallet_id: line for line in proposal.lines}
    # Drawn in the proposal's order (earliest expiry first), whatever order the household listed them.
    chosen = sorted(choices, key=lambda c: proposal.lines.index(by_wallet[c.wallet_id]))
    for position, choice in enumerate(chosen):
        line = by_wallet[choice.wallet_id]
        receivable = await money.account(
            session,
            AccountKind.provider_receivable,
            provider_id=purchase.provider_id,
            programme_id=line.wallet.programme_id,
        )
        try:
            hold = await money.hold(
                session,
                key=f"funding:{purchase.subject_type}:{purchase.subject_id}:{line.wallet.grant_id}",
                debit=line.wallet.wallet_id,
                credit=receivable,
                amount_cents=choice.amount_cents,
                expires_at=_hold_expiry(line),
                subject_type=purchase.subject_type,
                subject_id=purchase.subject_id,
                created_by_id=actor_id,
            )
        except InsufficientFunds as exc:
            raise FundingUnavailable(
                f"The wallet of {line.wallet.programme_name} cannot hold {choice.amount_cents / 100:.2f} EUR any more "
                f"({exc.detail}); nothing was accepted: ask for a new funding proposal."
            ) from exc
        session.add(
            FundingLine(
                subject_type=purchase.subject_type,
                subject_id=purchase.subject_id,
                position=position,
                household_id=purchase.household_id,
                provider_id=purchase.provider_id,
                programme_id=line.wallet.programme_id,
                grant_id=line.wallet.grant_id,
                wallet_account_id=line.wallet.wallet_id,
                hold_id=hold.id,
                amount_cents=choice.amount_cents,
                proposed_cents=line.amount_cents,
                coverage_percent=line.wallet.coverage_percent,
                cap_per_hour_cents=line.wallet.cap_per_hour_cents,
                rule=line.rule,
                created_by_id=actor_id,
            )
        )
    await session.flush()


async def release_funding(session: AsyncSession, subject_type: str, subject_id: uuid.UUID) -> None:
    """Void every hold still pending for the subject (FundingPort.release): its lines' holds and the
    remainders their partial captures kept."""
    roots = [line.hold_id for line in await repo.lines_of(session, subject_type, subject_id)]
    for _ in range(RELEASE_ATTEMPTS):
        chains = await repo.hold_chains(session, roots)
        now = datetime.now(UTC)
        # A hold past its expiry is the worker's to record as expired (app.money.expire_holds), not ours to void.
        pending = [h for chain in chains.values() for h in chain if h.state == "pending" and h.expires_at > now]
        try:
            for hold in pending:
                await money.void_hold(session, hold.id, key=f"release:{hold.id}")
        except HoldNotPending:
            continue  # a capture resolved it meanwhile: read the chains again (its remainder is pending)
        return
    raise FundingUnavailable("The funding's holds kept changing while being released; try again.")


async def pending_funding(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID
) -> list[tuple[FundingLine, uuid.UUID | None, int]]:
    """Each funding line of the subject in draw order, with the hold it still has pending (its root
    hold, or the remainder its last partial capture kept) and how much that hold reserves; (line,
    None, 0) once the line's money is captured, released or expired. For captures (timesheets)."""
    lines = await repo.lines_of(session, subject_type, subject_id)
    chains = await repo.hold_chains(session, [line.hold_id for line in lines])
    now = datetime.now(UTC)
    found: list[tuple[FundingLine, uuid.UUID | None, int]] = []
    for line in lines:
        live = [h for h in chains.get(line.hold_id, []) if h.state == "pending" and h.expires_at > now]
        found.append((line, live[-1].id, live[-1].amount_cents) if live else (line, None, 0))
    return found


async def funding_lines(session: AsyncSession, subject_type: str, subject_id: uuid.UUID) -> list[FundingLine]:
    """The funding lines of a subject in the order they draw (for timesheets' captures)."""
    return await repo.lines_of(session, subject_type, subject_id)


async def engagement_funding(
    session: AsyncSession, user: User, engagement_id: uuid.UUID
) -> tuple[Engagement, str, list[FundingLine]]:
    """An engagement's funding lines, for its two parties only (anyone else 404); the party tells the
    view what to show (a provider never sees the household's wallets)."""
    engagement, party = await demand_engagements.get_for_party(session, user, engagement_id)
    return engagement, party, await repo.lines_of(session, SUBJECT_ENGAGEMENT, engagement.id)
