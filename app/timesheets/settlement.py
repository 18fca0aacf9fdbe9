"""What a confirmed week costs and who pays it: cost = hours x the hourly price; each funding line
of the engagement pays its public share (captured from its hold), the household the rest, as a
co-payment due to the provider."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Copayment, Timesheet
from app.timesheets import rules


async def settle(session: AsyncSession, timesheet: Timesheet) -> None:
    """Split a timesheet being confirmed (locked by the caller) and record the co-payment due."""
    quarters = timesheet.total_quarter_hours
    cost = rules.cost_cents(quarters, timesheet.hourly_price_cents)
    public = 0
    timesheet.cost_cents, timesheet.public_cents, timesheet.copayment_cents = cost, public, cost - public
    if cost - public > 0:
        session.add(
            Copayment(
                timesheet_id=timesheet.id,
                engagement_id=timesheet.engagement_id,
                provider_id=timesheet.provider_id,
                household_id=timesheet.household_id,
                amount_cents=cost - public,
                due_at=timesheet.confirmed_at,
            )
        )
