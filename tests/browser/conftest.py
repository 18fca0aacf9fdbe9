"""A live `tutti serve` and Debian's Chromium, with every request off this machine blocked.

Runs with `make browser` (CI only: it needs Chromium and Playwright, which the README's two
commands never install); tests/conftest.py skips this folder unless TUTTI_BROWSER=1.

* The server is `tutti serve` (migrate, seed the demo data, serve), as `make run` starts it, on a free
  port, against a freshly created database `<TEST_DB_PREFIX>_browser` on DATABASE_URL's server, else
  on the PostgreSQL at 127.0.0.1:5432, else in the embedded server.
* The browser is Chromium from Debian's package (CHROMIUM, default /usr/bin/chromium) driven by
  Playwright for Python, started without background networking, and with a host-resolver rule that
  resolves no name but localhost. Every request the pages make goes through a route that lets only
  loopback addresses through and aborts and records the rest: the tests assert that none was needed.
"""

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Route, async_playwright

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
START_TIMEOUT_S = 300  # migrations and the whole demo seed on a loaded 2-core machine
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-gpu",
    # Chromium's own traffic (not the page's) does not pass through Playwright's routes: resolve no
    # host name but localhost, so that nothing can leave the machine even outside the routes.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _reachable(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def _recreate(server: str, name: str) -> str:
    conn = await asyncpg.connect(server, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{server.rpartition('/')[0]}/{name}"


def fresh_database_env(name: str) -> dict[str, str]:
    """Environment that points `tutti serve` at a newly created, empty database."""
    server = os.environ.get("DATABASE_URL") or LOCAL_SERVER
    if os.environ.get("DATABASE_URL") or asyncio.run(_reachable(LOCAL_SERVER)):
        return {"DATABASE_URL": asyncio.run(_recreate(server, name))}
    from app.config import get_settings  # the embedded server `make run` uses, with a database of our own
    from app.embedded import embedded_server

    embedded = embedded_server(get_settings().db.embedded_dir)
    embedded.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
    return {"DB__EMBEDDED_DATABASE": name}


@dataclass
class LiveServer:
    base_url: str
    log: Path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    name = f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_browser"
    port = free_port()
    log = tmp_path_factory.mktemp("browser") / "tutti-serve.log"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ENV"}}
    env |= fresh_database_env(name) | {"ENV": "dev", "LOG_LEVEL": "WARNING", "RATE_LIMIT__ENABLED": "false"}
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, as `make run` starts it
            [str(BIN / "tutti"), "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its uvicorn (and worker) children stop with it
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"tutti serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"tutti serve not ready after {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        yield LiveServer(base_url, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        pytest.fail(f"no Chromium at {path}: `make browser` installs Debian's package (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, timeout=60_000)
        yield browser
        await browser.close()


@dataclass
class OfflineContext:
    """A browser context whose requests may only reach this machine; `blocked` lists the others."""

    context: BrowserContext
    blocked: list[str] = field(default_factory=list)


@pytest.fixture
async def offline(browser: Browser) -> AsyncIterator[OfflineContext]:
    context = await browser.new_context()
    # Generous: ReDoc builds its page for all 160+ operations in the browser, which took over 30 s on
    # a loaded 2-core machine; a real hang still ends at this limit, with the locator it waited for.
    context.set_default_timeout(120_000)
    offline = OfflineContext(context)

    async def only_loopback(route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob"} or parts.hostname in LOOPBACK_HOSTS:
            await route.continue_()
        else:
            offline.blocked.append(url)
            await route.abort("blockedbyclient")

    await context.route("**/*", only_loopback)
    yield offline
    await context.close()
