"""The funding split, a pure rule: which wallets pay how much of what a household accepts.

What is held (docs/money.md, "Spending"): the public share of the *planned* work from the start date
until the engagement's end date, or, for an open-ended one, until each grant expires (a grant's money
cannot be spent after it), never more than `MAX_HORIZON_DAYS` ahead. Planned work is the weekly
schedule laid on the calendar: every date in the horizon whose weekday has slots adds their minutes
(and one session per slot). The planned cost of a span is, by price model: hourly = price × minutes
/ 60; per session = price × sessions; monthly = price × days × 12 / 365 (pro rata); fixed = the price
once; free = 0.

Wallets are taken earliest expiry first (then by grant id, so the order is stable). For each, the
amount is the least of:
  coverage       its programme's coverage_percent of the planned cost within the grant's life;
  cap_per_hour   its cap per hour × the planned hours within the grant's life;
  cap_per_grant  its cap per grant less what the grant has already paid or committed elsewhere;
  available      the wallet's available balance (posted less pending holds);
  remaining      what the earlier wallets left of the planned cost (two programmes never pay an hour twice).
The rule that gives the least is the line's `rule`, and `why` says it in words with the figures.
What no wallet pays is the co-payment, which the household pays the provider directly.

A household may change the split when it accepts: each line it asks for must name one of its
eligible wallets, once, for at most that wallet's own ceiling (the least of the first four rules,
the order of wallets aside), and together at most the planned cost (`check_choices`).
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")
# An open-ended engagement is funded for at most a year ahead; a longer grant is drawn again by a later
# acceptance (or a renewed engagement), never committed for years at once.
MAX_HORIZON_DAYS = 366
DAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
RULES = ("coverage", "cap_per_hour", "cap_per_grant", "available", "remaining")


@dataclass(frozen=True)
class Purchase:
    """What is being paid for: a price, how it is charged, and the planned weekly schedule."""

    price_cents: int
    price_model: str  # app.models.PriceModel's values: free, fixed, hourly, per_session, monthly
    slots: tuple[tuple[int, int], ...]  # (weekday 0 = Monday, minutes) per weekly slot
    start: date
    end: date | None


@dataclass(frozen=True)
class Wallet:
    """One active grant the household could spend on this purchase (from programmes.active_grants)."""

    wallet_id: uuid.UUID
    grant_id: uuid.UUID
    programme_id: uuid.UUID
    programme_name: str
    coverage_percent: int
    cap_per_hour_cents: int | None
    cap_per_grant_cents: int | None
    expires_at: datetime
    available_cents: int
    drawn_cents: int = 0  # what the grant has already paid or committed (counts against cap_per_grant)
    programme_name_it: str = ""


@dataclass(frozen=True)
class Line:
    wallet: Wallet
    amount_cents: int
    rule: str  # one of RULES, or "expired" when the grant ends before the work starts
    why: str
    until: date | None  # the last planned date this line pays for
    planned_minutes: int  # planned work within the line's span
    planned_cost_cents: int  # cost of that span
    share_per_hour_cents: int | None  # hourly offers: what the wallet pays of each hour
    ceiling_cents: int  # the most this wallet could pay, the order of wallets aside


@dataclass(frozen=True)
class Split:
    start: date
    until: date  # the end of the planned horizon
    planned_minutes: int
    planned_cost_cents: int
    lines: list[Line] = field(default_factory=list)

    @property
    def public_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def copayment_cents(self) -> int:
        return self.planned_cost_cents - self.public_cents


def slots_of(schedule: list[dict[str, str]]) -> tuple[tuple[int, int], ...]:
    """The stored weekly schedule ([{day, opens, closes}]) as (weekday, minutes) pairs."""

    def minutes(hhmm: str) -> int:
        hours, mins = hhmm.split(":")
        return int(hours) * 60 + int(mins)

    return tuple((DAY_INDEX[s["day"]], minutes(s["closes"]) - minutes(s["opens"])) for s in schedule)


def last_day_of(expires_at: datetime) -> date:
    """The last Milan calendar date a grant can pay for: the day before it expires if it expires at
    midnight, else the day it expires."""
    return (expires_at.astimezone(ROME) - timedelta(microseconds=1)).date()


def horizon_end(purchase: Purchase, wallets: list[Wallet]) -> date:
    cap = purchase.start + timedelta(days=MAX_HORIZON_DAYS - 1)
    if purchase.end is not None:
        return min(purchase.end, cap)
    latest = max((last_day_of(w.expires_at) for w in wallets), default=purchase.start + timedelta(days=27))
    return max(purchase.start, min(latest, cap))


def planned(purchase: Purchase, until: date) -> tuple[int, int]:
    """(planned minutes, planned cost in cents) from the start date to `until`, both included."""
    if until < purchase.start:
        return 0, 0
    days = (until - purchase.start).days + 1
    per_weekday_minutes, per_weekday_sessions = [0] * 7, [0] * 7
    for weekday, minutes in purchase.slots:
        per_weekday_minutes[weekday] += minutes
        per_weekday_sessions[weekday] += 1
    minutes = sessions = 0
    for offset in range(days):
        weekday = (purchase.start + timedelta(days=offset)).weekday()
        minutes += per_weekday_minutes[weekday]
        sessions += per_weekday_sessions[weekday]
    price = purchase.price_cents
    cost = {
        "hourly": price * minutes // 60,
        "per_session": price * sessions,
        "monthly": price * days * 12 // 365,
        "fixed": price,
    }.get(purchase.price_model, 0)
    return minutes, cost


def _ceilings(wallet: Wallet, minutes: int, cost: int) -> dict[str, int]:
    """The wallet's own ceilings for a span of planned work, by rule (cap_per_hour only with hours)."""
    ceilings = {"coverage": cost * wallet.coverage_percent // 100}
    if wallet.cap_per_hour_cents is not None and minutes > 0:
        ceilings["cap_per_hour"] = wallet.cap_per_hour_cents * minutes // 60
    if wallet.cap_per_grant_cents is not None:
        ceilings["cap_per_grant"] = max(0, wallet.cap_per_grant_cents - wallet.drawn_cents)
    ceilings["available"] = max(0, wallet.available_cents)
    return ceilings


def _why(rule: str, wallet: Wallet, amount: int, minutes: int, cost: int, until: date) -> str:
    euros = f"{amount / 100:.2f} EUR"
    hours = f"{minutes / 60:g} h"
    return {
        "coverage": f"{wallet.coverage_percent}% of the planned cost {cost / 100:.2f} EUR ({hours} to {until}) "
        f"= {euros}.",
        "cap_per_hour": f"capped at {(wallet.cap_per_hour_cents or 0) / 100:.2f} EUR per hour × {hours} planned "
        f"to {until} = {euros}.",
        "cap_per_grant": f"capped by the grant's limit of {(wallet.cap_per_grant_cents or 0) / 100:.2f} EUR, "
        f"{wallet.drawn_cents / 100:.2f} EUR of it already used: {euros}.",
        "available": f"the wallet has {euros} available.",
        "remaining": f"the wallets before it already pay the rest: {euros} is left of the planned cost.",
    }[rule]


def split(purchase: Purchase, wallets: list[Wallet]) -> Split:
    """The proposal: every eligible wallet, earliest expiry first, and what each pays."""
    until = horizon_end(purchase, wallets)
    total_minutes, total_cost = planned(purchase, until)
    lines: list[Line] = []
    paid = 0
    for wallet in sorted(wallets, key=lambda w: (w.expires_at, str(w.grant_id))):
        line_until = min(until, last_day_of(wallet.expires_at))
        if line_until < purchase.start:
            why = f"the grant expires on {wallet.expires_at.date()}, before the work starts on {purchase.start}."
            lines.append(Line(wallet, 0, "expired", why, None, 0, 0, None, 0))
            continue
        minutes, cost = planned(purchase, line_until)
        ceilings = _ceilings(wallet, minutes, cost)
        ceiling = min(ceilings.values())
        ceilings["remaining"] = max(0, total_cost - paid)
        rule = _binding(ceilings)
        amount = ceilings[rule]
        paid += amount
        share = None
        if purchase.price_model == "hourly" and minutes > 0:
            share = amount * 60 // minutes
        why = _why(rule, wallet, amount, minutes, cost, line_until)
        lines.append(Line(wallet, amount, rule, why, line_until, minutes, cost, share, ceiling))
    return Split(purchase.start, until, total_minutes, total_cost, lines)


@dataclass(frozen=True)
class Choice:
    wallet_id: uuid.UUID
    amount_cents: int


@dataclass(frozen=True)
class Violation:
    index: int
    field: str
    code: str
    detail: str


def check_choices(proposal: Split, choices: list[Choice]) -> list[Violation]:
    """What is wrong with the household's own split, one violation per line and rule (empty: valid)."""
    by_wallet = {line.wallet.wallet_id: line for line in proposal.lines}
    found: list[Violation] = []
    seen: set[uuid.UUID] = set()
    for index, choice in enumerate(choices):
        line = by_wallet.get(choice.wallet_id)
        if line is None:
            detail = "Not one of your wallets that can pay for this (programme, category, expiry)."
            found.append(Violation(index, "wallet_id", "funding_wallet_not_eligible", detail))
        elif line.until is None:
            found.append(
                Violation(index, "wallet_id", "funding_wallet_not_eligible", f"This wallet cannot pay: {line.why}")
            )
        elif choice.wallet_id in seen:
            found.append(Violation(index, "wallet_id", "funding_wallet_repeated", "Each wallet appears once."))
        elif choice.amount_cents > line.ceiling_cents:
            rule = _binding(_ceilings(line.wallet, line.planned_minutes, line.planned_cost_cents))
            why = _why(rule, line.wallet, line.ceiling_cents, line.planned_minutes, line.planned_cost_cents, line.until)
            detail = (
                f"At most {line.ceiling_cents / 100:.2f} EUR from this wallet ({line.wallet.programme_name}): {why}"
            )
            found.append(Violation(index, "amount_cents", "funding_over_ceiling", detail))
        seen.add(choice.wallet_id)
    total = sum(c.amount_cents for c in choices)
    if not found and total > proposal.planned_cost_cents:
        detail = (
            f"Together {total / 100:.2f} EUR, more than the planned cost {proposal.planned_cost_cents / 100:.2f} EUR."
        )
        found.append(Violation(len(choices) - 1, "amount_cents", "funding_over_cost", detail))
    return found


def _binding(ceilings: dict[str, int]) -> str:
    """The rule giving the least (on a tie, the first in RULES: coverage before caps before balance)."""
    return min(ceilings, key=lambda rule: (ceilings[rule], RULES.index(rule)))
