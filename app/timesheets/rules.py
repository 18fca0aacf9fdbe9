"""The pure rules of a timesheet: its ISO week, hours in quarter hours, the CCNL's flags and the
split of its cost. No database, no clock: each input is an argument."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from app.errors import ValidationFailed
from app.models import ContractType

QUARTERS_PER_HOUR = 4


class WeekDoesNotExist(ValidationFailed):
    code = "week_does_not_exist"


def week_start(iso_week: str) -> date:
    """The Monday of an ISO week like 2026-W49 (the schema checked the grammar; week 53 exists only
    in some years)."""
    year, week = iso_week.split("-W")
    try:
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise WeekDoesNotExist(f"{iso_week} is not a week of {year}.", pointer="/week") from None


def iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=n) for n in range(7)]


def to_quarters(hours: list[float]) -> list[int]:
    """Hours (the schema allows only multiples of 0.25 from 0 to 24) as whole quarter hours."""
    return [round(h * QUARTERS_PER_HOUR) for h in hours]


def to_hours(quarters: list[int]) -> list[float]:
    return [q / QUARTERS_PER_HOUR for q in quarters]


@cache
def _limits() -> list[dict[str, Any]]:
    text = resources.files("app.timesheets").joinpath("data", "working_time.json").read_text("utf-8")
    return sorted(json.loads(text)["tables"], key=lambda t: t["valid_from"], reverse=True)


def working_time_limits(contract_type: ContractType, on: date) -> dict[str, Any] | None:
    """The dated working-time limits for this kind of contract in force on `on`, if any apply."""
    for table in _limits():
        if table["contract_type"] == contract_type.value and table["valid_from"] <= on.isoformat():
            return table
    return None


def flags(quarters: list[int], *, contract_type: ContractType, weekly_hours: float | None, monday: date) -> list[str]:
    """Why these hours deserve a second look: more than the engagement's contracted weekly hours, a
    day or a week past the CCNL's limits for hourly (non-live-in) workers. Flagged, never refused:
    hours past them are overtime the CCNL pays with a surcharge, and a timesheet records what was
    worked (refusing it would push the hours off the record)."""
    total = sum(quarters)
    found = []
    if weekly_hours is not None and total > weekly_hours * QUARTERS_PER_HOUR:
        found.append("over_contract_weekly_hours")
    limits = working_time_limits(contract_type, monday)
    if limits is not None:
        if max(quarters) > limits["max_daily_hours"] * QUARTERS_PER_HOUR:
            found.append("over_ccnl_daily_limit")
        if total > limits["max_weekly_hours"] * QUARTERS_PER_HOUR:
            found.append("over_ccnl_weekly_limit")
    return found


def cost_cents(total_quarters: int, hourly_price_cents: int) -> int:
    """Hours x hourly price, rounded half up to the cent (a quarter of 1,001 cents is 250.25)."""
    return (total_quarters * hourly_price_cents * 2 + QUARTERS_PER_HOUR) // (2 * QUARTERS_PER_HOUR)


@dataclass(frozen=True, slots=True)
class LineTerms:
    """What one funding line may pay of a week: its programme's coverage and hourly cap, and what is
    still held for it."""

    coverage_percent: int
    cap_per_hour_cents: int | None
    held_cents: int


def public_shares(cost: int, total_quarters: int, lines: list[LineTerms]) -> list[int]:
    """Each line's share of the cost, in order (earliest expiry first): within its coverage of the
    cost, its cap per hour and what it holds, and never more than the cost still unpaid. Rounded
    down to the cent, so public money never pays a fraction the rules do not allow; the household's
    co-payment is what remains."""
    shares, unpaid = [], cost
    for line in lines:
        share = cost * line.coverage_percent // 100
        if line.cap_per_hour_cents is not None:
            share = min(share, line.cap_per_hour_cents * total_quarters // QUARTERS_PER_HOUR)
        share = max(0, min(share, line.held_cents, unpaid))
        shares.append(share)
        unpaid -= share
    return shares
