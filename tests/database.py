"""Creating the test databases on the embedded server or on DATABASE_URL's server."""

import asyncio

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.config import get_settings
from app.db import build_engine, build_sessionmaker, resolve_database_url

# No test may wait forever on PostgreSQL. Every connection the tests open (their engines and their raw
# asyncpg connections) gets these limits: far above anything a healthy run needs, even on a loaded
# 2-core machine (the slowest statement of the suite takes well under a second), yet a lock that is
# never released fails the waiting statement with "canceling statement due to lock timeout" (55P03)
# instead of hanging the run. pytest-timeout (pyproject.toml) is the last line behind them.
LOCK_TIMEOUT_MS = 20_000
STATEMENT_TIMEOUT_MS = 60_000
CONNECT_TIMEOUT_S = 10.0
SERVER_SETTINGS = {"lock_timeout": str(LOCK_TIMEOUT_MS), "statement_timeout": str(STATEMENT_TIMEOUT_MS)}


def server_url() -> str:
    """An asyncpg URL of DATABASE_URL's server, or of the embedded one (started if needed)."""
    return resolve_database_url(get_settings())


def libpq(url: str) -> str:
    """The libpq spelling of a database URL (what asyncpg, psql and child processes' env take)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def drop_database(name: str, *, server: str | None = None) -> None:
    """Drop `name` on `server` (any URL spelling; default: the tests' server), closing its sessions."""
    admin = await connect(server or server_url())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def empty_database(name: str, *, server: str | None = None) -> str:
    """Drop and recreate `name` with nothing in it, as on a first `make run`; its URL, spelled as
    `server`'s (default: the tests' server, an asyncpg URL)."""
    base = make_url(server or server_url())
    await drop_database(name, server=base.render_as_string(hide_password=False))
    admin = await connect(base.render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return base.set(database=name).render_as_string(hide_password=False)


async def create_migrated_database(name: str, *, demo: bool = False, server: str | None = None) -> str:
    """Drop and recreate `name` (on `server`, an asyncpg URL, or the usual one), run the migrations
    and seed reference (and optionally demo) data."""
    url = await empty_database(name, server=server)
    await asyncio.to_thread(_migrate, url)
    engine = build_engine(get_settings(), url)
    try:
        async with build_sessionmaker(engine)() as session:
            from app.seed.reference import seed_reference

            await seed_reference(session)
            if demo:
                from app.seed.demo import seed_demo

                await seed_demo(session)
            await session.commit()
    finally:
        await engine.dispose()
    return url


def _migrate(url: str) -> None:
    from app.db import migrate

    migrate(url)


async def connect(url: str, **server_settings: str) -> asyncpg.Connection:
    """A raw asyncpg connection (any URL spelling) with the test limits; `server_settings` override them."""
    return await asyncpg.connect(
        libpq(url), timeout=CONNECT_TIMEOUT_S, server_settings={**SERVER_SETTINGS, **server_settings}
    )


def make_engine(url: str, **kwargs) -> AsyncEngine:
    """An engine with the test limits; settings in `connect_args["server_settings"]` override them."""
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args["server_settings"] = {**SERVER_SETTINGS, **connect_args.get("server_settings", {})}
    connect_args.setdefault("timeout", CONNECT_TIMEOUT_S)
    return create_async_engine(url, connect_args=connect_args, **kwargs)
