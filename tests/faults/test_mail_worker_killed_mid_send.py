"""A mail worker SIGKILLed while an e-mail is in the SMTP server's hands: the e-mail is sent again
once the lease runs out, exactly once more, and never lost.

Real processes throughout: `python -m app.worker` (twice) against a fresh migrated database, and a
real SMTP server (aiosmtpd) on 127.0.0.1 that holds the first DATA without answering.

1. A notification is written as every domain writes it (`ledger.notify`), for a person whose
   preference for its kind is the default, `instant`.
2. Worker #1 routes it (a new e-mail delivery), leases the delivery (`locked_until` = now +
   MAIL__LEASE_SECONDS, `attempt_count` 1) and sends it; the server has the message in hand and
   does not answer.
3. Worker #1 is killed with SIGKILL. The delivery is still `pending` under its orphaned lease.
4. Worker #2 (started meanwhile) sends nothing before the lease runs out; then it claims the
   delivery again (`attempt_count` 2) and sends it; the server accepts it (250).

The server saw the same e-mail twice (same Message-ID: the delivery's id), accepted it once (the
first conversation never got its 250), and nothing is sent a third time.
"""

import asyncio
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

from app import ledger
from app.config import get_settings
from app.db import build_engine, build_sessionmaker
from tests.database import create_migrated_database
from tests.factories import make_user
from tests.faults.conftest import ROOT, libpq
from tests.notifications.smtp_server import SmtpServer

LEASE_S = 4
HOLD_S = 12.0  # the first DATA is held this long: well past the kill


def worker_env(database_url: str, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": libpq(database_url),
        "ENV": "test",
        "LOG_LEVEL": "INFO",
        "MAIL__SMTP_HOST": "127.0.0.1",
        "MAIL__SMTP_PORT": str(smtp_port),
        "MAIL__SMTP_TLS": "none",
        "MAIL__LEASE_SECONDS": str(LEASE_S),
        "MAIL__TIMEOUT_SECONDS": "2",  # below the lease: a send the lease would not cover is not started
        "MAIL__POLL_INTERVAL_SECONDS": "0.1",
        "WORKER__HEARTBEAT_PATH": str(Path(tempfile.gettempdir()) / f"tutti-mail-fault-{uuid.uuid4().hex}"),
    }


class Worker:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.log = tempfile.NamedTemporaryFile(prefix="tutti-mail-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "app.worker"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
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
    name = f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_faults_killmail_{worker_id_name}"
    url = await create_migrated_database(name)
    yield url
    admin = await asyncpg.connect(libpq(make_url(url).set(database="postgres").render_as_string(hide_password=False)))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def write_notification(database_url: str) -> uuid.UUID:
    engine = build_engine(get_settings(), database_url)
    try:
        async with build_sessionmaker(engine)() as session:
            person = await make_user(session, email="killcheck@example.org", full_name="Kill Check")
            subject_id = uuid.uuid4()
            ledger.notify(session, [person.id], kind="pool.invitation", subject_type="pool", subject_id=subject_id)
            await session.commit()
            return person.id
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


async def test_a_mail_worker_killed_mid_send_has_its_email_sent_again_once_after_the_lease(database_url, workers):
    with SmtpServer() as smtp:
        smtp.handler.hold_first_s = HOLD_S
        person_id = await write_notification(database_url)
        env = worker_env(database_url, smtp.port)
        db = await asyncpg.connect(libpq(database_url))
        try:
            first = Worker(env).start()
            workers.append(first)
            await wait_for(lambda: len(smtp.handler.attempts) >= 1, 30, "worker #1's DATA", first)
            await asyncio.sleep(0.2)  # the message is in the server's hands, unanswered
            second = Worker(env).start()  # starts meanwhile; the lease keeps it off the delivery
            workers.append(second)
            first.kill()
            killed_at = time.monotonic()
            assert first.process.returncode == -9

            delivery = await db.fetchrow("SELECT * FROM email_delivery WHERE user_id = $1", person_id)
            assert delivery is not None and delivery["status"] == "pending"
            assert delivery["attempt_count"] == 1 and delivery["completed_at"] is None
            assert delivery["locked_until"] is not None and delivery["locked_until"] > datetime.now(UTC)
            lease_left_s = (delivery["locked_until"] - datetime.now(UTC)).total_seconds()

            accepted_at = await wait_for(lambda: len(smtp.received) >= 1, LEASE_S + 20, "the resend", second)
            resend_s = accepted_at - killed_at
            settled = None
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                settled = await db.fetchrow("SELECT * FROM email_delivery WHERE id = $1", delivery["id"])
                if settled["status"] != "pending":
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(LEASE_S + 1)  # long enough for a third send, if there were one
            deliveries = await db.fetchval("SELECT count(*) FROM email_delivery WHERE user_id = $1", person_id)
        finally:
            await db.close()
            for worker in workers:
                worker.kill()

    print(
        f"\n[mail-worker-kill] lease {LEASE_S} s, {lease_left_s:.2f} s of it left at the kill; sent again "
        f"{resend_s:.2f} s after the SIGKILL; {len(smtp.handler.attempts)} DATA commands, "
        f"{len(smtp.received)} accepted; delivery {settled['status']} with attempt_count={settled['attempt_count']}"
    )
    assert resend_s >= lease_left_s - 0.3  # not before the dead worker's lease ran out
    assert len(smtp.handler.attempts) == 2  # sent again exactly once more
    assert len(smtp.received) == 1  # accepted once: the first conversation never got its 250
    held, again = smtp.handler.attempts
    assert held == again == f"<{delivery['id']}@welfareditutti.example>"
    assert smtp.received[0].rcpt_tos == ["killcheck@example.org"]
    assert (settled["status"], settled["attempt_count"], settled["locked_until"]) == ("sent", 2, None)
    assert deliveries == 1
