"""`make run` runs the whole system: `tutti serve` as a real process, on a fresh database, with a
real webhook receiver on this machine.

It migrates and seeds an empty database, serves the API, and runs the worker beside it: a webhook
registered to a local receiver (ENV=dev) is delivered, a request past its validity is recorded as
expired by the worker's sweep, and one Ctrl-C (SIGINT to the process group, as a terminal sends
it) stops both processes. `--no-worker` (production) serves the API alone. SIGTERM sent to
`tutti serve` alone (docker stop) is a fault check: tests/faults/test_serve_worker_process.py.

In the default suite, not `make faults`: `make run` is the README's first command, and this is the
only test that runs it as a user does. Cost: two server starts, about 25 CPU-seconds in all, most
of it migrating and seeding the empty database and importing the app in two processes. Measured on
the shared 2-core machine with 7 other sessions (load 7-9): the first test 29-38 s (`tutti serve` up
after 12-31 s), the second 11-15 s. Not measured on an idle machine; the CPU time suggests about half.
"""

import os
import signal
import time
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from app.seed.demo import DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET
from tests import database
from tests.database import drop_database, libpq
from tests.demand.conftest import request_body
from tests.serve_process import (
    EVENT_TIMEOUT_S,
    Serve,
    database_name,
    gone,
    running_servers,
    wait_for,
)
from tests.webhooks.receiver import Receiver

CITIZEN = ("giulia.cittadina@demo.welfareditutti.it", "demo-cittadina-2026")


@pytest.fixture
async def empty_database(worker_id_name: str) -> Iterator[str]:
    name = database_name("make_run", worker_id_name)
    yield await database.empty_database(name)
    await drop_database(name)


@pytest.fixture
def servers() -> Iterator[list[Serve]]:
    yield from running_servers()


@pytest.fixture
async def migrated_database(worker_id_name: str) -> Iterator[str]:
    name = database_name("make_run_migrated", worker_id_name)
    yield await database.create_migrated_database(name)
    await drop_database(name)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


async def token(client: httpx.AsyncClient, **form: str) -> dict[str, str]:
    response = await client.post("/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.timeout(240)  # its own deadlines (start 60 s, events 15 s each, stop 20 s) fail first
async def test_make_run_serves_the_api_runs_the_worker_and_one_ctrl_c_stops_both(empty_database, servers, receiver):
    started = time.monotonic()
    server = Serve(empty_database)
    servers.append(server)
    await server.wait_until_up()
    up_after = time.monotonic() - started
    worker_pid = await server.worker_pid()

    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        health = await client.get("/healthz")
        partner = await token(
            client, grant_type="client_credentials", client_id=DEMO_PARTNER_CLIENT_ID, client_secret=DEMO_PARTNER_SECRET
        )
        hook = await client.post("/v1/webhooks", json={"url": receiver.url(), "event_types": ["*"]}, headers=partner)
        assert hook.status_code == 201, hook.text
        ping = await client.post(f"/v1/webhooks/{hook.json()['id']}/test", headers=partner)
        citizen = await token(client, grant_type="password", username=CITIZEN[0], password=CITIZEN[1])
        created = await client.post("/v1/requests", json=request_body(), headers=citizen)
        assert created.status_code == 201, created.text
    request_id = uuid.UUID(created.json()["id"])
    db = await asyncpg.connect(libpq(empty_database), timeout=10, command_timeout=10)
    try:
        # Its validity (7 days) runs out in a second: the worker's sweep, not a read, records it.
        await db.execute(
            "UPDATE demand_request SET valid_until = now() + interval '1 second' WHERE id = $1", request_id
        )

        async def received() -> list:
            return receiver.received

        async def recorded_expired() -> bool:
            status = await db.fetchval("SELECT status::text FROM demand_request WHERE id = $1", request_id)
            return status == "expired"

        async def mailed() -> list:
            return [line for line in server.log_lines() if line["msg"].startswith("e-mail written to the log")]

        delivered = await wait_for("the test webhook at the local receiver", received, EVENT_TIMEOUT_S, server.output)
        # The demo's notifications are e-mailed to the log, their links pointing at this server's port.
        logged_mail = await wait_for("an e-mail written to the log", mailed, EVENT_TIMEOUT_S, server.output)
        await wait_for("the worker expiring the request", recorded_expired, EVENT_TIMEOUT_S, server.output)
    finally:
        await db.close()

    os.killpg(server.process.pid, signal.SIGINT)  # Ctrl-C in the terminal that ran `make run`
    stop_sent = time.monotonic()
    exit_code = await server.wait_exit()
    stopped_after = time.monotonic() - stop_sent

    print(f"\n[make run] up after {up_after:.1f} s (fresh database); stopped {stopped_after:.1f} s after Ctrl-C")
    output, lines = server.output(), server.log_lines()
    assert "server" not in health.headers  # audit finding 9: no Server header naming the software
    assert ping.status_code == 202 and delivered[0].headers["webhook-id"] == ping.json()["id"]
    assert exit_code == 0 and gone(worker_pid)
    assert "/docs" in output and "Demo logins" in output and "Worker:  running" in output and "Ctrl-C" in output
    assert "E-mail:  written to the log" in output  # no MAIL__SMTP_HOST in development
    assert all(f"{server.base_url}/v1/email/unsubscribe/" in line["text"] for line in logged_mail)
    assert {line["process"] for line in lines} == {"api", "worker"}  # every JSON line says who wrote it
    assert any(line["process"] == "worker" and line["msg"] == "worker stopped" for line in lines)
    assert any(line["process"] == "api" and line["msg"] == "Application shutdown complete." for line in lines)
    assert "Traceback" not in output and "tutti serve: stopped (API and worker)" in output


async def test_no_worker_serves_the_api_alone(migrated_database, servers):
    server = Serve(migrated_database, "--no-demo", "--no-worker")
    servers.append(server)
    await server.wait_until_up()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        responses = [await client.get(path) for path in ("/healthz", "/v1/zones", "/v1/no-such-path")]

    server.process.send_signal(signal.SIGINT)
    exit_code = await server.wait_exit()

    assert [r.status_code for r in responses] == [200, 200, 404] and responses[2].json()["code"] == "not_found"
    assert all("server" not in r.headers for r in responses)  # audit finding 9, on answers and errors
    assert exit_code == 0
    assert "Worker:  not started here (--no-worker)" in server.output()
    assert {line["process"] for line in server.log_lines()} == {"api"}
