"""Pure rules about an ISEE, from the dated data file app/income/data/isee_validity.json (each rule
with its source): until when a declaration counts, and what a DSU protocol looks like.

No database and no use case here, so that views of other domains may use it (the layering table).
"""

import calendar
import json
import re
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

# ISEE dates are Italian legal dates: at 00:30 on 1 January in Milan last year's ISEE has expired,
# though it is still 31 December in UTC.
ROME = ZoneInfo("Europe/Rome")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return json.loads(resources.files("app.income").joinpath("data", "isee_validity.json").read_text("utf-8"))


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(variant: str, issue_date: date) -> date:
    """The last day a declaration of `variant` filed on `issue_date` counts (inclusive)."""
    for rule in _data()["rules"]:
        if variant in rule["variants"]:
            if "valid_for_months" in rule:
                # "six months from filing": the day before the same date six months on.
                return date.fromordinal(_add_months(issue_date, rule["valid_for_months"]).toordinal() - 1)
            return date(issue_date.year, 12, 31)
    raise ValueError(f"no validity rule for ISEE variant {variant!r} in isee_validity.json")


def earliest_issue_date(variant: str) -> date:
    """Filings before this fall under an older rule the data file does not describe."""
    return next(date.fromisoformat(r["filed_from"]) for r in _data()["rules"] if variant in r["variants"])


def protocol_year(protocol: str) -> int | None:
    """The filing year a DSU protocol names, or None when it is not shaped as INPS issues them."""
    found = re.fullmatch(_data()["dsu_protocol"]["pattern"], protocol)
    return int(found.group("year")) if found else None


def today() -> date:
    return datetime.now(ROME).date()
