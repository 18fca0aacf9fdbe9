"""The /v1/webhooks API: registration rules (SSRF, event types), tenancy, scopes, lifecycle."""

import pytest

from app.models import DeliveryStatus, WebhookStatus
from app.webhooks import delivery, url_safety
from tests.factories import make_partner_client, partner_headers
from tests.webhooks.conftest import deliveries_of, make_subscription

HOOK = "https://hooks.partner.example/welfare"


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolver(host: str, port: int):
        return [url_safety.ipaddress.ip_address("93.184.216.34")]

    monkeypatch.setattr(url_safety, "resolve", resolver)


async def test_creating_a_webhook_returns_the_secret_once(client, as_p1, public_dns):
    response = await client.post("/v1/webhooks", json={"url": HOOK, "event_types": ["service.*"]}, headers=as_p1)

    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_") and created["status"] == "active"
    read = await client.get(f"/v1/webhooks/{created['id']}", headers=as_p1)
    assert read.status_code == 200 and "secret" not in read.json()
    assert read.headers["etag"] == f'"{created["version"]}"'


REFUSED_URLS = {
    "http-scheme": "http://hooks.partner.example/x",
    "ftp-scheme": "ftp://hooks.partner.example/x",
    "decimal-loopback": "https://2130706433/",
    "hex-loopback": "https://0x7f.1/",
    "octal-loopback": "https://0177.0.0.1/",
    "short-loopback": "https://127.1/",
    "loopback": "https://127.0.0.1:8443/",
    "localhost": "https://localhost:5432/",
    "ipv6-loopback": "https://[::1]/",
    "ipv4-mapped-ipv6": "https://[::ffff:127.0.0.1]/",
    "ipv4-mapped-ipv6-hex": "https://[::ffff:7f00:1]/",
    "nat64-loopback": "https://[64:ff9b::7f00:1]/",
    "private-10": "https://10.0.0.5/",
    "private-192": "https://192.168.1.10/",
    "metadata": "https://169.254.169.254/latest/meta-data/",
    "metadata-name": "https://metadata.google.internal/",
    "alibaba-metadata": "https://100.100.100.200/",
    "ipv6-link-local": "https://[fe80::1]/",
    "ipv6-unique-local": "https://[fd00:ec2::254]/",
    "unspecified": "https://0.0.0.0/",
    "credentials": "https://user:pw@hooks.partner.example/",
    "not-a-url": "hooks.partner.example",
}


@pytest.mark.parametrize("url", list(REFUSED_URLS.values()), ids=list(REFUSED_URLS))
async def test_unsafe_urls_are_refused_at_registration(client, as_p1, public_dns, url):
    response = await client.post("/v1/webhooks", json={"url": url, "event_types": ["*"]}, headers=as_p1)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "webhook_url_not_allowed"
    assert response.json()["errors"][0]["pointer"] == "/url"


async def test_a_name_resolving_to_a_private_address_is_refused(client, as_p1, monkeypatch):
    async def resolver(host: str, port: int):
        return [url_safety.ipaddress.ip_address("93.184.216.34"), url_safety.ipaddress.ip_address("10.1.2.3")]

    monkeypatch.setattr(url_safety, "resolve", resolver)

    response = await client.post("/v1/webhooks", json={"url": HOOK, "event_types": ["*"]}, headers=as_p1)

    assert response.status_code == 422 and "private" in response.json()["detail"]


@pytest.mark.parametrize(
    ("types", "pointer"),
    [(["service.published", "service.exploded"], "/event_types/1"), (["request.opened"], "/event_types/0")],
    ids=["unknown-type", "internal-demand-type"],
)
async def test_unknown_or_internal_event_types_are_refused(client, as_p1, public_dns, types, pointer):
    response = await client.post("/v1/webhooks", json={"url": HOOK, "event_types": types}, headers=as_p1)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_another_partners_webhook_is_not_found(client, session, partner_p1, as_p2):
    subscription = await make_subscription(session, partner_p1, HOOK)
    path = f"/v1/webhooks/{subscription.id}"

    responses = [
        await client.get(path, headers=as_p2),
        await client.patch(path, json={"description": "mine"}, headers=as_p2),
        await client.delete(path, headers=as_p2),
        await client.get(f"{path}/deliveries", headers=as_p2),
        await client.post(f"{path}/test", headers=as_p2),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert {r.json()["code"] for r in responses} == {"webhook_not_found"}
    listed = await client.get("/v1/webhooks", headers=as_p2)
    assert listed.json()["items"] == []


async def test_a_citizen_token_is_forbidden(client, as_citizen_a):
    response = await client.get("/v1/webhooks", headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_partner_without_the_webhooks_scope_is_forbidden(client, session):
    reader = await make_partner_client(session, scopes=("events:read",))

    response = await client.get("/v1/webhooks", headers=partner_headers(reader))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_no_token_is_401(client):
    response = await client.get("/v1/webhooks")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_update_rechecks_the_url_and_honours_if_match(client, session, partner_p1, as_p1, public_dns):
    subscription = await make_subscription(session, partner_p1, HOOK)
    path = f"/v1/webhooks/{subscription.id}"

    unsafe = await client.patch(path, json={"url": "https://10.0.0.1/"}, headers={**as_p1, "If-Match": '"1"'})
    stale = await client.patch(path, json={"event_types": ["*"]}, headers={**as_p1, "If-Match": '"99"'})
    ok = await client.patch(path, json={"event_types": ["provider.*"]}, headers={**as_p1, "If-Match": '"1"'})

    assert unsafe.status_code == 422 and stale.status_code == 412
    assert ok.status_code == 200 and ok.json()["event_types"] == ["provider.*"] and ok.json()["version"] == 2


async def test_a_disabled_subscription_can_be_re_enabled(client, session, partner_p1, as_p1):
    subscription = await make_subscription(
        session, partner_p1, HOOK, status=WebhookStatus.disabled, disabled_reason="15 consecutive failed attempts"
    )
    subscription.consecutive_failures = 15
    await session.flush()

    response = await client.post(f"/v1/webhooks/{subscription.id}/enable", headers=as_p1)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active" and body["consecutive_failures"] == 0 and body["disabled_reason"] is None


async def test_rotating_the_secret_returns_a_new_one(client, session, partner_p1, as_p1):
    subscription = await make_subscription(session, partner_p1, HOOK)
    old = subscription.secret

    response = await client.post(f"/v1/webhooks/{subscription.id}/rotate-secret", headers=as_p1)

    assert response.status_code == 200
    assert response.json()["secret"].startswith("whsec_") and response.json()["secret"] != old
    await session.refresh(subscription)
    assert subscription.previous_secret == old


async def test_ping_is_delivered_and_listed_with_its_attempts(
    client, session, sessions, receiver, local, partner_p1, as_p1
):
    subscription = await make_subscription(session, partner_p1, receiver.url())

    ping = await client.post(f"/v1/webhooks/{subscription.id}/test", headers=as_p1)
    await delivery.run_once(sessions, local)
    listed = await client.get(f"/v1/webhooks/{subscription.id}/deliveries", headers=as_p1)
    attempts = await client.get(
        f"/v1/webhooks/{subscription.id}/deliveries/{ping.json()['id']}/attempts", headers=as_p1
    )

    assert ping.status_code == 202 and ping.json()["event_type"] == "webhook.ping"
    [got] = receiver.received
    assert got.headers["webhook-id"] == ping.json()["id"]
    [item] = listed.json()["items"]
    assert item["status"] == "succeeded" and item["attempt_count"] == 1
    [attempt] = attempts.json()["items"]
    assert attempt["succeeded"] is True and attempt["status_code"] == 200


async def test_a_dead_delivery_can_be_redelivered(client, session, sessions, receiver, local, partner_p1, as_p1):
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await client.post(f"/v1/webhooks/{subscription.id}/test", headers=as_p1)
    [d] = await deliveries_of(session, subscription)
    d.status = DeliveryStatus.dead
    await session.flush()

    response = await client.post(f"/v1/webhooks/{subscription.id}/deliveries/{d.id}/redeliver", headers=as_p1)
    await delivery.run_once(sessions, local)

    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert len(receiver.received) == 1


async def test_registration_reaches_a_local_receiver_only_with_the_test_setting(
    client, as_p1, receiver, allow_local_targets
):
    response = await client.post("/v1/webhooks", json={"url": receiver.url(), "event_types": ["*"]}, headers=as_p1)

    assert response.status_code == 201


async def test_deleting_a_webhook_removes_it(client, session, partner_p1, as_p1):
    subscription = await make_subscription(session, partner_p1, HOOK)

    deleted = await client.delete(f"/v1/webhooks/{subscription.id}", headers=as_p1)
    again = await client.get(f"/v1/webhooks/{subscription.id}", headers=as_p1)

    assert deleted.status_code == 204 and again.status_code == 404
