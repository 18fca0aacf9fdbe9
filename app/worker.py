"""Background worker: periodic housekeeping over PostgreSQL (`python -m app.worker`).

Each sweep expires open requests past their validity (and closes their pending offers), prunes
idempotency records past their retention and refresh tokens past expiry, ends pool memberships
and pool closings whose notice ran out, expires money holds past their time (app/money), and sends
the reminders due before deadlines (verifications, requests and offers expiring, quotes due: once
each, however many workers sweep: app/reminders.py). A sweep runs at start and every
WORKER__SWEEP_INTERVAL_SECONDS, each in its own short transaction; several workers may run at once
(deletes are idempotent).

Alongside, the webhook loop (`app.webhooks.delivery`) runs a delivery round every
WEBHOOKS__POLL_INTERVAL_SECONDS (at once again while rounds find work): fan-out of new outbox
events, leasing of due deliveries with SKIP LOCKED, sends outside any transaction. Any number of
workers may run; a worker killed mid-send only delays its deliveries by WEBHOOKS__LEASE_SECONDS.

The mail loop (`app.mail.outbox`) runs an e-mail round every MAIL__POLL_INTERVAL_SECONDS the same
way: notifications routed by their people's preferences (instant, daily digest, none), due e-mails
leased with SKIP LOCKED and sent through SMTP (or written to the log with no MAIL__SMTP_HOST).

A fourth loop keeps operators' pool suggestions current every POOLS__SUGGESTION_REFRESH_SECONDS
(app/pools/snapshots.py: the changes logged since, grouped again per category).

`tutti worker` runs it alone (production); `tutti serve` runs it beside the API (app.worker_process).
"""

import asyncio
import contextlib
import logging
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import heartbeat, reminders
from app.config import get_settings
from app.db import build_engine, build_sessionmaker
from app.demand import requests as demand_requests
from app.demand import tasks as demand_tasks
from app.idempotency import prune_expired
from app.mail import outbox as mail_outbox
from app.metrics import (
    DELIVERIES_PENDING,
    DELIVERIES_SETTLED,
    EMAIL_FAILURES,
    EMAILS_PENDING,
    EMAILS_SENT,
    EMAILS_SETTLED,
    JOB_DURATION,
    OUTBOX_LAG,
    instrument_pool,
    serve_on_port,
)
from app.models import RefreshToken
from app.money import tasks as money_tasks
from app.observability import configure_logging
from app.pools import membership as pool_membership
from app.pools import snapshots as pool_snapshots
from app.programmes import tasks as programme_tasks
from app.providers import tasks as provider_tasks
from app.timesheets import tasks as timesheet_tasks
from app.webhooks import delivery as webhook_delivery
from app.worker_process import PARENT_PID_VARIABLE

log = logging.getLogger("app.worker")
BACKLOG_EVERY_S = 15  # how often the worker refreshes the pending-deliveries and outbox-lag gauges
ORPHAN_CHECK_EVERY_S = 1.0


async def sweep(session: AsyncSession) -> dict[str, int]:
    settings = get_settings()
    idempotency = await prune_expired(session, settings.api.idempotency_ttl_hours)
    # Keep expired tokens a day longer so a late reuse is still recognised as reuse.
    cutoff = datetime.now(UTC) - timedelta(days=1)
    tokens = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < cutoff))
    expired = await demand_requests.expire_due(session)
    pools = await pool_membership.sweep(session)
    # Reminders before deadlines, each sent once however many workers sweep (app/reminders.py).
    verifications = await provider_tasks.remind_expiring_verifications(session)
    requests_reminded = await demand_tasks.remind_expiring_requests(session)
    offers_reminded = await demand_tasks.remind_expiring_offers(session)
    quotes = await demand_tasks.remind_quotes_due(session)
    # Weeks the household neither confirmed nor disputed within TIMESHEETS__AUTO_CONFIRM_HOURS.
    timesheets = await timesheet_tasks.auto_confirm(session)
    grants_reminded = await programme_tasks.remind_expiring_grants(session)
    grants_expired = await programme_tasks.expire_grants(session)
    return {
        "idempotency_records": idempotency,
        "refresh_tokens": cast(CursorResult[Any], tokens).rowcount or 0,
        "requests_expired": expired,
        **pools,
        "verifications_reminded": verifications,
        "requests_reminded": requests_reminded,
        "offers_reminded": offers_reminded,
        "quotes_reminded": quotes,
        "timesheets_auto_confirmed": timesheets,
        "grants_reminded": grants_reminded,
        "grants_expired": grants_expired,
        "reminders_pruned": await reminders.prune(session, datetime.now(UTC)),
        "holds_expired": await money_tasks.expire_due_holds(session),
    }


async def _sweeps(sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            with JOB_DURATION.labels("sweep").time():
                async with sessionmaker() as session, session.begin():
                    log.info("sweep", extra=await sweep(session))
        except Exception:  # keep the worker alive through database outages
            log.exception("sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), get_settings().worker.sweep_interval_seconds)


async def _suggestions(sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    """Operators' pool suggestions kept current (app/pools/snapshots.py), each round one transaction."""
    while not stop.is_set():
        try:
            with JOB_DURATION.labels("suggestions").time():
                async with sessionmaker() as session, session.begin():
                    counts = await pool_snapshots.refresh(session)
            if counts["suggestion_scopes"]:
                log.info("suggestions", extra=counts)
        except Exception:  # keep the worker alive through database outages
            log.exception("suggestion refresh failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), get_settings().pools.suggestion_refresh_seconds)


async def _webhooks(sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    settings = get_settings().webhooks
    heartbeat_path = get_settings().worker.heartbeat_path
    measured_at = float("-inf")
    while not stop.is_set():
        heartbeat.beat(heartbeat_path)  # liveness: this loop still turns (`tutti worker --check`)
        busy = False
        try:
            with JOB_DURATION.labels("webhooks").time():
                counts = await webhook_delivery.run_once(sessionmaker, settings)
            DELIVERIES_SETTLED.labels("succeeded").inc(counts["succeeded"])
            DELIVERIES_SETTLED.labels("dead").inc(counts["dead"] + counts["expired"])
            if time.monotonic() - measured_at >= BACKLOG_EVERY_S:
                measured_at = time.monotonic()
                await measure_backlog(sessionmaker)
            busy = counts["sent"] > 0 or counts["events_fanned_out"] > 0
            if busy:
                log.info("webhooks", extra=counts)
        except Exception:  # keep the worker alive through database outages
            log.exception("webhook round failed")
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.poll_interval_seconds)


async def _mail(sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    settings = get_settings().mail
    measured_at = float("-inf")
    while not stop.is_set():
        busy = False
        try:
            with JOB_DURATION.labels("mail").time():
                counts = await mail_outbox.run_once(sessionmaker, settings)
            record_mail_metrics(counts)
            if time.monotonic() - measured_at >= BACKLOG_EVERY_S:
                measured_at = time.monotonic()
                EMAILS_PENDING.set(await mail_outbox.backlog(sessionmaker))
            busy = bool(counts["routed"] or counts["claimed"] or counts["digests"])
            if busy:
                log.info("mail", extra={k: v for k, v in counts.items() if not isinstance(v, list)})
        except Exception:  # keep the worker alive through database outages
            log.exception("mail round failed")
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.poll_interval_seconds)


def record_mail_metrics(counts: dict[str, Any]) -> None:
    for mode in counts["sent_modes"]:
        EMAILS_SENT.labels(mode).inc()
    for reason in counts["failures"]:
        EMAIL_FAILURES.labels(reason).inc()
    EMAILS_SETTLED.labels("dead").inc(counts["dead"])
    EMAILS_SETTLED.labels("cancelled").inc(counts["cancelled"])


async def measure_backlog(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    pending, lag = await webhook_delivery.backlog(sessionmaker, now=datetime.now(UTC))
    DELIVERIES_PENDING.set(pending)
    OUTBOX_LAG.set(lag)


async def _stop_when_orphaned(parent_pid: int, stop: asyncio.Event) -> None:
    """Started by `tutti serve`: if that process dies without stopping us (SIGKILL), stop too."""
    while not stop.is_set():
        if os.getppid() != parent_pid:
            log.warning("tutti serve is gone; the worker stops", extra={"parent_pid": parent_pid})
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), ORPHAN_CHECK_EVERY_S)


async def run(stop: asyncio.Event) -> None:
    engine = build_engine(get_settings())
    instrument_pool(engine, "worker")
    sessionmaker = build_sessionmaker(engine)
    loops = [
        _sweeps(sessionmaker, stop),
        _webhooks(sessionmaker, stop),
        _mail(sessionmaker, stop),
        _suggestions(sessionmaker, stop),
    ]
    if parent_pid := os.environ.get(PARENT_PID_VARIABLE):
        loops.append(_stop_when_orphaned(int(parent_pid), stop))
    try:
        await asyncio.gather(*loops)
    finally:
        await engine.dispose()
        log.info("worker stopped", extra={"pid": os.getpid()})


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, process="worker")
    settings.check_production_safety()  # the worker is the one that sends: same refusals as the API
    for warning in settings.relaxed_safety_warnings():
        log.warning(warning)
    if settings.env == "prod" and not settings.mail.smtp_host:
        # Not a refusal (a deployment may start before its relay exists), but people's e-mails, with
        # their addresses and text, would land in the log instead of their inboxes.
        log.warning("e-mails are " + settings.mail.describe() + ": set MAIL__SMTP_HOST in production")
    else:
        log.info("e-mails are " + settings.mail.describe())
    if settings.worker.metrics_port is not None:
        host, port = settings.worker.metrics_host, settings.worker.metrics_port
        serve_on_port(host, port)
        log.info("metrics on a port", extra={"host": host, "port": port})
    stop = asyncio.Event()

    async def runner() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info(
            "worker started: webhook delivery, e-mail, request expiry, pool notice and reminder sweeps",
            extra={"pid": os.getpid(), "sweep_interval_s": settings.worker.sweep_interval_seconds},
        )
        await run(stop)

    asyncio.run(runner())


if __name__ == "__main__":
    main()
