from datetime import date
from typing import Annotated, Literal

from fastapi import Query

from app.domestic_work import cost
from app.domestic_work.schemas import CcnlLevel, CostEstimate, CostQuery
from app.errors import error_responses
from app.routing import ReferenceDataCache, api_router

router = api_router(prefix="/domestic-work", tags=["domestic-work"], dependencies=[ReferenceDataCache])


@router.get("/cost", response_model=CostEstimate, responses=error_responses(cost.WageBelowMinimum))
async def get_domestic_work_cost(
    level: Annotated[CcnlLevel, Query(description="CCNL lavoro domestico level")],
    weekly_hours: Annotated[float, Query(ge=1, le=54, description="Contracted hours a week (non-live-in: at most 40)")],
    live_in: Annotated[bool, Query(description="The worker lives in (convivente): a monthly wage")] = False,
    months: Annotated[int, Query(ge=1, le=120, description="How many months to cost")] = 12,
    hourly_wage_cents: Annotated[
        int | None, Query(ge=1, le=100_000, description="Non-live-in: the hourly wage (default: the minimum)")
    ] = None,
    monthly_wage_cents: Annotated[
        int | None, Query(ge=1, le=10_000_000, description="Live-in: the monthly wage (default: the minimum)")
    ] = None,
    fixed_term: Annotated[
        bool, Query(description="A fixed-term contract (+1.40% INPS, not for a replacement)")
    ] = False,
    cuaf: Annotated[
        bool, Query(description="CUAF due (false between spouses and live-in relatives to the 3rd degree)")
    ] = True,
    board: Annotated[
        Literal["in_kind", "paid"], Query(description="Live-in: board and lodging given in kind or paid")
    ] = "in_kind",
    on: Annotated[date | None, Query(description="The day whose tables apply (default: today in Milan)")] = None,
) -> CostEstimate:
    """The family's monthly cost of a CCNL domestic worker, line by line with each rule and source."""
    query = CostQuery(
        level=level,
        weekly_hours=weekly_hours,
        live_in=live_in,
        months=months,
        hourly_wage_cents=hourly_wage_cents,
        monthly_wage_cents=monthly_wage_cents,
        fixed_term=fixed_term,
        cuaf=cuaf,
        board=board,
        on=on or cost.milan_today(),
    )
    return cost.simulate(query)
