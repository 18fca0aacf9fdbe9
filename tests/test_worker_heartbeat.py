"""The worker's own liveness check: a heartbeat file its loop refreshes, read by `tutti worker --check`."""

import asyncio
import os
import subprocess
import sys
import time

from sqlalchemy.ext.asyncio import async_sessionmaker

from app import worker
from app.config import get_settings


def check_worker(heartbeat_path, max_age: float = 60) -> subprocess.CompletedProcess:  # noqa: ANN001
    env = {
        **os.environ,
        "WORKER__HEARTBEAT_PATH": str(heartbeat_path),
        "WORKER__HEARTBEAT_MAX_AGE_SECONDS": str(max_age),
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "worker", "--check"], env=env, capture_output=True, text=True, timeout=60
    )


async def test_the_webhook_loop_refreshes_the_heartbeat_and_the_check_passes(connection, tmp_path, monkeypatch):
    heartbeat = tmp_path / "worker.heartbeat"
    monkeypatch.setattr(get_settings().worker, "heartbeat_path", heartbeat)
    sessions = async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    stop = asyncio.Event()
    loop = asyncio.create_task(worker._webhooks(sessions, stop))
    try:
        for _ in range(200):  # up to 10 s
            if heartbeat.exists():
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)

    result = await asyncio.to_thread(check_worker, heartbeat)

    assert heartbeat.exists()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "worker alive" in result.stdout


def test_a_stale_heartbeat_fails_the_check_saying_the_worker_is_stuck(tmp_path):
    heartbeat = tmp_path / "worker.heartbeat"
    heartbeat.touch()
    five_minutes_ago = time.time() - 300
    os.utime(heartbeat, (five_minutes_ago, five_minutes_ago))

    result = check_worker(heartbeat, max_age=60)

    assert result.returncode == 1
    assert "over the 60 s limit" in result.stdout


def test_no_heartbeat_fails_the_check_saying_the_worker_is_not_running(tmp_path):
    result = check_worker(tmp_path / "never-written")

    assert result.returncode == 1
    assert "not running" in result.stdout
