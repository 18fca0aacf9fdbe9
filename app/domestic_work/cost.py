"""The family's monthly cost of a CCNL domestic worker, line by line (GET /v1/domestic-work/cost).

Like WeMi's "ipotesi di preventivo spesa": the wage at the level's minimum (or the wage given, never
below it), and what accrues on it each month. Every amount is exact until its line is rounded to
the cent; the total is the sum of the rounded lines, so the lines always add up to it.

  monthly pay  hourly wage x weekly hours x 52/12 (non-live-in), or the monthly wage (live-in)
  wage         the monthly pay less its holiday share: the pay for the time worked
  holiday      26 working days a year on a six-day week = 26 / (6 x 52) of the year's pay (a month)
  board        live-in: given in kind (0 here, its value counted below) or paid (daily value x 365/12)
  13th month   (monthly pay + board's value) / 12
  TFR          a year's pay with the 13th month and board's value / 13.5, per month
  INPS         (per-hour contribution - the worker's share) x weekly hours x 52/12 paid hours a month;
               the band by the effective hourly pay (13th month and board included), or the flat band
               above 24 h/week; the worker's share is withheld from the wage and shown apart.

The guard and the simulator read the same tables (app/domestic_work/tables.py).
"""

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from app.domestic_work import tables
from app.domestic_work.guard import eur
from app.domestic_work.schemas import CostEstimate, CostLine, CostLineKey, CostQuery, InpsBand, Minimum
from app.errors import ValidationFailed
from app.prices import WEEKS_PER_MONTH, round_cents

MILAN = ZoneInfo("Europe/Rome")
NON_LIVE_IN_MAX_WEEKLY_HOURS = 40  # CCNL: a non-live-in worker's normal week (more is overtime, not costed here)


class WageBelowMinimum(ValidationFailed):
    code = "wage_below_minimum"


@dataclass(frozen=True)
class _Line:
    key: CostLineKey
    label: str
    exact: Fraction
    rule: str
    source: str


def _check(query: CostQuery) -> None:
    if query.live_in and query.hourly_wage_cents is not None:
        raise ValidationFailed(
            "A live-in wage is monthly: give monthly_wage_cents.", pointer="/hourly_wage_cents", location="query"
        )
    if not query.live_in and query.monthly_wage_cents is not None:
        raise ValidationFailed(
            "A non-live-in wage is hourly: give hourly_wage_cents.", pointer="/monthly_wage_cents", location="query"
        )
    if not query.live_in and query.weekly_hours > NON_LIVE_IN_MAX_WEEKLY_HOURS:
        raise ValidationFailed(
            f"A non-live-in week is at most {NON_LIVE_IN_MAX_WEEKLY_HOURS} hours (CCNL); overtime is not costed.",
            pointer="/weekly_hours",
            location="query",
        )
    if not query.live_in and query.board == "paid":
        raise ValidationFailed("Board and lodging apply to live-in workers.", pointer="/board", location="query")


def _wage(query: CostQuery) -> tuple[Fraction, tables.Figure, int]:
    """(monthly pay, the minimum, the wage costed per its unit)."""
    hours_per_month = Fraction(str(query.weekly_hours)) * WEEKS_PER_MONTH
    if query.live_in:
        minimum = tables.ccnl_figure("monthly_live_in", query.level, query.on)
        wage = query.monthly_wage_cents if query.monthly_wage_cents is not None else minimum.cents
        unit, pointer = "EUR/month", "/monthly_wage_cents"
    else:
        minimum = tables.ccnl_figure("hourly_non_live_in", query.level, query.on)
        wage = query.hourly_wage_cents if query.hourly_wage_cents is not None else minimum.cents
        unit, pointer = "EUR/hour", "/hourly_wage_cents"
    if wage < minimum.cents:
        raise WageBelowMinimum(
            f"Below the CCNL minimum for level {query.level}: {eur(minimum.cents)} {unit} ({minimum.cite()}).",
            pointer=pointer,
            location="query",
        )
    pay = Fraction(wage) if query.live_in else wage * hours_per_month
    return pay, minimum, wage


def _band(query: CostQuery, effective_hourly: Fraction) -> tuple[dict[str, Any], str, str]:
    year, inps = tables.year_section("inps", query.on)
    if query.weekly_hours > inps["flat_band_above_weekly_hours"]:
        band, name = inps["over_24_hours"], f"over {inps['flat_band_above_weekly_hours']} h/week (flat)"
    else:
        band = next(
            b for b in inps["bands"] if b["up_to_hourly_cents"] is None or effective_hourly <= b["up_to_hourly_cents"]
        )
        limit = band["up_to_hourly_cents"]
        name = f"effective pay up to {eur(limit)} EUR/hour" if limit is not None else "top band"
    note = f" [not verified: {band['note']}]" if band.get("verified") is False else ""
    return band, name, f"{inps['circular']} ({year} table; {inps['source']}){note}"


def simulate(query: CostQuery) -> CostEstimate:
    _check(query)
    _, rules = tables.year_section("rules", query.on)
    hours = Fraction(str(query.weekly_hours)) * WEEKS_PER_MONTH
    pay, minimum, wage = _wage(query)
    board_day = tables.ccnl_figure("board_and_lodging_daily", "total", query.on) if query.live_in else None
    board_value = board_day.cents * tables.rule_value("board_days_per_month", query.on) if board_day else Fraction(0)
    holiday_days = tables.rule_value("holiday_working_days", query.on)
    week_days = tables.rule_value("working_days_per_week", query.on)
    holiday_share = holiday_days / (week_days * 52)
    tfr_divisor = tables.rule_value("tfr_divisor", query.on)
    with_board = pay + board_value
    effective_hourly = with_board * Fraction(13, 12) / hours
    band, band_name, inps_source = _band(query, effective_hourly)
    contract = "fixed_term" if query.fixed_term else "open_ended"
    per_hour = band["per_hour_cents"][contract]["cuaf" if query.cuaf else "no_cuaf"]
    worker_share = band["worker_share_cents"]
    pay_how = (
        f"{eur(wage)} EUR/month" if query.live_in else f"{eur(wage)} EUR/hour x {query.weekly_hours:g} h/week x 52/12"
    )
    lines = [
        _Line("wage", "Wage for the time worked", pay * (1 - holiday_share),
              f"monthly pay {eur(round_cents(pay))} EUR ({pay_how}) less its holiday share below",
              minimum.cite()),
        _Line("holiday", "Paid holidays (accrual)", pay * holiday_share,
              f"{holiday_days} working days a year on a {week_days}-day week: {holiday_days}/({week_days} x 52) of the "
              "year's pay, i.e. one month's pay a year, a twelfth each month",
              rules["holiday_working_days"]["source"] + " [not verified]"),
    ]  # fmt: skip
    if board_day is not None:
        in_kind = query.board == "in_kind"
        lines.append(
            _Line("board_and_lodging", "Board and lodging", Fraction(0) if in_kind else board_value,
                  (f"given in kind: not paid, but its value, {eur(board_day.cents)} EUR/day x 365/12 = "
                   f"{eur(round_cents(board_value))} EUR/month, counts toward the 13th month, TFR and the INPS band")
                  if in_kind else
                  f"paid instead of given: {eur(board_day.cents)} EUR/day x 365/12 days",
                  f"{board_day.cite()}; days a month: {rules['board_days_per_month']['source']}")
        )  # fmt: skip
    lines += [
        _Line("thirteenth_month", "Thirteenth month (accrual)", with_board / 12,
              f"(monthly pay + board's value {eur(round_cents(board_value))}) / 12",
              rules["thirteenth_month"]["source"]),
        _Line("tfr", "Severance pay, TFR (accrual)", with_board * 13 / 12 / tfr_divisor,
              f"a year's pay with the 13th month and board's value / {tfr_divisor}, per month: "
              f"{eur(round_cents(with_board))} x 13 / 12 / {tfr_divisor}",
              rules["tfr_divisor"]["source"]),
        _Line("inps_employer", "INPS contributions, employer's share", (per_hour - worker_share) * hours,
              f"({eur(per_hour)} - the worker's {eur(worker_share)}) EUR per paid hour x {query.weekly_hours:g} h/week "
              f"x 52/12; band: {band_name}, {'fixed-term' if query.fixed_term else 'open-ended'}, "
              f"{'with' if query.cuaf else 'without'} CUAF",
              inps_source),
    ]  # fmt: skip
    built = [
        CostLine(
            key=line.key, label=line.label, amount_cents=round_cents(line.exact), rule=line.rule, source=line.source
        )
        for line in lines
    ]
    total = sum(line.amount_cents for line in built)
    notes = [
        "Accruals (holiday, 13th month, TFR) are what each month sets aside; they are paid in the holiday "
        "month, in December and when the employment ends.",
        "Not included: Cassa Colf (CCNL health fund, a few cents an hour), overtime, night or Sunday work, "
        "seniority increases, the INPS contribution when the employment ends.",
        "52/12 weeks a month; a month's board and lodging value is the daily value x 365/12 (a decision).",
    ]
    if minimum.fallback:
        notes.append(minimum.fallback)
    return CostEstimate(
        level=query.level,
        weekly_hours=query.weekly_hours,
        live_in=query.live_in,
        months=query.months,
        on=query.on,
        hours_per_month=round(float(hours), 2),
        minimum=Minimum(cents=minimum.cents, unit="month" if query.live_in else "hour", table=minimum.cite()),
        wage_cents=wage,
        lines=built,
        monthly_total_cents=total,
        period_total_cents=total * query.months,
        inps_band=InpsBand(
            effective_hourly_cents=round_cents(effective_hourly),
            band=band_name,
            per_hour_cents=per_hour,
            worker_share_per_hour_cents=worker_share,
            circular=inps_source,
        ),
        inps_worker_share_cents=round_cents(worker_share * hours),
        notes=notes,
    )


def milan_today() -> date:
    """The tables apply by Milan's calendar date, whatever the server's time zone."""
    return datetime.now(MILAN).date()
