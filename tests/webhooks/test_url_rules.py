"""Webhook target rules beyond the address checks: ports (443 unless allowed), and the development
switch that lets a newcomer deliver to a receiver on their own machine (loopback only, never prod)."""

import logging

import pytest

from app.config import Settings, WebhookSettings, get_settings
from app.main import create_app
from app.webhooks import delivery, url_safety
from tests.webhooks.conftest import attempts_of, deliveries_of, make_event, make_subscription

PUBLIC = "93.184.216.34"  # the audit's example of a public address


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolver(host: str, port: int):
        return [url_safety.ipaddress.ip_address(PUBLIC)]

    monkeypatch.setattr(url_safety, "resolve", resolver)


@pytest.fixture
def development_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ENV=dev sets by default: loopback targets allowed, everything else as in production."""
    monkeypatch.setattr(get_settings().webhooks, "allow_loopback_targets", True)


async def register(client, headers, url: str):
    return await client.post("/v1/webhooks", json={"url": url, "event_types": ["*"]}, headers=headers)


@pytest.mark.parametrize(
    "url",
    [f"https://{PUBLIC}:22/h", "https://hooks.partner.example:8443/h", "https://hooks.partner.example:80/h"],
    ids=["ssh-port-of-a-public-ip", "8443-not-allowed-by-default", "80-over-https"],
)
async def test_a_public_target_on_another_port_than_443_is_refused(client, as_p1, public_dns, url):
    response = await register(client, as_p1, url)

    assert response.status_code == 422
    assert response.json()["code"] == "webhook_url_not_allowed"
    assert "port" in response.json()["detail"] and response.json()["errors"][0]["pointer"] == "/url"


@pytest.mark.parametrize("url", ["https://hooks.partner.example/h", "https://hooks.partner.example:443/h"])
async def test_port_443_written_or_implied_is_accepted(client, as_p1, public_dns, url):
    response = await register(client, as_p1, url)

    assert response.status_code == 201


async def test_a_port_listed_in_the_setting_is_accepted(client, as_p1, public_dns, monkeypatch):
    monkeypatch.setattr(get_settings().webhooks, "allowed_ports", [443, 8443])

    allowed = await register(client, as_p1, "https://hooks.partner.example:8443/h")
    other = await register(client, as_p1, "https://hooks.partner.example:8080/h")

    assert allowed.status_code == 201
    assert other.status_code == 422 and other.json()["code"] == "webhook_url_not_allowed"


async def test_the_worker_does_not_send_to_a_port_that_is_not_allowed(session, sessions, partner_p1, public_dns):
    # Registered before the rule existed (or before the setting changed): checked again at send.
    subscription = await make_subscription(session, partner_p1, f"https://{PUBLIC}:22/h")
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, WebhookSettings())

    [d] = await deliveries_of(session, subscription)
    [attempt] = await attempts_of(session, d)
    assert attempt.error.startswith("not sent") and "port 22" in attempt.error


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/hook", "http://localhost:{port}/hook", "http://[::1]:{port}/hook"],
    ids=["ipv4", "localhost", "ipv6"],
)
async def test_in_development_a_receiver_on_this_machine_is_accepted(client, as_p1, development_rules, url):
    response = await register(client, as_p1, url.format(port=9876))

    assert response.status_code == 201


REFUSED_IN_DEVELOPMENT = {
    "private-http": "http://10.0.0.5:8080/hook",
    "private-https": "https://192.168.1.10/hook",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "public-over-http": "http://hooks.partner.example/hook",
    "public-other-port": f"https://{PUBLIC}:22/h",
    "decimal-loopback": "http://2130706433:8000/",  # loopback, but in a form a filter may miss
    "internal-name": "http://metadata.google.internal/",
}


@pytest.mark.parametrize("url", list(REFUSED_IN_DEVELOPMENT.values()), ids=list(REFUSED_IN_DEVELOPMENT))
async def test_in_development_other_targets_keep_the_production_rules(
    client, as_p1, development_rules, public_dns, url
):
    response = await register(client, as_p1, url)

    assert response.status_code == 422
    assert response.json()["code"] == "webhook_url_not_allowed"


async def test_a_name_resolving_to_loopback_and_public_addresses_is_refused_in_development(
    client, as_p1, development_rules, monkeypatch
):
    async def mixed(host: str, port: int):
        return [url_safety.ipaddress.ip_address("127.0.0.1"), url_safety.ipaddress.ip_address(PUBLIC)]

    monkeypatch.setattr(url_safety, "resolve", mixed)

    response = await register(client, as_p1, "https://hooks.partner.example/h")

    assert response.status_code == 422 and response.json()["code"] == "webhook_url_not_allowed"
    assert "loopback" in response.json()["detail"]


async def test_outside_development_a_receiver_on_this_machine_is_refused(client, as_p1):
    assert get_settings().env == "test"

    response = await register(client, as_p1, "http://127.0.0.1:9876/hook")

    assert response.status_code == 422 and response.json()["code"] == "webhook_url_not_allowed"


async def test_in_development_the_worker_delivers_to_a_receiver_on_this_machine(
    session, sessions, receiver, partner_p1
):
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)

    await delivery.run_once(sessions, WebhookSettings(allow_loopback_targets=True, timeout_seconds=2.0))

    assert len(receiver.received) == 1
    [d] = await deliveries_of(session, subscription)
    assert d.status.value == "succeeded"


@pytest.mark.parametrize(("env", "allowed"), [("dev", True), ("test", False), ("prod", False)])
def test_loopback_targets_are_allowed_by_default_in_development_only(env, allowed):
    settings = Settings(_env_file=None, env=env)

    assert settings.webhooks.allow_loopback_targets is allowed


def test_production_refuses_loopback_targets():
    settings = Settings(
        _env_file=None,
        env="prod",
        database_url="postgresql://db/tutti",
        auth={"secret_key": "x" * 40},
        webhooks={"allow_loopback_targets": True},
    )

    with pytest.raises(RuntimeError, match="WEBHOOKS__ALLOW_LOOPBACK_TARGETS"):
        settings.check_production_safety()


async def test_the_api_warns_at_start_up_when_loopback_targets_are_allowed(caplog):
    app = create_app(Settings(_env_file=None, env="dev"))

    with caplog.at_level(logging.WARNING, logger="app"):
        async with app.router.lifespan_context(app):
            pass

    assert any("WEBHOOKS__ALLOW_LOOPBACK_TARGETS" in record.getMessage() for record in caplog.records)
