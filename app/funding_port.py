"""How demand asks for money without knowing the money contexts (dependency inversion).

Accepting an offer may spend a household's welfare wallets, and cancelling an engagement releases
what was held for it, in the same database transaction as the acceptance or the cancellation. But
demand (context 3) may not import money (context 6). So the core states what demand needs, a
`FundingPort`, and demand's routes ask for it through `FundingDep`; the composition root
(app.main) plugs spending's implementation in as `app.state.funding`.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError, Conflict, ValidationFailed


@dataclass(frozen=True)
class Purchase:
    """What a household takes on: who sells it, what it is, its price and its planned schedule."""

    subject_type: str  # "engagement"
    subject_id: uuid.UUID
    household_id: uuid.UUID
    provider_id: uuid.UUID
    category_id: uuid.UUID
    price_cents: int
    price_model: str  # app.models.PriceModel's value
    schedule: list[dict[str, str]]  # [{day, opens, closes}]
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class FundingChoice:
    """One line of the split the household confirmed: this wallet pays this much."""

    wallet_id: uuid.UUID
    amount_cents: int


# Hold the confirmed split for the purchase (all lines or none: a failure raises an AppError).
HoldFunding = Callable[[AsyncSession, Purchase, list[FundingChoice], uuid.UUID], Awaitable[None]]
# Release whatever is still held for a subject (its type and id), e.g. on cancellation.
ReleaseFunding = Callable[[AsyncSession, str, uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class FundingPort:
    hold: HoldFunding
    release: ReleaseFunding


async def funding_port(request: Request) -> FundingPort:
    port: FundingPort = request.app.state.funding
    return port


FundingDep = Annotated[FundingPort, Depends(funding_port)]


class FundingRejected(ValidationFailed):
    """The household's split breaks the spending rules: `errors` has one entry per offending value,
    each with its pointer (`/funding/{i}/wallet_id` or `/amount_cents`) and its own `code`
    (funding_wallet_not_eligible, funding_wallet_repeated, funding_over_ceiling, funding_over_cost)."""

    code, title = "funding_rejected", "Funding Rejected"

    def __init__(self, violations: list[tuple[str, str, str]]) -> None:  # (pointer, code, detail)
        detail = "; ".join(f"{pointer}: {text}" for pointer, _, text in violations)
        AppError.__init__(
            self,
            detail,
            errors=[{"pointer": p, "location": "body", "detail": text, "code": c} for p, c, text in violations],
        )


class FundingUnavailable(Conflict):
    """A wallet cannot hold its line any more (another acceptance drew on it meanwhile): nothing is
    accepted; ask for a new proposal."""

    code, title = "funding_unavailable", "Funding Unavailable"
