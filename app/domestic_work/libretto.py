"""Libretto Famiglia yearly caps (art. 54-bis DL 50/2017), across the engagements on the platform.

In a calendar year a worker may receive at most 5,000 EUR net from all families, a family may pay at
most 10,000 EUR net to all workers, one worker at most 2,500 EUR net from one family, and one pair
at most 280 hours (figures and their sources: data/<year>.json, `libretto_famiglia`). The platform
cannot see Libretto work paid elsewhere, so it holds the caps for what it arranges.

What an engagement plans in a year is an estimate, stated so it can be checked: its hourly price
(hourly; per session over the session's length; monthly over 52/12 weeks of the scheduled hours)
x its weekly scheduled hours x the weeks of the year it covers (days / 7), from its start to its end
date, to the day it ended (completed or cancelled), or while active and open-ended to the end of
the year; a fixed price counts once, in its start year. Caps count the worker's net share of each
title (8 of 10 EUR). A new open-ended offer is checked for its start year only: the next year's
caps hold it as an active engagement when later offers are checked.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from app.domestic_work import repository as repo
from app.domestic_work import tables
from app.domestic_work.guard import eur
from app.errors import Conflict
from app.models import Engagement, EngagementStatus, PriceModel
from app.prices import WEEKS_PER_MONTH
from app.schedules import minutes_of


class LibrettoWorkerCap(Conflict):
    code, title = "libretto_worker_cap", "Libretto Worker Cap Reached"


class LibrettoFamilyCap(Conflict):
    code, title = "libretto_family_cap", "Libretto Family Cap Reached"


class LibrettoPairCap(Conflict):
    code, title = "libretto_pair_cap", "Libretto Pair Cap Reached"


class LibrettoHoursCap(Conflict):
    code, title = "libretto_hours_cap", "Libretto Hours Cap Reached"


@dataclass(frozen=True)
class Plan:
    """What an arrangement plans: gross per week (or a fixed total), weekly hours, and its days."""

    weekly_gross_cents: Fraction
    weekly_hours: Fraction
    first_day: date
    last_day: date | None  # None: open-ended, to the end of each year it is active in
    fixed_total_cents: int = 0

    def in_year(self, year: int) -> tuple[Fraction, Fraction, int]:
        """(gross cents, hours, days) planned in the calendar year."""
        start = max(self.first_day, date(year, 1, 1))
        stop = min(self.last_day or date(year, 12, 31), date(year, 12, 31))
        days = (stop - start).days + 1
        if days <= 0:
            return Fraction(0), Fraction(0), 0
        weeks = Fraction(days, 7)
        fixed = self.fixed_total_cents if self.first_day.year == year else 0
        return self.weekly_gross_cents * weeks + fixed, self.weekly_hours * weeks, days


def weekly_hours_of(schedule: list[dict[str, str]]) -> Fraction:
    return Fraction(sum(minutes_of(s["closes"]) - minutes_of(s["opens"]) for s in schedule), 60)


def plan_of(
    *,
    price_cents: int,
    price_model: PriceModel,
    schedule: list[dict[str, str]],
    session_minutes: int | None,
    first_day: date,
    last_day: date | None,
) -> Plan:
    hours = weekly_hours_of(schedule)
    if price_model == PriceModel.hourly:
        weekly = price_cents * hours
    elif price_model == PriceModel.per_session:
        # A session of unknown length (an engagement made before offers stated it) counts as one hour.
        weekly = Fraction(price_cents * 60, session_minutes or 60) * hours
    elif price_model == PriceModel.monthly:
        weekly = price_cents / WEEKS_PER_MONTH
    else:
        weekly = Fraction(0)
    fixed = price_cents if price_model == PriceModel.fixed else 0
    return Plan(Fraction(weekly), hours, first_day, last_day, fixed)


def _plan_of_engagement(engagement: Engagement) -> Plan:
    last_day = engagement.end_date
    ended = {
        EngagementStatus.completed: engagement.completed_at,
        EngagementStatus.cancelled: engagement.updated_at,  # a cancelled engagement's last change is its cancellation
    }.get(engagement.status)
    if ended is not None:
        last_day = min(last_day or ended.date(), ended.date())
    return plan_of(
        price_cents=engagement.price_cents,
        price_model=engagement.price_model,
        schedule=engagement.schedule,
        session_minutes=engagement.session_minutes,
        first_day=engagement.start_date,
        last_day=last_day,
    )


async def check_caps(
    session: AsyncSession,
    *,
    provider_id: uuid.UUID,
    citizen_id: uuid.UUID,
    plan: Plan,
    lock: bool = False,
) -> None:
    """Refuse (409, naming the cap and what is left) an arrangement that would pass a yearly cap in any
    calendar year it covers (its start year only, when open-ended)."""
    if lock:
        await repo.lock_libretto_parties(session, citizen_id, provider_id)
    last_day = plan.last_day or date(plan.first_day.year, 12, 31)
    others = await repo.libretto_engagements(
        session, provider_id=provider_id, citizen_id=citizen_id, first_day=plan.first_day, last_day=last_day
    )
    for year in range(plan.first_day.year, last_day.year + 1):
        _check_year(year, plan, [(e.provider_id, e.citizen_id, _plan_of_engagement(e)) for e in others],
                    provider_id=provider_id, citizen_id=citizen_id)  # fmt: skip


def _check_year(
    year: int,
    plan: Plan,
    others: list[tuple[uuid.UUID, uuid.UUID, Plan]],
    *,
    provider_id: uuid.UUID,
    citizen_id: uuid.UUID,
) -> None:
    table_year, libretto = tables.year_section("libretto_famiglia", date(year, 1, 1))
    net_share = Fraction(libretto["title_net_to_worker_cents"], libretto["title_value_cents"])
    gross, hours, days = plan.in_year(year)
    if days == 0:
        return
    worker = family = pair = pair_hours = Fraction(0)
    for other_provider, other_citizen, other in others:
        other_gross, other_hours, _ = other.in_year(year)
        worker += other_gross if other_provider == provider_id else 0
        family += other_gross if other_citizen == citizen_id else 0
        if other_provider == provider_id and other_citizen == citizen_id:
            pair, pair_hours = pair + other_gross, pair_hours + other_hours
    start = max(plan.first_day, date(year, 1, 1))
    how = (
        f"this offer plans {eur(gross * net_share)} EUR net in {year}: {eur(plan.weekly_gross_cents)} EUR a week for "
        f"{float(plan.weekly_hours):g} h/week x {days} days / 7 from {start} to {start + timedelta(days=days - 1)}, "
        f"x {libretto['title_net_to_worker_cents'] / 100:g} net of each {libretto['title_value_cents'] / 100:g} "
        "EUR title"
    )
    source = f"{libretto['source']}; {table_year} figures"
    caps = [
        (LibrettoWorkerCap, "worker_yearly_cap_cents", worker, "this worker may receive from all families"),
        (LibrettoFamilyCap, "family_yearly_cap_cents", family, "this family may pay to all workers"),
        (LibrettoPairCap, "pair_yearly_cap_cents", pair, "this worker may receive from this family"),
    ]
    for error, key, used_gross, who in caps:
        cap, used, new = libretto[key]["cents"], used_gross * net_share, gross * net_share
        if used + new > cap:
            raise error(
                f"Libretto Famiglia cap: {who} at most {eur(cap)} EUR net in a calendar year "
                f"({libretto[key]['source']}; {source}). In {year} the Libretto engagements on the platform "
                f"already plan {eur(used)} EUR net, so {eur(max(cap - used, 0))} EUR is left; {how}."
            )
    hours_cap = libretto["pair_yearly_hours"]
    if pair_hours + hours > hours_cap["hours"]:
        raise LibrettoHoursCap(
            f"Libretto Famiglia cap: at most {hours_cap['hours']} hours a calendar year for one worker and one "
            f"family ({hours_cap['source']} [not verified]). In {year} the engagements of this pair plan "
            f"{float(pair_hours):.1f} hours, so {float(max(hours_cap['hours'] - pair_hours, 0)):.1f} are left; "
            f"this offer plans {float(hours):.1f} hours ({float(plan.weekly_hours):g} h/week x {days} days / 7)."
        )
