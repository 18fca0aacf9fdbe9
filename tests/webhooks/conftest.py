import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.config import WebhookSettings, get_settings
from app.models import OutboxEvent, PartnerClient, Provider, WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.webhooks import signing
from tests.factories import make_partner_client, make_provider, partner_headers
from tests.webhooks.receiver import Receiver

PARTNER_SCOPES = ("webhooks:manage", "events:read", "listings:write")


@pytest.fixture(autouse=True)
async def only_this_tests_events(session: AsyncSession) -> None:
    """Fan-out takes the oldest unpublished outbox events first, a batch at a time. Tests that need
    real commits (races between requests) leave their events committed in the worker's database, so a
    webhook test could fan out those and never reach its own. Inside this test's transaction (rolled
    back after it), they count as published already."""
    await session.execute(update(OutboxEvent).where(OutboxEvent.published_at.is_(None)).values(published_at=func.now()))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def local(receiver: Receiver) -> WebhookSettings:
    """Delivery settings reaching the local receiver, with short timeouts and a small response cap."""
    return WebhookSettings(
        allow_private_targets=True,
        allow_http=True,
        timeout_seconds=2.0,
        max_response_bytes=4096,
        disable_after_failures=3,
    )


@pytest.fixture
def allow_local_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registration accepts http://127.0.0.1 (what WEBHOOKS__ALLOW_PRIVATE_TARGETS/ALLOW_HTTP do)."""
    monkeypatch.setattr(get_settings().webhooks, "allow_private_targets", True)
    monkeypatch.setattr(get_settings().webhooks, "allow_http", True)


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """What the worker opens: its short transactions become savepoints of the test's transaction."""
    return async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
async def provider_a(session: AsyncSession) -> Provider:
    return await make_provider(session, display_name="Cooperativa Ontano")


@pytest.fixture
async def provider_b(session: AsyncSession) -> Provider:
    return await make_provider(session, display_name="Cooperativa Pioppo")


@pytest.fixture
async def partner_p1(session: AsyncSession, provider_a: Provider) -> PartnerClient:
    return await make_partner_client(session, name="Partner P1", scopes=PARTNER_SCOPES, provider_id=provider_a.id)


@pytest.fixture
async def partner_p2(session: AsyncSession, provider_b: Provider) -> PartnerClient:
    return await make_partner_client(session, name="Partner P2", scopes=PARTNER_SCOPES, provider_id=provider_b.id)


@pytest.fixture
def as_p1(partner_p1: PartnerClient) -> dict[str, str]:
    return partner_headers(partner_p1)


@pytest.fixture
def as_p2(partner_p2: PartnerClient) -> dict[str, str]:
    return partner_headers(partner_p2)


async def make_subscription(
    session: AsyncSession, partner: PartnerClient, url: str, *, event_types: tuple[str, ...] = ("*",), **overrides
) -> WebhookSubscription:
    subscription = WebhookSubscription(
        partner_client_id=partner.id,
        url=url,
        event_types=list(event_types),
        secret=overrides.pop("secret", signing.new_secret()),
        consecutive_failures=0,
        **overrides,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def make_event(
    session: AsyncSession, type: str, aggregate_id: uuid.UUID, *, aggregate_type: str | None = None, **payload: str
) -> OutboxEvent:
    event = OutboxEvent(
        type=type,
        aggregate_type=aggregate_type or type.split(".")[0],
        aggregate_id=aggregate_id,
        payload=payload or {f"{type.split('.')[0]}_id": str(aggregate_id)},
    )
    session.add(event)
    await session.flush()
    return event


async def deliveries_of(session: AsyncSession, subscription: WebhookSubscription) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    result = await session.scalars(stmt.order_by(WebhookDelivery.created_at).execution_options(populate_existing=True))
    return list(result)


async def attempts_of(session: AsyncSession, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id).order_by(WebhookAttempt.attempted_at)
    return list(await session.scalars(stmt))


async def reload(session: AsyncSession, obj: object) -> None:
    await session.refresh(obj)
