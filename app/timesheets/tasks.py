"""The worker's timesheet job: confirm the weeks whose dispute window passed in silence."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.timesheets import service


async def auto_confirm(session: AsyncSession) -> int:
    return await service.auto_confirm_due(session)
