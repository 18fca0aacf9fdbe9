"""The webhook delivery loop, run by the worker process (`tutti worker`).

One round: (1) fan new outbox events out into deliveries, (2) mark deliveries past their 24-hour
window dead, (3) lease due deliveries (SKIP LOCKED) in a short transaction, (4) send them with no
database connection held, (5) record each attempt and schedule the next in another short
transaction. At least once: a worker killed between (3) and (5) leaves a lease that runs out, and
the delivery is claimed again; receivers dedupe on `webhook-id`.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.backoff import exponential
from app.config import WebhookSettings
from app.models import DeliveryStatus, WebhookSubscription
from app.webhooks import repository as repo
from app.webhooks import signing, url_safety
from app.webhooks.views import body_views

log = logging.getLogger("app.webhooks")
USER_AGENT = "WelfareDiTutti-Webhooks/1.0"
EXCERPT_CHARS = 1000
FAN_OUT_BATCH = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Job:
    delivery_id: uuid.UUID
    attempt: int  # fencing token: the attempt_count this worker's lease set
    subscription_id: uuid.UUID
    url: str
    secrets: list[str]
    body: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    succeeded: bool
    status_code: int | None
    duration_ms: int
    error: str | None = None
    excerpt: str | None = None
    retry_after_s: float | None = None
    bytes_read: int = 0

    @property
    def gone(self) -> bool:  # the receiver says the endpoint no longer exists
        return self.status_code == 410


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > now:
        return [subscription.secret, subscription.previous_secret]
    return [subscription.secret]


def backoff(attempt: int, settings: WebhookSettings, retry_after_s: float | None = None) -> timedelta:
    """Exponential: base x 2^(attempt-1), capped, +/-20 % jitter; never sooner than Retry-After."""
    return exponential(
        attempt,
        base_seconds=settings.backoff_base_seconds,
        max_seconds=settings.backoff_max_seconds,
        at_least=retry_after_s,
    )


def _retry_after(response: httpx.Response) -> float | None:
    """Delta-seconds only (ASCII digits: `"²".isdigit()` is true too); anything else is ignored."""
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isascii() and value.isdigit() else None


async def send(job: Job, settings: WebhookSettings) -> Outcome:
    """POST the signed body to the checked address: no redirects, capped time and response size."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        checked = await url_safety.check(job.url, settings)
    except url_safety.UnsafeUrl as exc:
        return Outcome(False, None, elapsed(), error=f"not sent: {exc}")
    target, addresses = checked.target, checked.addresses
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": target.host_header,
        **signing.signed_headers(job.secrets, str(job.delivery_id), int(time.time()), job.body),
    }
    # Connect to the address just checked (no second lookup: DNS rebinding), while TLS still
    # verifies the certificate for the host name.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" and target.ip is None else {}
    read = bytearray()
    try:
        async with asyncio.timeout(settings.timeout_seconds):
            async with httpx.AsyncClient(
                follow_redirects=False, trust_env=False, timeout=settings.timeout_seconds
            ) as client:
                request = client.build_request(
                    "POST", target.url_for(addresses[0]), content=job.body, headers=headers, extensions=extensions
                )
                response = await client.send(request, stream=True)
                try:
                    async for chunk in response.aiter_raw():
                        read += chunk
                        if len(read) >= settings.max_response_bytes:
                            break  # the rest is never read: closing drops the connection
                finally:
                    await response.aclose()
    except TimeoutError:
        return Outcome(False, None, elapsed(), error=f"timed out after {settings.timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return Outcome(False, None, elapsed(), error=f"{type(exc).__name__}: {str(exc)[:200]}")
    code = response.status_code
    excerpt = bytes(read[: settings.max_response_bytes]).decode("utf-8", "replace")[:EXCERPT_CHARS] or None
    error = (
        None if 200 <= code < 300 else f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400 else "")
    )
    return Outcome(
        200 <= code < 300,
        code,
        elapsed(),
        error=error,
        excerpt=excerpt,
        retry_after_s=_retry_after(response),
        bytes_read=min(len(read), settings.max_response_bytes),
    )


async def record(
    session: AsyncSession, job: Job, outcome: Outcome, settings: WebhookSettings, *, now: datetime
) -> DeliveryStatus:
    """Store the attempt; settle the delivery (succeeded / retry later / dead); count failures.
    Returns the delivery's new status (pending: it will be retried)."""
    repo.add_attempt(
        session,
        delivery_id=job.delivery_id,
        attempted_at=now,
        succeeded=outcome.succeeded,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
        error=outcome.error,
        response_excerpt=outcome.excerpt,
    )
    common = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.succeeded:
        values = {"status": DeliveryStatus.succeeded, "completed_at": now, **common}
        await repo.settle(session, delivery_id=job.delivery_id, attempt=job.attempt, values=values)
        await repo.reset_failures(session, job.subscription_id)
        return DeliveryStatus.succeeded
    next_at = now + backoff(job.attempt, settings, outcome.retry_after_s)
    if outcome.gone or next_at > job.created_at + timedelta(hours=settings.max_age_hours):
        values = {"status": DeliveryStatus.dead, "completed_at": now, **common}
    else:
        values = {"next_attempt_at": next_at, **common}
    await repo.settle(session, delivery_id=job.delivery_id, attempt=job.attempt, values=values)
    if outcome.gone:
        await repo.disable(session, job.subscription_id, now=now, reason="the endpoint answered 410 Gone")
    elif await repo.count_failure(session, job.subscription_id, threshold=settings.disable_after_failures, now=now):
        log.warning("webhook subscription disabled", extra={"subscription_id": str(job.subscription_id)})
    return DeliveryStatus.dead if "status" in values else DeliveryStatus.pending


async def claim(sessions: async_sessionmaker[AsyncSession], settings: WebhookSettings, *, now: datetime) -> list[Job]:
    async with sessions() as session, session.begin():
        rows = await repo.claim_due(
            session, now=now, lease_until=now + timedelta(seconds=settings.lease_seconds), limit=settings.batch_size
        )
        bodies = await body_views(session, [(d, e) for d, _, e in rows])
        return [
            Job(
                delivery_id=d.id,
                attempt=d.attempt_count,
                subscription_id=s.id,
                url=s.url,
                secrets=signing_secrets(s, now),
                body=body,
                created_at=d.created_at,
            )
            for (d, s, _), body in zip(rows, bodies, strict=True)
        ]


async def run_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: WebhookSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, int]:
    """One delivery round; returns counts for the log. `clock` lets tests move time forward."""
    async with sessions() as session, session.begin():
        fanned = await repo.fan_out(session, batch=FAN_OUT_BATCH)
        expired = await repo.expire_stale(
            session, now=clock(), oldest=clock() - timedelta(hours=settings.max_age_hours)
        )
    jobs = await claim(sessions, settings, now=clock())
    limit = asyncio.Semaphore(settings.concurrency)

    async def attempt(job: Job) -> Outcome:
        async with limit:
            try:
                return await send(job, settings)
            except Exception as exc:  # one receiver's oddity must not sink the batch's outcomes
                log.exception("webhook send failed", extra={"delivery_id": str(job.delivery_id)})
                return Outcome(False, None, 0, error=f"internal error: {type(exc).__name__}")

    outcomes = await asyncio.gather(*(attempt(job) for job in jobs))
    settled: list[DeliveryStatus] = []
    if jobs:
        async with sessions() as session, session.begin():
            for job, outcome in zip(jobs, outcomes, strict=True):
                settled.append(await record(session, job, outcome, settings, now=clock()))
    return {
        "events_fanned_out": fanned,
        "expired": expired,
        "sent": len(jobs),
        "succeeded": settled.count(DeliveryStatus.succeeded),
        "dead": settled.count(DeliveryStatus.dead),
    }


async def backlog(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> tuple[int, float]:
    """Deliveries pending, and the age in seconds of the oldest event not yet fanned out (0 if none)."""
    async with sessions() as session, session.begin():
        pending = await repo.count_pending(session)
        oldest = await repo.oldest_unpublished_at(session)
    return pending, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
