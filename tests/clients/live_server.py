"""`tutti serve` (migrate, demo seed, uvicorn) on a fresh database, as a client meets it after
`make run`: on DATABASE_URL's server, else on the PostgreSQL at 127.0.0.1:5432 when one answers (CI's
PostgreSQL 15), else on the embedded one."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx

from tests.database import connect, empty_database, libpq, server_url

ROOT = Path(__file__).resolve().parents[2]
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TUTTI = ROOT / ".venv" / "bin" / "tutti"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _server() -> str:
    if os.environ.get("DATABASE_URL"):
        return server_url()
    try:
        await (await connect(LOCAL_SERVER)).close()
    except (OSError, asyncpg.PostgresError):
        return server_url()
    return LOCAL_SERVER


async def _fresh_database(name: str) -> str:
    return libpq(await empty_database(name, server=await _server()))


@contextlib.contextmanager
def live_server(database: str, *, start_timeout: float = 300) -> Iterator[str]:
    """Yield the base URL of `tutti serve` on a fresh `database`; stop it (SIGTERM) afterwards."""
    prefix = os.environ.get("TEST_DB_PREFIX")
    url = asyncio.run(_fresh_database(f"{prefix}_{database}" if prefix else database))
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "ENV": "dev", "LOG_LEVEL": "WARNING", "RATE_LIMIT__ENABLED": "false"}
    log = tempfile.NamedTemporaryFile(prefix="tutti-serve-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [str(TUTTI), "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout  # migrations and the demo seed
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tutti serve exited early:\n{Path(log.name).read_text()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"tutti serve not ready in {start_timeout} s:\n{Path(log.name).read_text()[-3000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()
