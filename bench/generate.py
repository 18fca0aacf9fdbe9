"""`python -m bench.generate` (`make generate`): fill a database with a synthetic Milan, fast (COPY, no ORM).

    python -m bench.generate --scale city --database-url postgresql://postgres@127.0.0.1:5432/tutti_bench_city

Tooling outside the product: the app never imports bench, and only `app` is packaged.

Scales: tiny (tests), small, city (200k citizens, 20k providers, 100k services, 1M requests of
which 50k open), region (ten times city). Deterministic for a given --seed (timestamps are relative
to the run's start, so open requests are still open when the benchmark runs).

One step per table, in dependency order (STEPS). The database is migrated and the reference data
seeded first; secondary indexes of the loaded tables are dropped during the load and rebuilt
after it (faster than maintaining them row by row), foreign-key triggers are skipped where the
role allows it (the steps produce consistent rows; tests/test_generator.py checks it), and
everything is VACUUM ANALYZEd at the end.
"""

import argparse
import asyncio
import contextlib
import json
import sys
import time
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.engine import make_url

from bench import steps_catalog, steps_demand, steps_people, steps_sharing
from bench.load import SCALES, Load
from bench.world import Ids, build_world

BENCH_PASSWORD = "bench-password-2026"  # every generated account signs in with it

# (name, function, tables it fills).
STEPS = (
    ("users", steps_people.users, ("user_account",)),
    ("providers", steps_people.providers, ("provider",)),
    ("staff", steps_people.staff, ("user_account", "provider_staff")),
    ("verifications", steps_people.verifications, ("verification",)),
    ("services", steps_catalog.services, ("service",)),
    ("demand_requests", steps_demand.demand_requests, ("demand_request",)),
    ("invitations", steps_demand.invitations, ("request_invitation",)),
    ("offers", steps_demand.offers, ("offer",)),
    ("hubs", steps_sharing.hubs, ("hub", "hub_zone", "hub_operator")),
    ("condominiums", steps_sharing.condominiums, ("condominium", "condominium_member")),
    ("pools", steps_sharing.pools, ("pool", "pool_member", "pool_offer")),
)
TABLES = tuple(dict.fromkeys(t for _, _, tables in STEPS for t in tables))


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def resolve_url(database_url: str | None, database: str) -> str:
    """The target database: --database-url, else DATABASE_URL's server with `database`, else the
    embedded server (like `make run`)."""
    from app.config import get_settings
    from app.embedded import embedded_server_url

    if database_url:
        return libpq_url(database_url)
    settings = get_settings()
    if settings.database_url:
        return libpq_url(make_url(settings.database_url).set(database=database).render_as_string(hide_password=False))
    return libpq_url(embedded_server_url(settings.db.embedded_dir, database))


async def ensure_database(url: str) -> None:
    target = make_url(url)
    try:
        (await asyncpg.connect(url)).terminate()
        return
    except asyncpg.InvalidCatalogNameError:
        pass
    admin = await asyncpg.connect(target.set(database="postgres").render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await admin.close()


async def seed_reference(url: str) -> None:
    from app.config import get_settings
    from app.db import build_engine, build_sessionmaker
    from app.seed.reference import seed_reference as seed

    engine = build_engine(get_settings(), make_url(url).set(drivername="postgresql+asyncpg"))
    try:
        async with build_sessionmaker(engine)() as session:
            await seed(session)
            await session.commit()
    finally:
        await engine.dispose()


async def _secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the loaded tables' indexes that back no constraint."""
    rows = await conn.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        ORDER BY i.tablename, i.indexname
        """,
        list(TABLES),
    )
    return [(r["indexname"], r["indexdef"]) for r in rows]


async def generate(url: str, scale_name: str, *, seed: int, reset: bool, password_hash: str) -> dict:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    await ensure_database(url)
    from app.db import migrate

    await asyncio.to_thread(migrate, make_url(url).set(drivername="postgresql+asyncpg").render_as_string(False))
    await seed_reference(url)
    timings["migrate_and_reference"] = time.perf_counter() - started
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM user_account)"):
            if not reset:
                raise SystemExit("the database already has accounts: pass --reset to replace them")
            await conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        await conn.execute("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'")
        # Skip foreign-key triggers during the load (superuser only); the steps keep integrity.
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET session_replication_role = replica")
        indexes = await _secondary_indexes(conn)
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        load = Load(
            conn=conn,
            world=build_world(seed),
            scale=SCALES[scale_name],
            seed=seed,
            now=now,
            password_hash=password_hash,
            ids=Ids(seed),
        )
        for name, step, _ in STEPS:
            t0 = time.perf_counter()
            async with conn.transaction():
                await step(load)
            timings[name] = time.perf_counter() - t0
            print(f"  {name}: {timings[name]:.1f}s", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        for _, statement in indexes:
            await conn.execute(statement)
        timings["indexes"] = time.perf_counter() - t0
        await conn.execute("RESET session_replication_role")
        t0 = time.perf_counter()
        for table in TABLES:
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        timings["vacuum_analyze"] = time.perf_counter() - t0
    finally:
        await conn.close()
    timings["total"] = time.perf_counter() - started
    return {
        "scale": scale_name,
        "seed": seed,
        "counts": load.counts,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }


def bench_password_hash() -> str:
    """One Argon2id hash (the app's parameters) shared by every generated account."""
    from argon2 import PasswordHasher

    from app.config import get_settings

    auth = get_settings().auth
    hasher = PasswordHasher(
        time_cost=auth.argon2_time_cost, memory_cost=auth.argon2_memory_kib, parallelism=auth.argon2_parallelism
    )
    return hasher.hash(BENCH_PASSWORD)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--database-url", help="target database (default: tutti_bench_<scale> on DATABASE_URL's "
                        "server, else on the embedded server)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="replace generated data already in the database")


def run(args: argparse.Namespace) -> dict:
    url = resolve_url(args.database_url, f"tutti_bench_{args.scale}")
    print(f"generating scale={args.scale} into {make_url(url).database}", file=sys.stderr, flush=True)
    summary = asyncio.run(
        generate(url, args.scale, seed=args.seed, reset=args.reset, password_hash=bench_password_hash())
    )
    print(json.dumps(summary))
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    add_arguments(parser)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
