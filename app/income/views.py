from sqlalchemy.ext.asyncio import AsyncSession

from app.income import repository as repo
from app.income import rules
from app.income.rules import IseeValue
from app.income.schemas import IseeDeclarationRead, MyIsee
from app.models import IseeDeclaration, IseeStatus, Role, User
from app.shared_schemas import from_row


async def declaration_views(session: AsyncSession, rows: list[IseeDeclaration]) -> list[IseeDeclarationRead]:
    """Who may see a declaration was decided by the service (and staff reads audited there)."""
    names = await repo.names_of(session, {row.household_id for row in rows})
    today = rules.today()
    return [
        from_row(
            IseeDeclarationRead,
            row,
            household_name=names.get(row.household_id, ""),
            valid_until=row.valid_until_date,
            declared_at=row.created_at,
            in_force=row.status == IseeStatus.verified and row.issue_date <= today <= row.valid_until_date,
        )
        for row in rows
    ]


async def my_isee_view(
    session: AsyncSession, in_force: IseeDeclaration | None, latest: IseeDeclaration | None
) -> MyIsee:
    views = await declaration_views(session, [row for row in (in_force, latest) if row is not None])
    by_id = {view.id: view for view in views}
    return MyIsee(
        in_force=by_id[in_force.id] if in_force else None,
        latest=by_id[latest.id] if latest else None,
    )


async def viewer_isee(session: AsyncSession, viewer: User | None) -> IseeValue | None:
    """The ISEE in force today of a signed-in citizen's household (one statement), for the prices
    views show them; None for anyone else. Callers ask only when a row on the page has bands."""
    if viewer is None or viewer.role != Role.citizen:
        return None
    return await repo.isee_value_on(session, viewer.id, rules.today())
