"""Programmes', applications' and grants' responses, built for a whole page at once: one query per
related table, whatever the page size."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grant, Programme, ProgrammeApplication
from app.programmes import repository as repo
from app.programmes.schemas import ApplicationRead, GrantRead, GrantSummary, ProgrammeRead
from app.shared_schemas import from_row


async def programme_views(session: AsyncSession, programmes: Sequence[Programme]) -> list[ProgrammeRead]:
    """Each programme with how many grants it has given."""
    counts = await repo.grant_counts(session, [p.id for p in programmes])
    return [from_row(ProgrammeRead, p, grants=counts[p.id]) for p in programmes]


async def application_views(
    session: AsyncSession, applications: Sequence[ProgrammeApplication]
) -> list[ApplicationRead]:
    """Each application with its grant, when it has one."""
    found = await repo.grants_of_applications(session, [a.id for a in applications])
    return [
        from_row(
            ApplicationRead,
            application,
            grant=GrantSummary.model_validate(found[application.id], from_attributes=True)
            if application.id in found
            else None,
        )
        for application in applications
    ]


async def grant_views(session: AsyncSession, rows: Sequence[tuple[Grant, int, int]]) -> list[GrantRead]:
    """Each grant with its wallet's available and held money (read from the ledger by the use case)."""
    return [from_row(GrantRead, grant, available_cents=available, held_cents=held) for grant, available, held in rows]
