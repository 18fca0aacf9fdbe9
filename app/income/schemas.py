import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models import IseeStatus, IseeVariant
from app.shared_schemas import INT32_MAX, Cents, Strict, Version, coded, stored, trimmed

# An ISEE in cents: a stored integer, so 2^31 - 1 (21 million euros) bounds it far above any real one.
IseeCents = Annotated[int, Field(ge=0, le=INT32_MAX, description="The ISEE value in integer euro cents")]
# As INPS prints it on the attestation (app/income/data/isee_validity.json has the source); the
# year must be the issue date's.
DsuProtocol = coded(r"[Ii][Nn][Pp][Ss]-[Ii][Ss][Ee][Ee]-[0-9]{4}-[A-Za-z0-9]{9}-[0-9]{2}", max_length=40, upper=True)


class IseeDeclarationCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "variant": "ordinario",
                    "value_cents": 1450000,
                    "dsu_protocol": "INPS-ISEE-2026-12345A789-00",
                    "issue_date": "2026-02-10",
                    "nil_id": "5f1c7a43-2b8e-5c2e-9a53-0b1f3c9d6e21",
                }
            ]
        },
    )

    variant: IseeVariant = IseeVariant.ordinario
    value_cents: IseeCents
    dsu_protocol: DsuProtocol = Field(description="The DSU protocol, e.g. INPS-ISEE-2026-12345A789-00")
    issue_date: date = Field(description="The day the DSU was filed (on the attestation); never in the future")
    nil_id: uuid.UUID = Field(description="The NIL the household lives in: its hubs' operators verify it")


class IseeVerificationCreate(Strict):
    evidence_ref: trimmed(300) = Field(
        description="What was seen and where, e.g. 'Attestazione INPS vista allo Spazio WeMi Lodi'"
    )


class IseeRejectionCreate(Strict):
    reason: trimmed(500, min_length=3) = Field(description="Told to the household")


class IseeDeclarationRead(BaseModel):
    """A declaration, as its household, the staff of its NIL's hubs and admins see it (staff reads
    are audited)."""

    id: uuid.UUID
    household_id: uuid.UUID
    household_name: stored(200)
    nil_id: uuid.UUID
    variant: IseeVariant
    value_cents: IseeCents
    dsu_protocol: stored(40)
    issue_date: date
    valid_until: date = Field(
        description="The last day it counts (31 December of the filing year; six months for corrente)"
    )
    status: IseeStatus
    in_force: bool = Field(description="Verified and valid today: prices and programmes read this one")
    declared_at: datetime
    verified_at: datetime | None
    verifier_name: stored(200) | None
    evidence_ref: stored(300) | None
    rejected_at: datetime | None
    rejection_reason: stored(500) | None
    superseded_at: datetime | None
    version: Version


class MyIsee(BaseModel):
    """The caller's ISEE: the one in force (if any) and the latest declaration, whatever its state."""

    in_force: IseeDeclarationRead | None = Field(
        description="Verified and valid today; null when none is (never declared, pending, rejected or expired)"
    )
    latest: IseeDeclarationRead | None = Field(description="The latest declaration; null when none was made")


# --- income-based prices (app/income/rules.py computes them) -------------------------------------------


MAX_ISEE_BANDS = 10


class IseeBand(Strict):
    """One band of a listing's income-based prices: households whose ISEE is up to `isee_max_cents`
    (inclusive) pay nothing (`free`), `value` cents (`price`, in the listing's price unit, up to its
    list price) or the list price less `value` % (`discount_percent`, 1-100). Bands go from the
    lowest ceiling up; the first that holds the household's ISEE applies; above the last, the list price."""

    isee_max_cents: IseeCents
    kind: Literal["free", "price", "discount_percent"]
    value: Cents | None = Field(default=None, description="price: cents; discount_percent: 1-100; free: null")


class YourPrice(BaseModel):
    """The price for the signed-in household, from its verified ISEE and the listing's bands."""

    price_cents: Cents = Field(description="In the same unit as the list price (per hour, per month, ...)")
    band_index: int | None = Field(
        ge=0, le=MAX_ISEE_BANDS - 1, description="Which band applied (0 = the first); null above every band"
    )
    band: IseeBand | None = Field(description="The band that applied; null above every band (the list price)")
    reason: stored(200) = Field(description="Why this price, in words")
