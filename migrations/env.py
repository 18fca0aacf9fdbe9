"""Alembic environment: async engine, URL from the app's settings unless one is passed in.

Migrations run under a PostgreSQL advisory lock, so that replicas (or `tutti migrate` jobs) starting
together apply each migration once: the first takes the lock and migrates; the others wait for it,
then find the database at head and do nothing. The lock is session-level (it outlives the commit of
the migrations' transaction) and PostgreSQL releases it if the migrating process dies.
"""

import asyncio
import logging
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import get_settings
from app.db import resolve_database_url
from app.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
log = logging.getLogger("alembic.env")

# The advisory lock's key: any bigint the application uses for nothing else ("tutti" in ASCII hex).
MIGRATION_LOCK_KEY = 0x7475747469
# How long a migrator waits for another one to finish before giving up (the lock wait is a lock
# wait: lock_timeout applies). Generous: a slow migration on a big table may take minutes.
MIGRATION_LOCK_TIMEOUT = "10min"


def _url() -> str:
    return config.attributes.get("database_url") or resolve_database_url(get_settings())


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url())
    try:
        async with engine.connect() as connection:
            await _take_migration_lock(connection)
            try:
                await connection.run_sync(_run)
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                await connection.commit()
    finally:
        await engine.dispose()


async def _take_migration_lock(connection) -> None:  # noqa: ANN001 - an AsyncConnection
    await connection.execute(text(f"SET lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'"))
    if not await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}):
        log.info("another process is migrating this database: waiting for it")
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    await connection.execute(text("RESET lock_timeout"))
    # End the implicit transaction: Alembic opens its own; the session-level lock stays held.
    await connection.commit()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # called from code that already holds a connection
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
