"""The dated domestic-work tables: one JSON file per calendar year in data/ (a new year is a new file).

A year's file holds only the figures a source states for that year. A figure missing from it (a CCNL
level whose new minimum we could not verify, or a year with no file yet) is taken from the latest
earlier year that has it, and the figure says so (`fallback`), so the guard's problems and the cost
simulator's lines can tell the reader which table applied and why. Figures no source states are
marked `verified: false` in the file with the reason; `Figure.cite` carries that mark along.
"""

import json
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

CcnlTable = Literal["hourly_non_live_in", "monthly_live_in", "board_and_lodging_daily"]


@dataclass(frozen=True)
class Figure:
    cents: int
    year: int  # the file it comes from
    valid_from: str  # the date the table containing it is in force from
    table: str
    source: str
    verified: bool
    fallback: str | None  # why an earlier year's figure applies, when it does

    def cite(self) -> str:
        text = f"table in force from {self.valid_from}, {self.table}; source: {self.source}"
        if not self.verified:
            text += " [not verified]"
        if self.fallback:
            text += f". {self.fallback}"
        return text


@lru_cache(maxsize=1)
def _years() -> dict[int, dict[str, Any]]:
    folder = resources.files("app.domestic_work").joinpath("data")
    loaded = [json.loads(f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".json")]
    return {data["year"]: data for data in loaded}


def years_known() -> list[int]:
    return sorted(_years())


def _latest_up_to(year: int) -> list[dict[str, Any]]:
    """The year files from `year` back (newest first); before the first file, the first file alone."""
    files = [_years()[y] for y in sorted(_years(), reverse=True) if y <= year]
    return files or [_years()[min(_years())]]


def ccnl_figure(table: CcnlTable, key: str, on: date) -> Figure:
    """A CCNL minimum (a level's hourly or monthly minimum, or board and lodging's daily `total`)."""
    for data in _latest_up_to(on.year):
        entry = data["ccnl"][table].get(key)
        if entry is None:
            continue
        fallback = None
        if data["year"] != on.year:
            fallback = (
                f"No verified {on.year} figure for {key} ({table.replace('_', ' ')}): "
                f"the latest verified table, {data['year']}, applies"
            )
        return Figure(
            cents=entry["cents"],
            year=data["year"],
            valid_from=data["ccnl"]["valid_from"],
            table=data["ccnl"]["table"],
            source=entry["source"],
            verified=entry.get("verified", True),
            fallback=fallback,
        )
    raise LookupError(f"no CCNL {table} figure for {key}")  # a data file is broken: tests load every key


def year_section(section: Literal["inps", "libretto_famiglia", "rules"], on: date) -> tuple[int, dict[str, Any]]:
    """(the year whose file applies, its section) for a date: its own year's, else the latest earlier."""
    for data in _latest_up_to(on.year):
        if section in data:
            return data["year"], data[section]
    raise LookupError(section)


def rule_value(name: str, on: date) -> Fraction:
    """A CCNL rule's number (holiday days, TFR divisor, board days per month...), exactly."""
    _, rules = year_section("rules", on)
    entry = rules[name]
    value = entry.get("value", entry.get("days", entry.get("hours")))
    return Fraction(str(value))
