"""What a confirmed week costs and who pays it: cost = hours x the hourly price; each funding line
of the engagement pays its public share (captured from its hold), the household the rest, as a
co-payment due to the provider."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import money
from app.models import Copayment, Timesheet
from app.spending import service as spending
from app.timesheets import rules


async def settle(session: AsyncSession, timesheet: Timesheet, *, actor_id: uuid.UUID | None = None) -> None:
    """Split a timesheet being confirmed (locked by the caller, so a week captures once) and record
    the co-payment due. Each funding line's share is captured from the hold it still has pending,
    keeping the rest held for the weeks to come; the key names the timesheet and the line, so a
    retried confirmation finds the capture it made."""
    quarters = timesheet.total_quarter_hours
    cost = rules.cost_cents(quarters, timesheet.hourly_price_cents)
    # The caller has marked the week confirmed; its amounts are set below, so nothing is flushed before.
    with session.no_autoflush:
        funding = await spending.pending_funding(session, spending.SUBJECT_ENGAGEMENT, timesheet.engagement_id)
    terms = [rules.LineTerms(line.coverage_percent, line.cap_per_hour_cents, held) for line, _, held in funding]
    shares = rules.public_shares(cost, quarters, terms)
    public = sum(shares)
    timesheet.cost_cents, timesheet.public_cents, timesheet.copayment_cents = cost, public, cost - public
    for (line, hold_id, _), share in zip(funding, shares, strict=True):
        if share > 0 and hold_id is not None:
            await money.post_hold(
                session,
                hold_id,
                key=f"timesheet:{timesheet.id}:{line.position}",
                amount_cents=share,
                keep_remainder=True,
                kind="timesheet.captured",
                memo=f"week of {timesheet.week_start.isoformat()}",
                created_by_id=actor_id,
            )
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
