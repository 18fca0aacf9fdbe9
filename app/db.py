"""Engine, sessions, and the database's schema (migrate).

One AsyncSession per HTTP request, opened and committed by `app.routing.ApiRoute` so that the
commit (together with any idempotency record) lands before the response is sent. Routers receive
that session through `SessionDep`; services and repositories only flush.

Read paths take `ReadSessionDep` instead: ApiRoute then opens the request's session on the read
engine (a replica when DB__READ_URL is set, else the primary), in a READ ONLY transaction that
is rolled back at the end, so a write there fails at once rather than working until a replica
is configured.
"""

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.config import PROJECT_ROOT, Settings, get_settings
from app.embedded import embedded_server_url

SelectT = TypeVar("SelectT", bound=Select[Any])


def locked(statement: SelectT, *, skip_locked: bool = False) -> SelectT:
    """`statement` as SELECT ... FOR UPDATE, its rows read afresh once the lock is held.

    populate_existing: a row this session loaded before the lock may have changed since (another
    transaction committed while we waited); without it the identity map would hand back the stale
    copy and the checks made under the lock would read old values.
    """
    return statement.with_for_update(skip_locked=skip_locked).execution_options(populate_existing=True)


def asyncpg_url(url: str) -> str:
    """Accept the common libpq spellings and use the asyncpg driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def resolve_database_url(settings: Settings | None = None) -> str:
    """The configured server (DATABASE_URL, with the asyncpg driver), else the embedded one."""
    settings = settings or get_settings()
    if settings.database_url:
        return asyncpg_url(settings.database_url)
    return embedded_server_url(settings.db.embedded_dir, settings.db.embedded_database)


def migrate(database_url: str | None = None, *, own_logging: bool = True) -> None:
    """Apply the migrations; `own_logging=False` keeps the caller's log set-up (JSON lines)."""
    from alembic import command  # imported here: only migrating needs Alembic
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url or resolve_database_url()
    config.attributes["configure_logging"] = own_logging
    command.upgrade(config, "head")


def _ping_in_one_round_trip(dbapi_connection: Any) -> bool:
    """pool_pre_ping's check, `;` alone: SQLAlchemy's asyncpg dialect wraps it in BEGIN ... ROLLBACK
    (for PgBouncer's transaction mode, which we do not use), three round trips on every checkout.
    A dead connection still fails here and is replaced, as before."""
    dbapi_connection.autocommit = True  # the dialect's ping skips its transaction in autocommit
    try:
        dbapi_connection.ping()
    finally:
        dbapi_connection.autocommit = False
    return True


def build_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    engine = create_async_engine(
        url or resolve_database_url(settings),
        pool_size=settings.db.pool_size,
        max_overflow=settings.db.max_overflow,
        pool_timeout=settings.db.pool_timeout,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {
                "statement_timeout": str(settings.db.statement_timeout_ms),
                "application_name": "welfare-di-tutti",
                "timezone": "UTC",
            },
            "timeout": settings.db.connect_timeout,
        },
    )
    engine.sync_engine.dialect.do_ping = _ping_in_one_round_trip  # type: ignore[method-assign]
    return engine


def build_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def begin_read_only(session: AsyncSession) -> None:
    """Make the session's transaction READ ONLY before its first statement.

    A session on an engine begins its own transaction: asyncpg then sends `BEGIN READ ONLY` with the
    first statement, one round trip (a `SET TRANSACTION READ ONLY` after it was a second one). A
    session joining a transaction already open (the tests' savepoints) cannot change how that one
    began, so it sets the mode of its own part, which ends with it.
    """
    if isinstance(session.bind, AsyncEngine):
        await session.connection(execution_options={"postgresql_readonly": True})
    else:
        await session.execute(text("SET TRANSACTION READ ONLY"))


# The dependencies here, like every other, are `async def`: FastAPI runs a plain `def` one in a worker
# thread, a thread hop per dependency per request (tests/test_fixed_cost.py).
async def get_session(request: Request) -> AsyncSession:
    """The request's session, opened by ApiRoute (which owns commit and rollback)."""
    return request.state.session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_read_session(request: Request) -> AsyncSession:
    """The request's read-only session: ApiRoute sees this dependency and opens the session on the
    read engine, in a READ ONLY transaction."""
    return request.state.session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
