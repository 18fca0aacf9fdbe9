import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.models import ApplicationStatus, FunderKind, GrantPeriod, GrantStatus, ProgrammeStatus
from app.shared_schemas import Count, Strict, Version, stored, trimmed

MAX_CATEGORIES = 20
MAX_NILS = 100  # Milan has 88 NILs
MAX_BANDS = 10
MAX_MEMBERS = 20
MAX_CHECKS = 8
MAX_BUDGET_CENTS = 10_000_000_000  # 100 million euros: far above any municipal programme
MAX_GRANT_CENTS = 10_000_000  # 100,000 euros per grant
MAX_ISEE_CENTS = 100_000_000  # 1 million euros: no ISEE is above it

BudgetCents = Annotated[int, Field(ge=1, le=MAX_BUDGET_CENTS, description="Integer euro cents")]
GrantCents = Annotated[int, Field(ge=1, le=MAX_GRANT_CENTS, description="Integer euro cents")]
IseeCents = Annotated[int, Field(ge=0, le=MAX_ISEE_CENTS, description="ISEE in integer euro cents")]
Percent = Annotated[int, Field(ge=1, le=100)]
Age = Annotated[int, Field(ge=0, le=120)]
Name = trimmed(200, min_length=3)
Description = Annotated[str, StringConstraints(max_length=4000)]
Reason = trimmed(500, min_length=3)


class FixedAmount(Strict):
    kind: Literal["fixed"]
    amount_cents: GrantCents


class PercentageOfCost(Strict):
    """The wallet pays `coverage_percent` of each cost, at most `cap_per_hour_cents` an hour; the
    grant (what the wallet is credited) is `cap_per_grant_cents`."""

    kind: Literal["percentage"]
    coverage_percent: Percent
    cap_per_hour_cents: GrantCents | None = None
    cap_per_grant_cents: GrantCents


class IseeBand(Strict):
    isee_max_cents: IseeCents = Field(description="Households with a verified ISEE up to this value")
    amount_cents: GrantCents


class IseeBands(Strict):
    """Amounts by ISEE band: the first band (lowest ceiling first) whose ceiling holds the
    household's verified ISEE; above the last band, no grant."""

    kind: Literal["isee_bands"]
    bands: list[IseeBand] = Field(min_length=1, max_length=MAX_BANDS)

    @model_validator(mode="after")
    def _ascending(self) -> "IseeBands":
        ceilings = [band.isee_max_cents for band in self.bands]
        if ceilings != sorted(set(ceilings)):
            raise ValueError("bands must be in strictly ascending isee_max_cents order")
        return self


AmountRule = Annotated[FixedAmount | PercentageOfCost | IseeBands, Field(discriminator="kind")]


class ProgrammeFields(Strict):
    funder: Name | None = Field(default=None, description="Who pays, e.g. 'Comune di Milano'")
    funder_kind: FunderKind | None = None
    name_it: Name | None = None
    name_en: Name | None = None
    description_it: Description | None = None
    description_en: Description | None = None
    budget_cents: BudgetCents | None = None
    category_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=MAX_CATEGORIES, description="Leaf categories it pays for"
    )
    valid_from: date | None = None
    valid_until: date | None = None
    grant_validity_days: Annotated[int, Field(ge=1, le=3660)] | None = Field(
        default=None, description="A grant's unspent money expires this many days after it is credited"
    )
    amount_rule: AmountRule | None = None
    isee_max_cents: IseeCents | None = Field(default=None, description="Eligibility: verified ISEE at most this")
    member_min_age: Age | None = Field(default=None, description="Eligibility: a household member at least this old")
    member_max_age: Age | None = Field(default=None, description="Eligibility: a household member at most this old")
    residence_nil_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_NILS, description="Eligibility: living in these NILs (empty: anywhere in Milan)"
    )
    grant_period: GrantPeriod | None = Field(
        default=None, description="At most one grant per household per programme, or per calendar year"
    )
    waitlist_when_exhausted: bool | None = Field(
        default=None, description="With the budget spent: waitlist eligible applications (true) or refuse them"
    )


class ProgrammeCreate(ProgrammeFields):
    funder: Name
    funder_kind: FunderKind
    name_it: Name
    name_en: Name
    budget_cents: BudgetCents
    category_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_CATEGORIES)
    valid_from: date
    valid_until: date
    grant_validity_days: Annotated[int, Field(ge=1, le=3660)]
    amount_rule: AmountRule


class ProgrammeUpdate(ProgrammeFields):
    """Names and descriptions change until archived; everything else only while a draft."""


class ProgrammeRead(BaseModel):
    id: uuid.UUID
    funder: stored(200)
    funder_kind: FunderKind
    name_it: stored(200)
    name_en: stored(200)
    description_it: str
    description_en: str
    budget_cents: BudgetCents
    category_ids: list[uuid.UUID] = Field(max_length=MAX_CATEGORIES)
    status: ProgrammeStatus
    valid_from: date
    valid_until: date
    grant_validity_days: Annotated[int, Field(ge=1, le=3660)]
    coverage_percent: Percent = Field(description="The share of each cost a wallet of this programme may pay")
    cap_per_hour_cents: GrantCents | None
    cap_per_grant_cents: GrantCents | None
    amount_rule: AmountRule
    isee_max_cents: IseeCents | None
    member_min_age: Age | None
    member_max_age: Age | None
    residence_nil_ids: list[uuid.UUID] = Field(max_length=MAX_NILS)
    grant_period: GrantPeriod
    waitlist_when_exhausted: bool
    grants: Count = Field(description="Grants given so far")
    opened_at: datetime | None
    closed_at: datetime | None
    version: Version
    created_at: datetime


class ApplicationCreate(Strict):
    residence_nil_id: uuid.UUID | None = Field(
        description="The NIL the household lives in (declared); null if it does not live in Milan"
    )
    member_birth_dates: list[date] = Field(
        default_factory=list, max_length=MAX_MEMBERS, description="Household members' birth dates (declared)"
    )
    citizen_id: uuid.UUID | None = Field(
        default=None, description="Hub operators in assisted mode: the citizen they apply for"
    )
    consent_note: Reason | None = Field(default=None, description="Required with citizen_id: how the citizen consented")


class Decision(Strict):
    reason: Reason = Field(description="Why: the household reads it")


class Approval(Strict):
    reason: Reason | None = Field(default=None, description="What the reviewer checked (the household reads it)")


Outcome = Literal["pass", "fail", "needs_review"]


class RuleCheck(BaseModel):
    rule: Literal["residence", "member_age", "isee_ceiling", "isee_band", "one_grant_per_period"]
    outcome: Outcome
    reason: str = Field(max_length=300)


class GrantSummary(BaseModel):
    id: uuid.UUID
    amount_cents: GrantCents
    expires_at: datetime
    status: GrantStatus


class ApplicationRead(BaseModel):
    id: uuid.UUID
    programme_id: uuid.UUID
    household_id: uuid.UUID
    created_by_id: uuid.UUID | None
    consent_recorded_at: datetime | None
    residence_nil_id: uuid.UUID | None
    member_birth_dates: list[date] = Field(max_length=MAX_MEMBERS)
    status: ApplicationStatus
    status_code: stored(40) | None = Field(description="Why it is in this status (e.g. programme_budget_exhausted)")
    checks: list[RuleCheck] = Field(max_length=MAX_CHECKS)
    decided_at: datetime | None
    decision_reason: stored(500) | None
    grant: GrantSummary | None
    version: Version
    created_at: datetime


class GrantRead(BaseModel):
    id: uuid.UUID
    programme_id: uuid.UUID
    household_id: uuid.UUID
    application_id: uuid.UUID
    amount_cents: GrantCents
    expires_at: datetime
    status: GrantStatus
    wallet_account_id: uuid.UUID
    available_cents: Annotated[int, Field(ge=0, le=MAX_GRANT_CENTS)] = Field(
        description="What the wallet may still spend or hold: its balance less what holds reserve"
    )
    held_cents: Annotated[int, Field(ge=0, le=MAX_GRANT_CENTS)] = Field(
        description="What holds reserve for accepted work not yet confirmed"
    )
    expired_cents: Annotated[int, Field(ge=0, le=MAX_GRANT_CENTS)] | None
    expired_at: datetime | None
    version: Version
    created_at: datetime
