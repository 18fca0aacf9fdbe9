"""The delivery worker against a real local HTTP receiver: signing, fan-out rules, retries,
dead-lettering, disabling, the lease of a killed worker, and the SSRF checks at send time."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.config import WebhookSettings
from app.models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookStatus, WebhookSubscription
from app.webhooks import delivery, url_safety
from app.webhooks import repository as webhook_repo
from app.webhooks.delivery import Outcome
from tests.factories import make_service
from tests.webhooks.conftest import attempts_of, deliveries_of, make_event, make_subscription
from tests.webhooks.receiver import Reply


def standard_webhooks_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """An independent Standard Webhooks verifier (as a receiver would write it)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    if abs(time.time() - int(headers["webhook-timestamp"])) > 300:
        return False
    versions = [s.split(",", 1) for s in headers["webhook-signature"].split(" ")]
    return any(v == "v1" and hmac.compare_digest(sig, expected) for v, sig in versions)


async def test_an_event_is_delivered_once_signed_with_the_subscription_secret(
    session, sessions, receiver, local, partner_p1, provider_a
):
    subscription = await make_subscription(session, partner_p1, receiver.url(), event_types=("provider.*",))
    event = await make_event(session, "provider.accredited", provider_a.id, provider_id=str(provider_a.id))

    counts = await delivery.run_once(sessions, local)

    assert counts["sent"] == 1 and counts["succeeded"] == 1
    [got] = receiver.received
    assert standard_webhooks_verify(subscription.secret, got.headers, got.body)
    assert got.headers["content-type"] == "application/json"
    body = json.loads(got.body)
    assert body["id"] == str(event.id) and body["type"] == "provider.accredited"
    assert body["data"] == {"provider_id": str(provider_a.id)}
    [stored] = await deliveries_of(session, subscription)
    assert got.headers["webhook-id"] == str(stored.id)
    assert stored.status == DeliveryStatus.succeeded and stored.attempt_count == 1


async def test_a_tampered_body_fails_the_independent_verifier(
    session, sessions, receiver, local, partner_p1, provider_a
):
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", provider_a.id, aggregate_type="service")

    await delivery.run_once(sessions, local)

    [got] = receiver.received
    assert not standard_webhooks_verify(subscription.secret, got.headers, got.body + b" ")
    assert not standard_webhooks_verify("whsec_" + base64.b64encode(b"another-secret").decode(), got.headers, got.body)


async def test_fan_out_applies_patterns_visibility_and_is_idempotent(
    session, sessions, receiver, local, partner_p1, provider_a, provider_b
):
    everything = await make_subscription(session, partner_p1, receiver.url("/all"))
    services_only = await make_subscription(session, partner_p1, receiver.url("/svc"), event_types=("service.*",))
    own_listing = await make_service(session, provider_a)
    other_listing = await make_service(session, provider_b)
    await make_event(session, "service.published", other_listing.id)  # public
    await make_event(session, "service.draft", own_listing.id)  # owner: provider A's listing
    await make_event(session, "service.draft", other_listing.id)  # owner: someone else's
    await make_event(session, "provider.submitted", provider_a.id)  # owner
    await make_event(session, "provider.submitted", provider_b.id)  # someone else's
    await make_event(session, "request.opened", provider_a.id)  # citizens' demand: never

    await delivery.run_once(sessions, local)
    await delivery.run_once(sessions, local)  # a second round delivers nothing new

    all_types = sorted(d.event_type for d in await deliveries_of(session, everything))
    assert all_types == ["provider.submitted", "service.draft", "service.published"]
    assert sorted(d.event_type for d in await deliveries_of(session, services_only)) == [
        "service.draft",
        "service.published",
    ]
    assert len(receiver.received) == 5
    unpublished = await session.scalar(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)))
    assert unpublished is None


async def test_a_subscription_gets_no_events_from_before_it_existed(session, sessions, receiver, local, partner_p1):
    old = await make_event(session, "service.published", partner_p1.id)
    old.occurred_at = datetime.now(UTC) - timedelta(hours=1)
    await session.flush()
    subscription = await make_subscription(session, partner_p1, receiver.url())

    await delivery.run_once(sessions, local)

    assert await deliveries_of(session, subscription) == []
    assert receiver.received == []


async def test_a_500_is_retried_with_growing_delays_until_a_200(session, sessions, receiver, local, partner_p1):
    receiver.script = [Reply(status=500), Reply(status=503), Reply(status=200)]
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)
    t0 = datetime.now(UTC)

    await delivery.run_once(sessions, local, clock=lambda: t0)
    [d] = await deliveries_of(session, subscription)
    first_delay = (d.next_attempt_at - t0).total_seconds()
    await delivery.run_once(sessions, local, clock=lambda: t0 + timedelta(seconds=5))  # not due yet
    assert len(receiver.received) == 1
    t1 = t0 + timedelta(minutes=1)
    await delivery.run_once(sessions, local, clock=lambda: t1)
    [d] = await deliveries_of(session, subscription)
    second_delay = (d.next_attempt_at - t1).total_seconds()
    await delivery.run_once(sessions, local, clock=lambda: t1 + timedelta(minutes=5))

    assert 24 <= first_delay <= 36 and 48 <= second_delay <= 72
    [d] = await deliveries_of(session, subscription)
    assert d.status == DeliveryStatus.succeeded and d.attempt_count == 3
    assert [a.status_code for a in await attempts_of(session, d)] == [500, 503, 200]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one id across retries
    await session.refresh(subscription)
    assert subscription.consecutive_failures == 0


async def test_a_delivery_still_failing_after_24_hours_is_dead(session, sessions, receiver, local, partner_p1):
    receiver.script = [Reply(status=500)]
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)
    t0 = datetime.now(UTC)
    await delivery.run_once(sessions, local, clock=lambda: t0)
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .values(created_at=t0 - timedelta(hours=24) + timedelta(seconds=10), next_attempt_at=t0)
    )

    await delivery.run_once(sessions, local, clock=lambda: t0 + timedelta(seconds=1))

    [d] = await deliveries_of(session, subscription)
    assert d.status == DeliveryStatus.dead and d.completed_at is not None and d.attempt_count == 2
    assert d.last_status_code == 500


async def test_410_gone_kills_the_delivery_and_disables_the_subscription(
    session, sessions, receiver, local, partner_p1
):
    receiver.script = [Reply(status=410)]
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, local)

    [d] = await deliveries_of(session, subscription)
    await session.refresh(subscription)
    assert d.status == DeliveryStatus.dead
    assert subscription.status == WebhookStatus.disabled and "410" in subscription.disabled_reason


async def test_consecutive_failures_disable_the_subscription_and_pause_its_deliveries(
    session, sessions, receiver, local, partner_p1
):
    receiver.script = [Reply(status=500)]
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)
    t0 = datetime.now(UTC)

    for hour in range(local.disable_after_failures + 2):
        await delivery.run_once(sessions, local, clock=lambda h=hour: t0 + timedelta(hours=h))

    await session.refresh(subscription)
    assert subscription.status == WebhookStatus.disabled
    assert subscription.consecutive_failures == local.disable_after_failures
    assert len(receiver.received) == local.disable_after_failures  # nothing sent once disabled
    [d] = await deliveries_of(session, subscription)
    assert d.status == DeliveryStatus.pending


async def test_a_worker_killed_mid_delivery_leaves_a_lease_that_expires_and_it_is_retried(
    session, sessions, receiver, local, partner_p1
):
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)
    t0 = datetime.now(UTC)
    async with sessions() as s, s.begin():
        await webhook_repo.fan_out(s, batch=10)
    [killed_job] = await delivery.claim(sessions, local, now=t0)  # claimed... and the worker dies

    during_lease = await delivery.run_once(sessions, local, clock=lambda: t0 + timedelta(seconds=10))
    after_lease = await delivery.run_once(
        sessions, local, clock=lambda: t0 + timedelta(seconds=local.lease_seconds + 1)
    )
    async with sessions() as s, s.begin():  # the dead worker's late write is fenced off
        late = Outcome(False, 500, 1, error="HTTP 500")
        await delivery.record(s, killed_job, late, local, now=t0 + timedelta(seconds=local.lease_seconds + 2))

    assert during_lease["sent"] == 0 and after_lease["sent"] == 1
    assert len(receiver.received) == 1
    [d] = await deliveries_of(session, subscription)
    assert d.status == DeliveryStatus.succeeded and d.attempt_count == 2 and d.locked_until is None


async def test_redirects_are_not_followed(session, sessions, receiver, local, partner_p1):
    receiver.script = [Reply(status=302, headers={"location": receiver.url("/elsewhere")})]
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, local)

    assert [r.path for r in receiver.received] == ["/hook"]
    [d] = await deliveries_of(session, subscription)
    assert d.status == DeliveryStatus.pending and d.last_status_code == 302
    assert "redirects are not followed" in d.last_error


async def test_an_oversized_response_is_read_only_up_to_the_cap(receiver, local):
    receiver.script = [Reply(status=200, body=b"y" * 100, stream_bytes=64 * 1024 * 1024)]
    job = delivery.Job(
        delivery_id=uuid.UUID(int=1),
        attempt=1,
        subscription_id=uuid.UUID(int=2),
        url=receiver.url(),
        secrets=["whsec_" + base64.b64encode(b"k" * 24).decode()],
        body=b"{}",
        created_at=datetime.now(UTC),
    )

    outcome = await delivery.send(job, local)

    assert outcome.succeeded and outcome.status_code == 200
    assert outcome.bytes_read <= local.max_response_bytes
    assert len(outcome.excerpt) <= 1000
    assert receiver.bytes_sent < 64 * 1024 * 1024  # the receiver was cut off, not drained


async def test_a_slow_receiver_times_out(session, sessions, receiver, partner_p1):
    receiver.script = [Reply(status=200, delay_s=1.5)]
    settings = WebhookSettings(allow_private_targets=True, allow_http=True, timeout_seconds=0.5)
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, settings)

    [d] = await deliveries_of(session, subscription)
    [attempt] = await attempts_of(session, d)
    assert d.status == DeliveryStatus.pending and "timed out" in attempt.error and attempt.status_code is None


async def test_a_host_that_now_resolves_to_loopback_is_not_contacted(
    session, sessions, receiver, partner_p1, monkeypatch
):
    async def rebound(host: str, port: int):
        return [url_safety.ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(url_safety, "resolve", rebound)
    settings = WebhookSettings(allow_private_targets=False, allow_http=True)
    subscription = await make_subscription(session, partner_p1, f"http://hooks.partner.example:{receiver.port}/hook")
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, settings)

    assert receiver.received == []
    [d] = await deliveries_of(session, subscription)
    [attempt] = await attempts_of(session, d)
    assert attempt.error.startswith("not sent") and "loopback" in attempt.error


async def test_the_sender_connects_to_the_checked_address_with_the_original_host_header(
    session, sessions, receiver, local, partner_p1, monkeypatch
):
    lookups = []

    async def resolver(host: str, port: int):
        lookups.append(host)
        return [url_safety.ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(url_safety, "resolve", resolver)
    await make_subscription(session, partner_p1, f"http://hooks.partner.example:{receiver.port}/hook")
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, local)

    [got] = receiver.received
    assert got.headers["host"] == f"hooks.partner.example:{receiver.port}"
    assert lookups == ["hooks.partner.example"]  # one lookup, whose answer was checked and used


async def test_after_a_rotation_both_secrets_sign_until_the_grace_period_ends(
    session, sessions, receiver, local, partner_p1
):
    old, new = "whsec_" + base64.b64encode(b"o" * 24).decode(), "whsec_" + base64.b64encode(b"n" * 24).decode()
    await make_subscription(
        session,
        partner_p1,
        receiver.url(),
        secret=new,
        previous_secret=old,
        previous_secret_expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, local)

    [got] = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert standard_webhooks_verify(old, got.headers, got.body) and standard_webhooks_verify(new, got.headers, got.body)


async def test_backoff_doubles_and_is_capped():
    settings = WebhookSettings(backoff_base_seconds=30, backoff_max_seconds=3600)

    delays = [delivery.backoff(n, settings).total_seconds() for n in (1, 2, 3, 10, 20)]

    assert 24 <= delays[0] <= 36 and 48 <= delays[1] <= 72 and 96 <= delays[2] <= 144
    assert 2880 <= delays[3] <= 4320 and delays[4] <= 4320


@pytest.mark.parametrize("status", [429, 503], ids=["too-many-requests", "unavailable"])
async def test_retry_after_is_honoured(status, session, sessions, receiver, local, partner_p1):
    receiver.script = [Reply(status=status, headers={"retry-after": "900"})]
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)
    t0 = datetime.now(UTC)

    await delivery.run_once(sessions, local, clock=lambda: t0)

    [d] = await deliveries_of(session, subscription)
    assert (d.next_attempt_at - t0).total_seconds() >= 900


async def test_deliveries_of_a_disabled_subscription_are_not_claimed(session, sessions, receiver, local, partner_p1):
    subscription = await make_subscription(session, partner_p1, receiver.url(), status=WebhookStatus.disabled)
    session.add(
        WebhookDelivery(subscription_id=subscription.id, event_type="webhook.ping", status=DeliveryStatus.pending)
    )
    await session.flush()

    counts = await delivery.run_once(sessions, local)

    assert counts["sent"] == 0 and receiver.received == []
    assert (await session.get(WebhookSubscription, subscription.id)).status == WebhookStatus.disabled
