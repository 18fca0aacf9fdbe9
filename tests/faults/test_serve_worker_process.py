"""`tutti serve` and the worker it runs beside the API, as real processes.

SIGTERM sent to `tutti serve` alone (docker stop, systemd, a process manager) stops the API and is
passed on to the worker: both exit cleanly, within the worker's send timeout. A `tutti serve`
killed outright (SIGKILL, OOM killer) cannot pass anything on: its worker notices that its parent
is gone and stops by itself. A worker that dies while the API runs is started again. (A
terminal's Ctrl-C reaches both processes at once: tests/test_make_run.py.)"""

import os
import signal
from collections.abc import Iterator

import pytest

from tests import database
from tests.database import drop_database
from tests.serve_process import Serve, database_name, gone, running_servers, wait_for


@pytest.fixture
def servers() -> Iterator[list[Serve]]:
    yield from running_servers()


@pytest.fixture(scope="module")
async def migrated_database(worker_id_name: str) -> Iterator[str]:
    name = database_name("faults_serve_worker", worker_id_name)
    yield await database.create_migrated_database(name)
    await drop_database(name)


async def test_sigterm_to_tutti_serve_alone_also_stops_the_worker(migrated_database, servers):
    server = Serve(migrated_database, "--no-demo")
    servers.append(server)
    await server.wait_until_up()
    worker_pid = await server.worker_pid()

    server.process.send_signal(signal.SIGTERM)  # docker stop / systemd: the main process only
    exit_code = await server.wait_exit()

    assert exit_code == 0 and gone(worker_pid)
    assert "Demo logins" not in server.output() and "Traceback" not in server.output()


async def test_a_worker_whose_tutti_serve_was_killed_stops_by_itself(migrated_database, servers):
    server = Serve(migrated_database, "--no-demo")
    servers.append(server)
    await server.wait_until_up()
    worker_pid = await server.worker_pid()

    server.process.kill()  # SIGKILL to `tutti serve` only: nothing is passed on
    server.process.wait(10)

    async def worker_gone() -> bool:
        return gone(worker_pid)

    await wait_for("the orphaned worker stopping", worker_gone, 10.0, server.output)
    assert "tutti serve is gone; the worker stops" in server.output()


async def test_a_worker_that_dies_while_the_api_runs_is_started_again(migrated_database, servers):
    server = Serve(migrated_database, "--no-demo")
    servers.append(server)
    await server.wait_until_up()
    first_pid = await server.worker_pid()

    os.kill(first_pid, signal.SIGKILL)  # a crash, the OOM killer

    async def restarted() -> int | None:
        pids = [line["pid"] for line in server.log_lines() if line.get("msg", "").startswith("worker started")]
        return next((pid for pid in pids if pid != first_pid), None)

    second_pid = await wait_for("the worker started again", restarted, 30.0, server.output)
    assert gone(first_pid) and not gone(second_pid)
    assert "the worker exited while the API runs; starting it again" in server.output()
    server.process.send_signal(signal.SIGTERM)
    assert await server.wait_exit() == 0 and gone(second_pid)
