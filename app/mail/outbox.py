"""The e-mail outbox, run by the worker process (`tutti worker`), WEBHOOKS-style.

`ledger.notify` only INSERTs notifications: whether and how each is mailed is decided here, after
the fact, so that a request's transaction never reads preferences. One round:

1. Route: lease notifications not yet looked at (`email_route IS NULL`, SKIP LOCKED), read their
   people and choices, and mark each `instant` (a new e-mail delivery carries it), `digest` (it
   waits for the day's digest) or `skipped` (e-mail off for that kind; a deactivated person).
2. Digest: once the day's digest hour has passed (MAIL__DIGEST_HOUR, MAIL__TIMEZONE), every
   notification waiting since before it is gathered, per person, into one digest delivery.
3. Claim: lease due deliveries (SKIP LOCKED, `locked_until`, `attempt_count` + 1) and build their
   e-mails in a short transaction; a delivery whose person meanwhile turned that e-mail off (or was
   deactivated) is settled `cancelled` there and then, and one whose e-mail cannot be built `dead`
   (it would fail every round, and must not roll back the claim of the others).
4. Send each with no database connection held.
5. Record each outcome as soon as its send ends, in a short transaction of its own: `sent`, or
   retried later with exponential backoff, or `dead` (refused for good
   MAIL__PERMANENT_FAILURE_ATTEMPTS times, or still failing after MAIL__MAX_AGE_HOURS); fenced on
   the attempt, so a worker whose lease ran out cannot settle a newer attempt.

Each notification is carried by exactly one delivery (`notification.email_id`, set once under the
row lock), so it is never mailed by two e-mails. A delivery is sent at least once: a worker killed
between 3 and 5 leaves a lease that runs out (MAIL__LEASE_SECONDS) and the delivery is sent again,
once; its `Message-ID` is the same both times. A worker does not start a send that its lease would
not cover, so a slow worker and the next claimant never both send.
"""

import asyncio
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.backoff import exponential
from app.config import MailSettings, get_settings
from app.mail import messages, rules, smtp
from app.mail import repository as repo
from app.models import EmailChoice, EmailStatus, Notification, User

log = logging.getLogger("app.mail")
Sender = Callable[[EmailMessage, MailSettings], Awaitable[smtp.Outcome]]
DIGEST_BATCH = 2000


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Job:
    delivery_id: uuid.UUID
    attempt: int  # fencing token: the attempt_count this worker's lease set
    lease_until: datetime
    created_at: datetime
    mode: EmailChoice
    message: EmailMessage


def can_receive(user: User | None) -> bool:
    return user is not None and user.is_active and bool(user.email)


async def route(session: AsyncSession, settings: MailSettings, *, now: datetime) -> dict[str, int]:
    """Decide, for each notification not yet looked at, instant / digest / skipped (step 1)."""
    leased = await repo.lease_unrouted(session, limit=settings.route_batch)
    if not leased:
        return {"routed": 0}
    users = await repo.users_by_id(session, (user_id for _, user_id, _ in leased))
    choices = await repo.choices_of(session, users)
    deliveries: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    for notification_id, user_id, kind in leased:
        user = users.get(user_id)
        choice = EmailChoice.off
        if user is not None and can_receive(user):
            choice = rules.effective_choice(kind, user.role, choices[user_id])
        if choice == EmailChoice.instant:
            delivery_id = uuid.uuid4()
            deliveries.append(
                {
                    "id": delivery_id,
                    "user_id": user_id,
                    "mode": EmailChoice.instant,
                    "status": EmailStatus.pending,
                    "created_at": now,
                    "next_attempt_at": now,
                    "attempt_count": 0,
                }
            )
            routes.append({"id": notification_id, "email_route": "instant", "email_id": delivery_id})
        elif choice == EmailChoice.digest:
            routes.append({"id": notification_id, "email_route": "digest", "email_id": None})
        else:
            routes.append({"id": notification_id, "email_route": "skipped", "email_id": None})
    await repo.add_deliveries(session, deliveries)
    await repo.set_routes(session, routes)
    return {"routed": len(leased)}


async def gather_digests(session: AsyncSession, settings: MailSettings, *, now: datetime) -> int:
    """One digest delivery per person for the notifications waiting since before the latest digest
    time (step 2). Returns how many digests were made."""
    slot = rules.digest_slot(now, hour=settings.digest_hour, zone=ZoneInfo(settings.timezone))
    waiting = await repo.lease_digest_waiting(session, before=slot, limit=DIGEST_BATCH)
    by_person: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for notification_id, user_id in waiting:
        by_person[user_id].append(notification_id)
    deliveries, routes = [], []
    for user_id, notification_ids in by_person.items():
        delivery_id = uuid.uuid4()
        deliveries.append(
            {
                "id": delivery_id,
                "user_id": user_id,
                "mode": EmailChoice.digest,
                "status": EmailStatus.pending,
                "created_at": now,
                "next_attempt_at": now,
                "attempt_count": 0,
            }
        )
        routes += [{"id": n, "email_route": "digest", "email_id": delivery_id} for n in notification_ids]
    await repo.add_deliveries(session, deliveries)
    await repo.set_routes(session, routes)
    return len(deliveries)


def _still_wanted(user: User, notifications: list[Notification], chosen: dict) -> list[Notification]:
    """The notifications of a delivery the person still wants by e-mail now (a choice made `off`
    after routing, e.g. through an unsubscribe link, wins over the queue)."""
    return [n for n in notifications if rules.effective_choice(n.kind, user.role, chosen) != EmailChoice.off]


async def claim(
    sessions: async_sessionmaker[AsyncSession], settings: MailSettings, *, now: datetime
) -> tuple[list[Job], Counter[EmailStatus]]:
    """Lease due deliveries and build their e-mails (step 3): the jobs, and how many deliveries were
    settled there and then (`cancelled`: nothing left to send; `dead`: the e-mail could not be built)."""
    lease_until = now + timedelta(seconds=settings.lease_seconds)
    key = rules.signing_key(get_settings().auth.secret_key.get_secret_value())
    jobs: list[Job] = []
    settled: Counter[EmailStatus] = Counter()
    async with sessions() as session, session.begin():
        deliveries = await repo.claim_due(session, now=now, lease_until=lease_until, limit=settings.batch_size)
        if not deliveries:
            return [], settled
        carried: dict[uuid.UUID, list[Notification]] = defaultdict(list)
        for notification in await repo.notifications_of(session, [d.id for d in deliveries]):
            assert notification.email_id is not None
            carried[notification.email_id].append(notification)
        users = await repo.users_by_id(session, (d.user_id for d in deliveries))
        choices = await repo.choices_of(session, users)
        for delivery in deliveries:
            user = users.get(delivery.user_id)
            wanted = (
                _still_wanted(user, carried[delivery.id], choices[user.id])
                if user is not None and can_receive(user)
                else []
            )
            if not wanted:
                values = {"status": EmailStatus.cancelled, "completed_at": now, "last_error": "nothing left to send"}
                await repo.settle(session, delivery_id=delivery.id, attempt=delivery.attempt_count, values=values)
                settled[EmailStatus.cancelled] += 1
                continue
            assert user is not None
            try:
                message = messages.build(
                    delivery_id=delivery.id,
                    mode=delivery.mode,
                    user=user,
                    notifications=wanted,
                    settings=settings,
                    key=key,
                    now=now,
                )
            except Exception as exc:
                # It would fail the same way every round: given up now, so that it does not roll back
                # the whole claim and hold every other e-mail back (it was a poison message).
                log.exception("e-mail could not be built", extra={"delivery_id": str(delivery.id)})
                values = {
                    "status": EmailStatus.dead,
                    "completed_at": now,
                    "last_error": f"could not build the e-mail: {type(exc).__name__}",
                }
                await repo.settle(session, delivery_id=delivery.id, attempt=delivery.attempt_count, values=values)
                settled[EmailStatus.dead] += 1
                continue
            attempt = delivery.attempt_count
            jobs.append(Job(delivery.id, attempt, lease_until, delivery.created_at, delivery.mode, message))
    return jobs, settled


def backoff(attempt: int, settings: MailSettings) -> timedelta:
    return exponential(attempt, base_seconds=settings.backoff_base_seconds, max_seconds=settings.backoff_max_seconds)


async def record(
    session: AsyncSession, job: Job, outcome: smtp.Outcome, settings: MailSettings, *, now: datetime
) -> EmailStatus | None:
    """Settle one attempt (step 5): the delivery's new status (pending: retried later), or None when
    this worker's lease no longer held it."""
    if outcome.sent:
        values: dict[str, Any] = {"status": EmailStatus.sent, "completed_at": now, "last_error": None}
    else:
        next_at = now + backoff(job.attempt, settings)
        gave_up = (outcome.permanent and job.attempt >= settings.permanent_failure_attempts) or (
            next_at > job.created_at + timedelta(hours=settings.max_age_hours)
        )
        values = {"last_error": (outcome.error or "failed")[:500]}
        values |= {"status": EmailStatus.dead, "completed_at": now} if gave_up else {"next_attempt_at": next_at}
    if not await repo.settle(session, delivery_id=job.delivery_id, attempt=job.attempt, values=values):
        return None
    return values.get("status", EmailStatus.pending)


async def run_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: MailSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    send: Sender = smtp.send,
) -> dict[str, Any]:
    """One round; returns counts for the log and the metrics. `clock` lets tests move time."""
    async with sessions() as session, session.begin():
        routed = await route(session, settings, now=clock())
        digests = await gather_digests(session, settings, now=clock())
    jobs, given_up = await claim(sessions, settings, now=clock())
    limit = asyncio.Semaphore(settings.concurrency)
    one_record_at_a_time = asyncio.Lock()  # one connection for the outcomes, however many sends

    async def attempt(job: Job) -> tuple[Job, smtp.Outcome, EmailStatus | None] | None:
        async with limit:
            # Never start a send the lease would not cover: past it, another worker may claim it.
            if clock() + timedelta(seconds=settings.timeout_seconds) >= job.lease_until:
                return None  # not started: its lease runs out and it is claimed again
            try:
                outcome = await send(job.message, settings)
            except Exception as exc:  # one odd e-mail must not sink the batch's outcomes
                log.exception("e-mail send failed", extra={"delivery_id": str(job.delivery_id)})
                outcome = smtp.Outcome(False, error=f"internal error: {type(exc).__name__}", reason="internal")
        # Recorded as soon as its send ends, not after the batch's slowest: a worker killed while
        # another e-mail of the batch is still being sent has left this one settled, and it is not
        # sent a second time when the lease runs out.
        async with one_record_at_a_time:
            return job, outcome, await record_outcome(sessions, job, outcome, settings, clock=clock)

    settled = [done for done in await asyncio.gather(*(attempt(job) for job in jobs)) if done is not None]
    statuses = [status for _, _, status in settled]
    return {
        **routed,
        "digests": digests,
        "claimed": len(jobs),
        "sent": statuses.count(EmailStatus.sent),
        "sent_modes": [job.mode.value for job, _, status in settled if status == EmailStatus.sent],
        "failures": [outcome.reason for _, outcome, _ in settled if not outcome.sent],
        "dead": statuses.count(EmailStatus.dead) + given_up[EmailStatus.dead],
        "cancelled": given_up[EmailStatus.cancelled],
    }


RECORD_RETRIES_S = (0.5, 2.0)  # a database that blinks between a send and its record


async def record_outcome(
    sessions: async_sessionmaker[AsyncSession],
    job: Job,
    outcome: smtp.Outcome,
    settings: MailSettings,
    *,
    clock: Callable[[], datetime],
) -> EmailStatus | None:
    """`record` in a transaction of its own, tried again briefly when the database fails: an e-mail
    the server accepted but that stays unrecorded is sent again (the same Message-ID) once its lease
    runs out, so a short outage between the send and the record should not cost a duplicate."""
    for pause in (*RECORD_RETRIES_S, None):
        try:
            async with sessions() as session, session.begin():
                return await record(session, job, outcome, settings, now=clock())
        except (DBAPIError, OSError):
            if pause is None:
                log.exception("e-mail outcome not recorded", extra={"delivery_id": str(job.delivery_id)})
                return None
            await asyncio.sleep(pause)
    return None


async def backlog(sessions: async_sessionmaker[AsyncSession]) -> int:
    """E-mail deliveries waiting to be sent (for the pending gauge)."""
    async with sessions() as session, session.begin():
        return await repo.count_pending(session)
