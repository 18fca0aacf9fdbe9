"""`tutti serve` (what `make run` runs) as a real process group, for tests/test_make_run.py and the
fault check tests/faults/test_serve_worker_process.py. Every wait has a deadline; a failure shows the
server's output."""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.database import libpq

ROOT = Path(__file__).resolve().parents[1]
TUTTI = Path(sys.executable).with_name("tutti")  # the console script `make run` calls
START_TIMEOUT_S = 60.0  # migrate + seed an empty database, then serve (a loaded CI machine)
EVENT_TIMEOUT_S = 15.0  # a delivery or an expiry after the worker's 1 s polls
STOP_TIMEOUT_S = 20.0  # uvicorn's shutdown, then the worker's (its sends are capped at 10 s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_for(what: str, check: Callable[[], Awaitable[Any]], within_s: float, output: Callable[[], str]) -> Any:
    """Poll `check` until it returns something true; fail with the server's output at the deadline."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    pytest.fail(f"{what}: nothing after {within_s} s\n--- tutti serve output ---\n{output()}")


class Serve:
    """`tutti serve` in its own process group (as a shell runs `make run`), output in a file."""

    def __init__(self, database_url: str, *args: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="tutti-serve-", suffix=".log", delete=False)  # noqa: SIM115
        env = {
            **os.environ,
            "ENV": "dev",  # what `make run` runs with (the test suite sets ENV=test)
            "DATABASE_URL": libpq(database_url),
            "LOG_LEVEL": "INFO",
            "WORKER__SWEEP_INTERVAL_SECONDS": "1",  # the expiry sweep, without waiting 5 minutes
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(TUTTI), "serve", "--port", str(self.port), *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    async def wait_until_up(self) -> None:
        async def up() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"tutti serve exited early ({self.process.returncode}):\n{self.output()}")
            with contextlib.suppress(httpx.TransportError):
                async with httpx.AsyncClient(timeout=1) as client:
                    return (await client.get(f"{self.base_url}/healthz")).status_code == 200
            return False

        await wait_for("tutti serve answering /healthz", up, START_TIMEOUT_S, self.output)

    async def worker_pid(self) -> int:
        async def started() -> int | None:
            lines = self.log_lines()
            return next((line["pid"] for line in lines if line.get("msg", "").startswith("worker started")), None)

        return await wait_for("the worker's start-up line", started, EVENT_TIMEOUT_S, self.output)

    async def wait_exit(self) -> int:
        try:
            return await asyncio.to_thread(self.process.wait, STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"tutti serve still running {STOP_TIMEOUT_S} s after the stop:\n{self.output()}")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the group: the worker too
        self.process.wait(10)
        Path(self.log.name).unlink(missing_ok=True)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def database_name(suffix: str, worker: str) -> str:
    return f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_{suffix}_{worker}"


def running_servers() -> Iterator[list[Serve]]:
    """For a fixture: start Serve instances through this list; whatever still runs is killed."""
    started: list[Serve] = []
    yield started
    for server in started:
        server.kill()
