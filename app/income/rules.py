"""Pure rules about an ISEE: until when a declaration counts and what a DSU protocol looks like (from
the dated data file app/income/data/isee_validity.json, each rule with its source), and the price a
household pays under a listing's ISEE bands (the one function every view and acceptance uses).

No database and no use case here, so that views of other domains may use it (the layering table).
"""

import calendar
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from app.models import IseeVariant

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


@dataclass(frozen=True, slots=True)
class IseeValue:
    """A verified ISEE, as other domains read it (programmes' eligibility and bands, prices)."""

    value_cents: int
    valid_until: date
    declaration_id: uuid.UUID
    variant: IseeVariant


# --- income-based prices -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HouseholdPrice:
    """What a household pays under a listing's bands: the price, the band that applied (None: the
    ISEE is above every band, so the list price) and why, in words."""

    price_cents: int
    band_index: int | None
    band: dict[str, Any] | None
    reason: str


def euros(cents: int) -> str:
    return f"€{cents // 100:,}.{cents % 100:02d}"


def price_for_household(list_price_cents: int, bands: list[dict[str, Any]], isee_cents: int) -> HouseholdPrice:
    """The first band whose ceiling (inclusive) the ISEE is within applies: `free` is 0, `price` its
    value (never above the list price), `discount_percent` the list price less that share (rounded
    down to the cent: the household never pays a fraction of a cent more than the rule says)."""
    for index, band in enumerate(bands):
        if isee_cents <= band["isee_max_cents"]:
            within = f"ISEE up to {euros(band['isee_max_cents'])}"
            if band["kind"] == "free":
                return HouseholdPrice(0, index, band, f"{within}: free")
            if band["kind"] == "price":
                price = min(band["value"], list_price_cents)
                return HouseholdPrice(
                    price, index, band, f"{within}: {euros(price)} instead of {euros(list_price_cents)}"
                )
            paid_share = 100 - band["value"]
            price = (list_price_cents * paid_share) // 100
            return HouseholdPrice(price, index, band, f"{within}: {band['value']}% off {euros(list_price_cents)}")
    return HouseholdPrice(list_price_cents, None, None, "ISEE above every band of this listing: the list price")


def band_problems(bands: list[dict[str, Any]], *, list_price_cents: int | None) -> list[tuple[str, str]]:
    """(pointer, what is wrong) for each rule a listing's bands break: ceilings strictly rising, a
    value where the kind needs one (a price up to the list price, a discount of 1-100 %), none for
    `free`, and a priced listing to apply them to."""
    problems: list[tuple[str, str]] = []
    if bands and list_price_cents is None:
        problems.append(("/isee_bands", "A free listing has no price to lower: remove its ISEE bands."))
        return problems
    for index, band in enumerate(bands):
        at = f"/isee_bands/{index}"
        if index and band["isee_max_cents"] <= bands[index - 1]["isee_max_cents"]:
            problems.append((f"{at}/isee_max_cents", "Bands go from the lowest ISEE ceiling up, each above the last."))
        value = band.get("value")
        if band["kind"] == "free" and value is not None:
            problems.append((f"{at}/value", "A free band has no value."))
        elif band["kind"] == "price" and (value is None or not 0 < value <= (list_price_cents or 0)):
            problems.append(
                (f"{at}/value", "A price band needs a price above 0 and up to the list price (0 is 'free').")
            )
        elif band["kind"] == "discount_percent" and (value is None or not 1 <= value <= 100):
            problems.append((f"{at}/value", "A discount band needs a percentage from 1 to 100."))
    return problems
