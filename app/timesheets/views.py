"""Timesheets' and co-payments' responses, a page at a time (every field is on the row)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Copayment, Timesheet
from app.shared_schemas import from_row
from app.timesheets.rules import iso_week, to_hours
from app.timesheets.schemas import CopaymentRead, TimesheetRead


async def timesheet_views(session: AsyncSession, timesheets: Sequence[Timesheet]) -> list[TimesheetRead]:
    return [
        from_row(
            TimesheetRead,
            t,
            week=iso_week(t.week_start),
            hours=to_hours(t.quarter_hours),
            total_hours=t.total_quarter_hours / 4,
        )
        for t in timesheets
    ]


async def copayment_views(session: AsyncSession, copayments: Sequence[Copayment]) -> list[CopaymentRead]:
    return [from_row(CopaymentRead, c) for c in copayments]
