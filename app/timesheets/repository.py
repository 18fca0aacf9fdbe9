import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Copayment, CopaymentStatus, DemandRequest, Engagement, Timesheet, TimesheetStatus


async def get_timesheet(
    session: AsyncSession, timesheet_id: uuid.UUID, *, for_update: bool = False
) -> Timesheet | None:
    stmt = select(Timesheet).where(Timesheet.id == timesheet_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def timesheet_exists(session: AsyncSession, engagement_id: uuid.UUID, week_start: object) -> bool:
    stmt = select(Timesheet.id).where(Timesheet.engagement_id == engagement_id, Timesheet.week_start == week_start)
    return await session.scalar(stmt) is not None


def timesheets_query(
    *,
    household_id: uuid.UUID | None,
    provider_ids: Sequence[uuid.UUID],
    disputed_in_nils: Sequence[uuid.UUID],
    everything: bool,
) -> Select[Timesheet]:
    """Timesheets the caller may read: their household's, their providers', the disputed ones of the
    NILs their hubs serve (which they decide), or all of them (admins)."""
    if everything:
        return select(Timesheet)
    visible: list[ColumnElement[bool]] = [Timesheet.provider_id.in_(provider_ids)] if provider_ids else []
    if household_id is not None:
        visible.append(Timesheet.household_id == household_id)
    if disputed_in_nils:
        in_nils = (
            select(Engagement.id)
            .join(DemandRequest, DemandRequest.id == Engagement.request_id)
            .where(DemandRequest.nil_id.in_(disputed_in_nils))
        )
        visible.append(and_(Timesheet.disputed_at.is_not(None), Timesheet.engagement_id.in_(in_nils)))
    return select(Timesheet).where(or_(*visible) if visible else false())


async def due_for_auto_confirmation(session: AsyncSession, now: datetime, *, limit: int) -> list[Timesheet]:
    """Submitted timesheets past their window, locked; SKIP LOCKED lets several workers (and a
    household confirming at the same moment) share the work without waiting or confirming twice."""
    stmt = (
        select(Timesheet)
        .where(Timesheet.status == TimesheetStatus.submitted, Timesheet.auto_confirm_at <= now)
        .order_by(Timesheet.auto_confirm_at, Timesheet.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())


async def get_copayment(
    session: AsyncSession, copayment_id: uuid.UUID, *, for_update: bool = False
) -> Copayment | None:
    stmt = select(Copayment).where(Copayment.id == copayment_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


def copayments_query(
    *, household_id: uuid.UUID | None, provider_ids: Sequence[uuid.UUID], status: CopaymentStatus | None
) -> Select[Copayment]:
    visible: list[ColumnElement[bool]] = [Copayment.provider_id.in_(provider_ids)] if provider_ids else []
    if household_id is not None:
        visible.append(Copayment.household_id == household_id)
    stmt = select(Copayment).where(or_(*visible) if visible else false())
    return stmt if status is None else stmt.where(Copayment.status == status)
