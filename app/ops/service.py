"""Liveness and readiness: the process answers; the database answers and its schema is current."""

import asyncio
from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT
from app.errors import DATABASE_ERRORS
from app.ops import repository as repo
from app.ops.schemas import Readiness

READINESS_TIMEOUT_S = 2.0


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


async def readiness(session: AsyncSession) -> Readiness:
    try:
        revisions = await asyncio.wait_for(repo.current_revisions(session), READINESS_TIMEOUT_S)
    except (*DATABASE_ERRORS, TimeoutError):
        return Readiness(status="not_ready", database="unreachable", migrations="unknown")
    at_head = revisions == set(head_revisions())
    return Readiness(
        status="ready" if at_head else "not_ready",
        database="ok",
        migrations="at_head" if at_head else "behind",
    )
