"""A webhook worker SIGKILLed while a send is in flight: the event is delivered again, never lost.

Real processes throughout: `python -m app.worker` (twice) against a fresh migrated database, and a
real HTTP receiver on 127.0.0.1 that holds the first request open without answering.

1. A partner subscribes to `service.published`; one such event is written to the outbox (the row
   `app.ledger.emit` adds).
2. Worker #1 fans it out, leases the delivery (`locked_until` = now + WEBHOOKS__LEASE_SECONDS,
   `attempt_count` 1) and POSTs it; the receiver has the request in hand and does not answer.
3. Worker #1 is killed with SIGKILL. The delivery is still `pending` under its (now orphaned)
   lease, with no attempt recorded: nothing marked it failed, dead or succeeded.
4. Worker #2 starts. Nothing is sent before the lease runs out; then it claims the delivery again
   (`attempt_count` 2) and POSTs it; the receiver answers 200.

What the design records, truthfully: attempts are written only when their outcome is known, so the
killed attempt leaves no `webhook_attempt` row. The delivery ends `succeeded` with
`attempt_count` 2 (the lease/fencing counter: two claims) and ONE recorded attempt (the 200).
The receiver saw the same `webhook-id` (the delivery id) and the same body twice, each validly
signed (the timestamp, and so the signature, are fresh per send): it dedupes on `webhook-id`.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app.config import get_settings
from app.db import build_engine, build_sessionmaker
from app.models import OutboxEvent, WebhookSubscription
from app.webhooks import signing
from tests.database import create_migrated_database
from tests.factories import make_partner_client
from tests.faults.conftest import ROOT, libpq
from tests.webhooks.receiver import Receiver, Reply

LEASE_S = 3
HOLD_S = 10.0  # the first request is held this long: well past the kill
WORKER_ENV = {
    "ENV": "test",
    "LOG_LEVEL": "INFO",
    "WEBHOOKS__ALLOW_PRIVATE_TARGETS": "true",
    "WEBHOOKS__ALLOW_HTTP": "true",
    "WEBHOOKS__LEASE_SECONDS": str(LEASE_S),
    "WEBHOOKS__POLL_INTERVAL_SECONDS": "0.1",
    "WEBHOOKS__TIMEOUT_SECONDS": str(HOLD_S + 10),  # the held send never times out on its own
}


class Worker:
    """`python -m app.worker` (what `tutti worker` runs) as a child process."""

    def __init__(self, database_url: str) -> None:
        self.env = {**os.environ, "DATABASE_URL": libpq(database_url), **WORKER_ENV}
        self.log = tempfile.NamedTemporaryFile(prefix="tutti-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "app.worker"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()
        Path(worker.log.name).unlink(missing_ok=True)


@pytest.fixture
async def database_url(worker_id_name):
    name = f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_faults_killworker_{worker_id_name}"
    url = await create_migrated_database(name)
    yield url
    admin = await asyncpg.connect(libpq(make_url(url).set(database="postgres").render_as_string(hide_password=False)))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def subscribe_and_emit(database_url: str, receiver_url: str) -> tuple[WebhookSubscription, OutboxEvent]:
    engine = build_engine(get_settings(), database_url)
    try:
        async with build_sessionmaker(engine)() as session:
            partner = await make_partner_client(session, name="Partner Killcheck", scopes=("webhooks:manage",))
            subscription = WebhookSubscription(
                partner_client_id=partner.id,
                url=receiver_url,
                event_types=["service.published"],
                secret=signing.new_secret(),
                consecutive_failures=0,
            )
            session.add(subscription)
            await session.commit()  # the subscription exists before the event occurs
            service_id = uuid.uuid4()
            event = OutboxEvent(
                type="service.published",
                aggregate_type="service",
                aggregate_id=service_id,
                payload={"service_id": str(service_id)},
            )
            session.add(event)  # as app.ledger.emit does
            await session.commit()
            return subscription, event
    finally:
        await engine.dispose()


async def wait_for(condition, within: float, what: str, *workers: Worker) -> float:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(w.output()[-3000:] for w in workers)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.02)
    return time.monotonic()


def assert_signed(received, secret: str) -> None:
    headers = received.headers
    expected = signing.signature(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), received.body)
    assert headers["webhook-signature"].split(" ") == [expected]


async def test_a_worker_killed_mid_send_has_its_delivery_sent_again_after_the_lease(database_url, workers):
    with Receiver() as receiver:
        receiver.script = [Reply(delay_s=HOLD_S), Reply(status=200)]  # hold the first, then 200s
        subscription, event = await subscribe_and_emit(database_url, receiver.url())
        db = await asyncpg.connect(libpq(database_url))
        try:
            # 1. Worker #1 fans the event out, leases the delivery, and its POST is held open.
            first = Worker(database_url).start()
            workers.append(first)
            await wait_for(lambda: len(receiver.received) >= 1, 20, "worker #1's request", first)
            await asyncio.sleep(0.2)  # the request is in hand and unanswered
            # Worker #2 starts now, so that its start-up (seconds on a loaded machine) is not counted
            # in the redelivery time; it cannot claim the delivery while worker #1's lease runs.
            second = Worker(database_url).start()
            workers.append(second)
            first.kill()  # SIGKILL mid-send: no clean-up, no outcome recorded
            killed_at = time.monotonic()
            assert first.process.returncode == -9

            # 2. The delivery is neither lost nor settled: pending, under the dead worker's lease.
            delivery = await db.fetchrow(
                "SELECT * FROM webhook_delivery WHERE subscription_id = $1 AND event_id = $2",
                subscription.id,
                event.id,
            )
            assert delivery is not None, "the event was never fanned out"
            assert delivery["status"] == "pending"
            assert delivery["attempt_count"] == 1
            assert delivery["locked_until"] is not None and delivery["locked_until"] > datetime.now(UTC)
            assert delivery["completed_at"] is None
            assert await db.fetchval("SELECT count(*) FROM webhook_attempt WHERE delivery_id = $1", delivery["id"]) == 0
            lease_left_s = (delivery["locked_until"] - datetime.now(UTC)).total_seconds()

            # 3. Worker #2 sends it again once the lease has run out; this time the receiver answers.
            redelivered_at = await wait_for(
                lambda: len(receiver.received) >= 2, LEASE_S + 10, "the redelivery by worker #2", second
            )
            redelivery_s = redelivered_at - killed_at
            settled = None
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                settled = await db.fetchrow("SELECT * FROM webhook_delivery WHERE id = $1", delivery["id"])
                if settled["status"] != "pending":
                    break
                await asyncio.sleep(0.05)
            attempts = await db.fetch(
                "SELECT * FROM webhook_attempt WHERE delivery_id = $1 ORDER BY attempted_at", delivery["id"]
            )
            failures = await db.fetchval(
                "SELECT consecutive_failures FROM webhook_subscription WHERE id = $1", subscription.id
            )
        finally:
            await db.close()
            for worker in workers:
                worker.kill()

    print(
        f"\n[worker-kill] lease {LEASE_S} s, {lease_left_s:.2f} s of it left at the kill; redelivered "
        f"{redelivery_s:.2f} s after the SIGKILL; {len(receiver.received)} requests received; delivery "
        f"{settled['status']} with attempt_count={settled['attempt_count']}, {len(attempts)} attempt row(s)"
    )
    held, again = receiver.received[0], receiver.received[1]
    # The same delivery, the same event, validly signed both times.
    assert held.headers["webhook-id"] == again.headers["webhook-id"] == str(delivery["id"])
    assert held.body == again.body
    assert json.loads(again.body)["id"] == str(event.id)
    assert_signed(held, subscription.secret)
    assert_signed(again, subscription.secret)
    # Not before the dead worker's lease ran out (small slack for the clock reads), not much after.
    assert redelivery_s >= lease_left_s - 0.3
    assert redelivery_s <= LEASE_S + 5
    assert len(receiver.received) == 2  # exactly once more: worker #2 settled it
    # Settled by worker #2: succeeded, two claims, one recorded attempt (the killed one left none).
    assert settled["status"] == "succeeded"
    assert settled["attempt_count"] == 2
    assert settled["locked_until"] is None and settled["completed_at"] is not None
    assert settled["last_status_code"] == 200
    assert [(a["succeeded"], a["status_code"]) for a in attempts] == [(True, 200)]
    assert failures == 0
