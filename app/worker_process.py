"""The background worker as a child process of `tutti serve` (what `make run` starts).

`tutti serve` runs the API in its own process and `python -m app.worker` beside it, so that one
command runs the whole system: webhook delivery, request expiry, pool notice sweeps and every job
the worker runs. Production runs them apart (`tutti serve --no-worker` and `tutti worker`).

* Stopping: a terminal's Ctrl-C reaches both (one process group); a SIGTERM or SIGINT sent to
  `tutti serve` alone (docker stop, a test) is passed on by `stop()`. The worker finishes the
  sends in flight (each capped by WEBHOOKS__TIMEOUT_SECONDS), so `stop()` waits that long plus a
  margin before it kills.
* A worker that dies while the API runs is started again after a pause and the death is logged;
  one whose parent died (SIGKILL) notices and exits by itself (TUTTI_PARENT_PID, see app.worker).
"""

import logging
import os
import signal
import subprocess
import sys
import threading

log = logging.getLogger("app.worker_process")
PARENT_PID_VARIABLE = "TUTTI_PARENT_PID"
RESTART_DELAY_S = 5.0
STOP_MARGIN_S = 5.0


class WorkerProcess:
    def __init__(self, env: dict[str, str], *, stop_timeout: float) -> None:
        self.env = {**env, PARENT_PID_VARIABLE: str(os.getpid())}
        self.stop_timeout = stop_timeout + STOP_MARGIN_S
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> "WorkerProcess":
        self._spawn()
        threading.Thread(target=self._watch, name="worker-watch", daemon=True).start()
        return self

    def _spawn(self) -> None:
        # Same stdout/stderr as the API: one stream, each JSON line labelled "process": "worker".
        self.process = subprocess.Popen([sys.executable, "-m", "app.worker"], env=self.env)  # noqa: S603

    def _watch(self) -> None:
        while True:
            process = self.process
            assert process is not None
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("the worker exited while the API runs; starting it again", extra={"exit_code": code})
            if self._stopping.wait(RESTART_DELAY_S):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self._spawn()

    def stop(self) -> int | None:
        """Ask the worker to finish (SIGTERM), wait for it, kill it if it overstays; its exit code."""
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.error("the worker did not stop in time; killing it", extra={"timeout_s": self.stop_timeout})
            process.kill()
            return process.wait()
