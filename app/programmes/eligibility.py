"""The eligibility check, rule by rule: a pure function of the programme, what the household declared
and the facts the platform holds (its verified ISEE, its grants), in the style of the match score's
breakdown (app/demand/matching.py): each rule says pass, fail or needs_review, and why.

* residence: the household declares the NIL it lives in (null: not in Milan). Every programme is
  for residents of Milan; one with `residence_nil_ids` only for those NILs.
* member_age: a declared member's age, on the day of the check, within [min, max] (e.g. a child 0-17).
  Declarations are self-certifications (DPR 445/2000, art. 46-47): they pass, and the hubs check them
  by sampling as the municipality does, outside the platform.
* isee_ceiling / isee_band: read the household's *verified* ISEE (app/income). With none on file the
  rule needs a person (an operator sees the attestation at a hub): needs_review, never fail.
* one_grant_per_period: no other grant for this household from this programme in the period.

Any fail makes the application ineligible; otherwise any needs_review sends it to the review queue;
otherwise it is granted (budget permitting).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from app.models import GrantPeriod, Programme

Outcome = Literal["pass", "fail", "needs_review"]


@dataclass(frozen=True, slots=True)
class Check:
    rule: str
    outcome: Outcome
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"rule": self.rule, "outcome": self.outcome, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Facts:
    residence_nil_id: Any  # uuid.UUID | None
    residence_nil_name: str | None
    member_birth_dates: list[date]
    isee_cents: int | None  # verified, valid today; None when there is none
    granted_in_period: bool
    today: date


def euros(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d} €".replace(",", " ")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def period_of(programme: Programme, today: date) -> str:
    """The key one grant per household is unique within (the grant table's unique index)."""
    return str(today.year) if programme.grant_period == GrantPeriod.calendar_year else "programme"


def _residence(programme: Programme, facts: Facts) -> Check:
    if facts.residence_nil_id is None:
        return Check(
            "residence", "fail", "The household declared no residence in Milan; the programme is for residents."
        )
    if programme.residence_nil_ids and facts.residence_nil_id not in programme.residence_nil_ids:
        return Check(
            "residence",
            "fail",
            f"The household lives in {facts.residence_nil_name or 'a NIL'}, outside the NILs the programme serves.",
        )
    return Check("residence", "pass", f"Resident in {facts.residence_nil_name or 'Milan'} (declared).")


def _member_age(programme: Programme, facts: Facts) -> Check | None:
    low, high = programme.member_min_age, programme.member_max_age
    if low is None and high is None:
        return None
    low, high = low or 0, 120 if high is None else high
    ages = sorted(age_on(birth, facts.today) for birth in facts.member_birth_dates if birth <= facts.today)
    fitting = [age for age in ages if low <= age <= high]
    if fitting:
        return Check("member_age", "pass", f"A household member aged {fitting[0]} (declared), within {low}-{high}.")
    declared = ", ".join(str(a) for a in ages) or "none"
    return Check("member_age", "fail", f"No household member aged {low}-{high}; declared ages: {declared}.")


def _isee_ceiling(programme: Programme, facts: Facts) -> Check | None:
    ceiling = programme.isee_max_cents
    if ceiling is None:
        return None
    if facts.isee_cents is None:
        return Check(
            "isee_ceiling",
            "needs_review",
            f"No verified ISEE on file: an operator checks the attestation against the ceiling of {euros(ceiling)}.",
        )
    if facts.isee_cents <= ceiling:
        return Check("isee_ceiling", "pass", f"Verified ISEE {euros(facts.isee_cents)}, within {euros(ceiling)}.")
    return Check("isee_ceiling", "fail", f"Verified ISEE {euros(facts.isee_cents)} is above {euros(ceiling)}.")


def band_amount(amount_rule: dict[str, Any], isee_cents: int) -> int | None:
    """The amount of the first band whose ceiling holds the ISEE; None above the last band."""
    return next((b["amount_cents"] for b in amount_rule["bands"] if isee_cents <= b["isee_max_cents"]), None)


def _isee_band(programme: Programme, facts: Facts) -> Check | None:
    if programme.amount_rule["kind"] != "isee_bands":
        return None
    if facts.isee_cents is None:
        return Check(
            "isee_band",
            "needs_review",
            "The amount depends on the ISEE band and no verified ISEE is on file: have it verified at a hub.",
        )
    amount = band_amount(programme.amount_rule, facts.isee_cents)
    if amount is None:
        top = programme.amount_rule["bands"][-1]["isee_max_cents"]
        return Check(
            "isee_band", "fail", f"Verified ISEE {euros(facts.isee_cents)} is above the last band ({euros(top)})."
        )
    return Check("isee_band", "pass", f"Verified ISEE {euros(facts.isee_cents)}: a grant of {euros(amount)}.")


def _one_grant(programme: Programme, facts: Facts) -> Check:
    period = "this year" if programme.grant_period == GrantPeriod.calendar_year else "this programme"
    if facts.granted_in_period:
        return Check("one_grant_per_period", "fail", f"The household already has a grant from {period}.")
    return Check("one_grant_per_period", "pass", f"No other grant from {period}.")


def check(programme: Programme, facts: Facts) -> list[Check]:
    found = [
        _residence(programme, facts),
        _member_age(programme, facts),
        _isee_ceiling(programme, facts),
        _isee_band(programme, facts),
        _one_grant(programme, facts),
    ]
    return [c for c in found if c is not None]


def verdict(checks: list[Check]) -> tuple[Outcome, str | None]:
    """The overall outcome, and for a fail the first failed rule as a code (`residence_failed`)."""
    failed = next((c for c in checks if c.outcome == "fail"), None)
    if failed is not None:
        return "fail", f"{failed.rule}_failed"
    if any(c.outcome == "needs_review" for c in checks):
        return "needs_review", None
    return "pass", None


def grant_amount(programme: Programme, isee_cents: int | None) -> int | None:
    """What a grant of this programme credits; None when it depends on an ISEE not (yet) verified,
    or above the last band."""
    rule = programme.amount_rule
    if rule["kind"] == "fixed":
        return int(rule["amount_cents"])
    if rule["kind"] == "percentage":
        return int(rule["cap_per_grant_cents"])
    return None if isee_cents is None else band_amount(rule, isee_cents)
