"""GET /v1/events: partner visibility, cursor paging, type filters, and commit order under two real
concurrent transactions that commit out of order.

The feed only shows events whose transaction is older than every running one, so these tests
commit for real on the engine (the usual rolled-back test transaction would hide its own events)
and delete what they created afterwards.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.config import get_settings
from app.main import create_app
from app.models import OutboxEvent, PartnerClient, Provider, Service
from tests.factories import auth_headers, make_partner_client, make_provider, make_service, make_user, partner_headers
from tests.problem_codes import checked_client


@dataclass
class World:
    provider_a: Provider
    provider_b: Provider
    listing_a: Service
    listing_b: Service
    p1: PartnerClient  # manages provider A
    p2: PartnerClient  # manages provider B
    no_scope: PartnerClient
    tag: str


@pytest.fixture
async def world(engine: AsyncEngine) -> AsyncIterator[World]:
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        a = await make_provider(setup, display_name=f"Ontano {tag}")
        b = await make_provider(setup, display_name=f"Pioppo {tag}")
        world = World(
            provider_a=a,
            provider_b=b,
            listing_a=await make_service(setup, a),
            listing_b=await make_service(setup, b),
            p1=await make_partner_client(setup, scopes=("events:read",), provider_id=a.id, client_id=f"pc_p1_{tag}"),
            p2=await make_partner_client(setup, scopes=("events:read",), provider_id=b.id, client_id=f"pc_p2_{tag}"),
            no_scope=await make_partner_client(setup, scopes=("listings:write",), client_id=f"pc_ns_{tag}"),
            tag=tag,
        )
        await setup.commit()
    yield world
    async with sessions() as cleanup:
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.payload["tag"].astext == tag))
        clients = [world.p1.id, world.p2.id, world.no_scope.id]
        await cleanup.execute(delete(PartnerClient).where(PartnerClient.id.in_(clients)))
        await cleanup.execute(delete(Service).where(Service.provider_id.in_([a.id, b.id])))
        await cleanup.execute(delete(Provider).where(Provider.id.in_([a.id, b.id])))
        await cleanup.commit()


@pytest.fixture
async def live(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the real engine: each request is its own transaction, as in production."""
    app = create_app(get_settings())
    app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with checked_client(app) as http:
        yield http
    await app.state.rate_limits.close()


async def commit_events(engine: AsyncEngine, world: World, *events: tuple[str, uuid.UUID]) -> list[uuid.UUID]:
    ids = []
    async with async_sessionmaker(engine)() as s:
        for type_, aggregate_id in events:
            event = OutboxEvent(
                id=uuid.uuid4(),
                type=type_,
                aggregate_type=type_.split(".")[0],
                aggregate_id=aggregate_id,
                payload={"tag": world.tag},
            )
            s.add(event)
            ids.append(event.id)
        await s.commit()
    return ids


async def wait_until_settled(engine: AsyncEngine, event_ids: list[uuid.UUID]) -> None:
    """Wait until every transaction older than these events' has ended, anywhere on the server
    (other test runs may share it): only then does the feed show them."""
    async with engine.connect() as conn:
        for _ in range(1200):
            pending = await conn.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.id.in_(event_ids))
                .where(OutboxEvent.xact_id >= func.pg_snapshot_xmin(func.pg_current_snapshot()))
            )
            await conn.rollback()
            if pending == 0:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the transaction horizon did not pass the events within 60 s")


async def read_all(live: httpx.AsyncClient, partner: PartnerClient, tag: str, **params: object) -> list[dict]:
    """Every page of the feed, keeping this test's events only."""
    items, cursor = [], None
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        page = (await live.get("/v1/events", params=query, headers=partner_headers(partner))).json()
        items += [e for e in page["items"] if e["data"].get("tag") == tag]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items


async def test_a_partner_sees_public_events_and_those_of_its_own_provider_only(engine, live, world):
    ids = await commit_events(
        engine,
        world,
        ("service.published", world.listing_b.id),  # public
        ("service.draft", world.listing_a.id),  # owner: A's listing
        ("service.draft", world.listing_b.id),  # owner: B's listing
        ("provider.submitted", world.provider_a.id),  # owner: A
        ("provider.verification_recorded", world.provider_b.id),  # owner: B
        ("request.opened", world.provider_a.id),  # citizens' demand: never
        ("offer.created", world.provider_a.id),  # never
    )
    await wait_until_settled(engine, ids)

    seen_by_p1 = await read_all(live, world.p1, world.tag)
    seen_by_p2 = await read_all(live, world.p2, world.tag)

    assert [e["type"] for e in seen_by_p1] == ["service.published", "service.draft", "provider.submitted"]
    assert [e["aggregate_id"] for e in seen_by_p1[1:]] == [str(world.listing_a.id), str(world.provider_a.id)]
    assert [e["type"] for e in seen_by_p2] == ["service.published", "service.draft", "provider.verification_recorded"]
    assert [e["id"] for e in seen_by_p1] == [str(ids[0]), str(ids[1]), str(ids[3])]


async def test_pages_chain_without_gaps_or_duplicates_and_an_empty_page_keeps_the_cursor(engine, live, world):
    ids = await commit_events(engine, world, *[("service.published", uuid.UUID(int=i)) for i in range(1, 8)])
    await wait_until_settled(engine, ids)

    items = await read_all(live, world.p1, world.tag, limit=2)
    first = (await live.get("/v1/events", params={"limit": 100}, headers=partner_headers(world.p1))).json()
    while first["has_more"]:
        first = (
            await live.get(
                "/v1/events", params={"limit": 100, "after": first["next_cursor"]}, headers=partner_headers(world.p1)
            )
        ).json()
    tail = first["next_cursor"]
    empty = (await live.get("/v1/events", params={"after": tail}, headers=partner_headers(world.p1))).json()

    assert [e["id"] for e in items] == [str(i) for i in ids]
    assert empty == {"items": [], "next_cursor": tail, "has_more": False}


async def test_types_filter_accepts_wildcards_and_refuses_unknown_types(engine, live, world):
    ids = await commit_events(
        engine, world, ("service.published", world.listing_a.id), ("provider.accredited", world.provider_a.id)
    )
    await wait_until_settled(engine, ids)

    providers = await read_all(live, world.p1, world.tag, types="provider.*")
    unknown = await live.get("/v1/events", params={"types": "service.*,nope.x"}, headers=partner_headers(world.p1))

    assert [e["type"] for e in providers] == ["provider.accredited"]
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "/types"


async def test_two_transactions_committing_out_of_order_are_read_without_gaps(engine, live, world):
    """B takes its transaction id first, A then inserts (lower position), B inserts and commits
    while A is still open. Reading by position alone would hand out a cursor past A's event;
    the feed orders by (transaction, position), so A's event still comes after that cursor."""
    headers = partner_headers(world.p1)
    start = (await live.get("/v1/events", params={"limit": 100}, headers=headers)).json()
    while start["has_more"]:
        start = (
            await live.get("/v1/events", params={"limit": 100, "after": start["next_cursor"]}, headers=headers)
        ).json()
    cursor = start["next_cursor"]

    def event(aggregate: int) -> dict:
        return {"id": uuid.uuid4(), "agg": uuid.UUID(int=aggregate), "payload": f'{{"tag": "{world.tag}"}}'}

    insert = text(
        "INSERT INTO outbox_event (id, occurred_at, type, aggregate_type, aggregate_id, payload) "
        "VALUES (:id, now(), 'service.published', 'service', :agg, CAST(:payload AS jsonb)) RETURNING position"
    )
    async with engine.connect() as a, engine.connect() as b:
        tx_b = await b.begin()
        await b.execute(text("SELECT pg_current_xact_id()"))  # B's transaction id is the older one
        tx_a = await a.begin()
        event_a, event_b = event(1), event(2)
        position_a = await a.scalar(insert, event_a)
        position_b = await b.scalar(insert, event_b)
        await tx_b.commit()
        await wait_until_settled(engine, [event_b["id"]])  # waits on everything older than B, not on A
        while_a_open = (await live.get("/v1/events", params={"after": cursor}, headers=headers)).json()
        naive = await engine.connect()
        try:
            by_position = list(
                await naive.scalars(
                    select(OutboxEvent.position).where(OutboxEvent.id.in_([event_a["id"], event_b["id"]]))
                )
            )
        finally:
            await naive.close()
        await tx_a.commit()
    await wait_until_settled(engine, [event_a["id"]])
    after_a = (await live.get("/v1/events", params={"after": while_a_open["next_cursor"]}, headers=headers)).json()

    assert position_a < position_b  # A's event has the lower position but commits last
    assert by_position == [position_b]  # a position-ordered reader would already move past A's slot
    assert [e["id"] for e in while_a_open["items"] if e["data"].get("tag") == world.tag] == [str(event_b["id"])]
    assert [e["id"] for e in after_a["items"] if e["data"].get("tag") == world.tag] == [str(event_a["id"])]


async def test_an_event_of_a_running_transaction_is_not_shown_yet(engine, live, world):
    async with engine.connect() as conn:
        tx = await conn.begin()
        event_id = uuid.uuid4()
        await conn.execute(
            text(
                "INSERT INTO outbox_event (id, occurred_at, type, aggregate_type, aggregate_id, payload) "
                "VALUES (:id, now(), 'service.published', 'service', :id, CAST(:p AS jsonb))"
            ),
            {"id": event_id, "p": f'{{"tag": "{world.tag}"}}'},
        )
        other = await make_event_committed(engine, world)
        page = await read_all(live, world.p1, world.tag)
        await tx.rollback()

    assert str(other) not in [e["id"] for e in page]  # younger than the running transaction: held back
    assert str(event_id) not in [e["id"] for e in page]


async def make_event_committed(engine: AsyncEngine, world: World) -> uuid.UUID:
    [event_id] = await commit_events(engine, world, ("service.published", world.listing_a.id))
    return event_id


@pytest.mark.parametrize("tamper", ["flip-signature", "garbage", "other-list"])
async def test_a_tampered_or_foreign_cursor_is_a_400_problem(engine, live, world, tamper):
    ids = await commit_events(engine, world, ("service.published", world.listing_a.id))
    await wait_until_settled(engine, ids)
    headers = partner_headers(world.p1)
    page = (await live.get("/v1/events", params={"limit": 1}, headers=headers)).json()
    body, _, signature = page["next_cursor"].partition(".")
    from app.pagination import encode_cursor

    bad = {
        "flip-signature": f"{body}.{signature[::-1]}",
        "garbage": "not-a-cursor",
        "other-list": encode_cursor("webhooks", ["1", 1]),
    }[tamper]

    response = await live.get("/v1/events", params={"after": bad}, headers=headers)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_cursor"


async def test_the_feed_needs_the_events_scope_and_a_partner(live, world, engine):
    async with async_sessionmaker(engine, expire_on_commit=False)() as s:
        citizen = await make_user(s, email=f"feed.citizen.{world.tag}@example.org")
        await s.commit()
    try:
        no_scope = await live.get("/v1/events", headers=partner_headers(world.no_scope))
        as_citizen = await live.get("/v1/events", headers=auth_headers(citizen))
        anonymous = await live.get("/v1/events")
    finally:
        async with async_sessionmaker(engine)() as s:
            await s.execute(delete(type(citizen)).where(type(citizen).id == citizen.id))
            await s.commit()

    assert (no_scope.status_code, as_citizen.status_code, anonymous.status_code) == (403, 403, 401)


async def test_the_event_type_catalogue_lists_audiences(live, world):
    response = await live.get("/v1/events/types", headers=partner_headers(world.p1))

    types = {t["type"]: t["audience"] for t in response.json()["items"]}
    assert response.status_code == 200
    assert types["service.published"] == "public" and types["provider.submitted"] == "owner"
    assert not any(t.startswith(("request.", "offer.", "engagement.")) for t in types)
