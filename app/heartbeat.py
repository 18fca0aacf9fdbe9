"""The worker's liveness: a file it touches after every webhook round (about every second when idle).

`tutti worker --check` (the worker container's healthcheck) passes while the file is younger than
WORKER__HEARTBEAT_MAX_AGE_SECONDS. A worker whose loop is stuck (a hung round, a blocked event loop)
stops touching it, and the orchestrator restarts it; the API's HTTP check says nothing about that.
A database outage does not stop the beats: rounds fail fast and the loop goes on, and a restart
would not bring the database back.
"""

import os
import time
from pathlib import Path


def beat(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)  # touch() on an existing file may keep its time on some filesystems


def check(path: Path, max_age_seconds: float, *, now: float | None = None) -> tuple[bool, str]:
    """(alive, a line saying why)."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except FileNotFoundError:
        return False, f"no worker heartbeat at {path} (WORKER__HEARTBEAT_PATH): the worker is not running"
    if age > max_age_seconds:
        return False, f"worker heartbeat {age:.0f} s old, over the {max_age_seconds:.0f} s limit: the worker is stuck"
    return True, f"worker alive: heartbeat {age:.1f} s old"
