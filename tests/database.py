"""Creating the test databases on the embedded server or on DATABASE_URL's server."""

import asyncio

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.config import get_settings
from app.db import build_engine, build_sessionmaker, resolve_database_url


def server_url() -> str:
    """An asyncpg URL of DATABASE_URL's server, or of the embedded one (started if needed)."""
    return resolve_database_url(get_settings())


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_migrated_database(name: str, *, demo: bool = False, server: str | None = None) -> str:
    """Drop and recreate `name` (on `server`, an asyncpg URL, or the usual one), run the migrations
    and seed reference (and optionally demo) data."""
    base = make_url(server or server_url())
    admin = await asyncpg.connect(_libpq(base.render_as_string(hide_password=False)))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = base.set(database=name).render_as_string(hide_password=False)
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
    from app.cli import migrate

    migrate(url)


def make_engine(url: str, **kwargs) -> AsyncEngine:
    return create_async_engine(url, **kwargs)
