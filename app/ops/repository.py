from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def current_revisions(session: AsyncSession) -> set[str]:
    rows = await session.execute(text("SELECT version_num FROM alembic_version"))
    return {r[0] for r in rows}
