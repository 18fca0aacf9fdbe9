"""/metrics is one view of every uvicorn worker: `tutti serve --workers 2` as a real server."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests import database

REQUESTS = 40
SCRAPES = 6
START_TIMEOUT_S = 90  # migrations, reference data, two workers: seconds on a loaded machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def empty_database_url(worker_id_name: str) -> str:
    name = f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_metrics_workers_{worker_id_name}"
    return database.libpq(await database.empty_database(name))


@pytest.fixture
def two_worker_server(empty_database_url: str, tmp_path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": empty_database_url, "ENV": "test", "LOG_LEVEL": "WARNING"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = (tmp_path / "server.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--workers", "2", "--port", str(port), "--no-demo"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base_url, log)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()


def wait_until_healthy(process: subprocess.Popen, base_url: str, log) -> None:  # noqa: ANN001
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    log.seek(0)
    pytest.fail(f"`tutti serve --workers 2` did not answer /healthz within {START_TIMEOUT_S} s:\n{log.read()[-3000:]}")


def counted(metrics_text: str) -> float:
    match = re.search(r'^http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$', metrics_text, re.M)
    return float(match.group(1)) if match else 0.0


@pytest.mark.timeout(240)
def test_a_counter_scraped_six_times_from_two_workers_never_goes_down_and_equals_the_requests(two_worker_server):
    baseline = counted(httpx.get(f"{two_worker_server}/metrics", timeout=10).text)  # start-up probes

    for _ in range(REQUESTS):
        # A new connection each time, so that both workers get requests.
        assert httpx.get(f"{two_worker_server}/healthz", timeout=10).status_code == 200
    scrapes = [counted(httpx.get(f"{two_worker_server}/metrics", timeout=10).text) for _ in range(SCRAPES)]

    assert scrapes == [baseline + REQUESTS] * SCRAPES
