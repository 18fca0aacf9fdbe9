"""`python -m bench.inprocess`: one scenario's requests, one at a time, through the app in this process.

For the fixed cost per request, where `bench.run` (wrk, 32 connections, two workers) would measure
the machine's noise: no HTTP server, no load generator, no other request in flight. Each request
goes straight to the ASGI app (a minimal driver, lighter than an HTTP client), the API's and the
raw baseline's (bench/raw_app.py) alternately, so their ratio comes from one run on one machine.

    python -m bench.inprocess --database-url postgresql://.../tutti_bench_city -n 300
    python -m bench.inprocess ... --profile search.txt     (pyinstrument, API requests only)

Prints, per target: the median and p95 wall time of a request, the median CPU time this process
spent on it (steadier than wall time on a shared machine), and what each request cost the database
connection: the statements the app ran (SQLAlchemy's cursor executes), the statements prepared,
and asyncpg's other round trips (BEGIN/COMMIT/ROLLBACK/SET and the pool's ping).
"""

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import scenarios

Asgi = Callable[..., Any]


@dataclass
class RoundTrips:
    """asyncpg calls that each cost one round trip to the server, by kind (a process-wide count)."""

    counts: Counter[str] = field(default_factory=Counter)

    def install(self) -> None:
        from asyncpg.connection import Connection
        from asyncpg.prepared_stmt import PreparedStatement

        def counted(owner: type, name: str, kind: Callable[[tuple], str]) -> None:
            original = getattr(owner, name)

            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.counts[kind(args)] += 1
                return await original(*args, **kwargs)

            setattr(owner, name, wrapper)

        # Simple-protocol statements: BEGIN, COMMIT, ROLLBACK, SET ..., the raw app's own queries.
        counted(Connection, "execute", lambda a: "simple: " + str(a[1]).split()[0].upper() if len(a) > 1 else "?")
        counted(Connection, "fetchrow", lambda a: "ping" if len(a) > 1 and a[1] == ";" else "fetch")
        counted(Connection, "fetch", lambda a: "fetch")
        counted(Connection, "fetchval", lambda a: "fetch")
        counted(Connection, "prepare", lambda a: "prepare")
        counted(PreparedStatement, "fetch", lambda a: "execute prepared")

    def take(self) -> Counter[str]:
        taken, self.counts = self.counts, Counter()
        return taken


async def call(app: Asgi, line: scenarios.Line) -> tuple[int, bytes]:
    """One request through the ASGI app, as uvicorn would hand it over."""
    path, _, query = line.path.partition("?")
    headers = [(b"host", b"bench"), (b"user-agent", b"bench.inprocess")]
    if line.token:
        headers.append((b"authorization", f"Bearer {line.token}".encode()))
    body = line.body.encode()
    if line.method == "POST":
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers.append((b"idempotency-key", secrets.token_hex(8).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": line.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # a client that stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


@dataclass
class Figures:
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    trips: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def summary(self) -> dict[str, Any]:
        ms = sorted(s * 1000 for s in self.seconds)
        n = len(ms)
        return {
            "requests": n,
            "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[min(n - 1, int(n * 0.95))], 2),
            "cpu_median_ms": round(statistics.median(self.cpu_seconds) * 1000, 2),
            "statements_per_request": round(sum(self.statements) / n, 2),
            "round_trips_per_request": {k: round(v / n, 2) for k, v in sorted(self.trips.items())},
            "errors": self.errors,
        }


def _server_env(url: str, secret: str) -> None:
    from bench.run import server_env

    os.environ.update(server_env(url, secret))
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


@contextlib.asynccontextmanager
async def _started(app: Any) -> AsyncIterator[Any]:
    async with app.router.lifespan_context(app):
        yield app


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    from app.config import AuthSettings, get_settings

    secret = secrets.token_urlsafe(48)
    _server_env(args.database_url, secret)
    get_settings.cache_clear()
    auth = AuthSettings(secret_key=secret, access_token_minutes=24 * 60)
    lines = (await scenarios.build(args.database_url, auth, seed=args.seed, size=max(args.n, 50)))[args.scenario]

    from app.main import create_app
    from bench import raw_app

    trips = RoundTrips()
    trips.install()
    statements = [0]
    targets = {"api": create_app(get_settings()), "raw": raw_app.app}
    figures = {name: Figures() for name in args.targets}
    profiler = None
    async with contextlib.AsyncExitStack() as stack:
        apps = {name: await stack.enter_async_context(_started(targets[name])) for name in args.targets}
        if "api" in apps:
            from sqlalchemy import event

            def count(*_: Any) -> None:
                statements[0] += 1

            event.listen(apps["api"].state.engine.sync_engine, "before_cursor_execute", count)
        for i in range(args.warmup):  # first-use caches (compiled SQL, prepared statements, types)
            for app in apps.values():
                line = lines[i % len(lines)]
                await call(app, line.raw() if app is not apps.get("api") else line)
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="enabled")
        for i in range(args.n):
            line = lines[i % len(lines)]
            for name, app in apps.items():
                trips.take()
                statements[0] = 0
                if profiler is not None and name == "api":
                    profiler.start()
                started, cpu_started = time.perf_counter(), time.process_time()
                status, _ = await call(app, line.raw() if name == "raw" else line)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                if profiler is not None and name == "api":
                    profiler.stop()
                target = figures[name]
                target.seconds.append(elapsed)
                target.cpu_seconds.append(cpu)
                target.statements.append(statements[0] if name == "api" else 0)
                target.trips.update(trips.take())
                target.errors += status >= 400
    if any(line.method == "POST" for line in lines):  # the requests it created, as bench.run removes them
        from bench.run import cleanup

        await cleanup(args.database_url)
    result = {name: f.summary() for name, f in figures.items()}
    if "api" in result and "raw" in result:
        result["ratio_of_medians"] = round(result["raw"]["median_ms"] / result["api"]["median_ms"], 2)
        result["ratio_of_cpu"] = round(result["raw"]["cpu_median_ms"] / result["api"]["cpu_median_ms"], 2)
    if profiler is not None:
        from pyinstrument.renderers import ConsoleRenderer

        tree = profiler.output(ConsoleRenderer(unicode=True, time="percent_of_total"))
        flat = profiler.output(ConsoleRenderer(flat=True, show_all=True, time="percent_of_total"))
        result["profile"] = f"{tree}\nSelf time by function, library frames included:\n{flat}"
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a generated database (python -m bench.generate)")
    parser.add_argument("--scenario", default="search_category_zone")
    parser.add_argument("-n", type=int, default=300, help="requests measured per target")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--targets", nargs="+", default=["api", "raw"], choices=["api", "raw"])
    parser.add_argument("--profile", help="write pyinstrument's text report of the API requests here")
    args = parser.parse_args(argv)
    args.database_url = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    result = asyncio.run(measure(args))
    if "profile" in result:
        Path(args.profile).write_text(result.pop("profile"), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
