"""`tutti worker` as a real process: it keeps its heartbeat fresh and serves its metrics on a port."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.database import create_migrated_database

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook_rounds(metrics_text: str) -> float:
    match = re.search(r'^worker_job_duration_seconds_count\{job="webhooks"\} (\S+)$', metrics_text, re.M)
    return float(match.group(1)) if match else 0.0


@pytest.fixture
async def worker_database_url(worker_id_name: str) -> str:
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")
    return await create_migrated_database(f"{prefix}_worker_process_{worker_id_name}")


@pytest.mark.timeout(180)
def test_a_worker_on_its_own_serves_its_metrics_on_its_port_and_passes_its_heartbeat_check(
    worker_database_url, tmp_path
):
    url = worker_database_url
    port, heartbeat = free_port(), tmp_path / "worker.heartbeat"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WORKER__METRICS_PORT": str(port),
        "WORKER__HEARTBEAT_PATH": str(heartbeat),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = (tmp_path / "worker.log").open("w+")
    command = [sys.executable, "-m", "app.cli", "worker"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        rounds, deadline = 0.0, time.monotonic() + START_TIMEOUT_S
        while rounds < 2 and time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(httpx.TransportError):
                rounds = webhook_rounds(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text)
            time.sleep(0.2)
        check = subprocess.run([*command, "--check"], env=env, capture_output=True, text=True, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.seek(0)
        output = log.read()
        log.close()

    assert rounds >= 2, f"no webhook rounds in the worker's metrics within {START_TIMEOUT_S} s:\n{output[-3000:]}"
    assert check.returncode == 0, check.stdout + check.stderr
    assert process.returncode == 0, output[-3000:]
