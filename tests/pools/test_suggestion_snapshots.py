"""Operators' pool suggestions precomputed by the worker (app/pools/snapshots.py): the same answer as
grouping live, kept current from the logged changes by the next refresh, and what is logged."""

import uuid

import pytest
from sqlalchemy import func, select

from app.models import CondominiumMember, MembershipStatus, PoolSuggestionChange, PoolSuggestionGroup, User
from app.pools import snapshots, suggestions
from app.pools.views import suggestion_views
from app.seed.demo import seed_demo
from app.seed.reference import category_id
from tests.demand.conftest import post_request
from tests.factories import auth_headers, make_user
from tests.pools.conftest import NIL_22, POOLS_URL, TATA, create_pool, join, resident
from tests.pools.test_suggestions import NEAR, SUGGESTIONS_URL, sharing_request

COLF = category_id("colf")


def comparable(body: dict) -> dict:
    """A suggestions answer without its tokens (sealed afresh on every call)."""
    return {**body, "items": [{k: v for k, v in i.items() if k != "suggestion_token"} for i in body["items"]]}


async def get(client, user: User, **params) -> dict:
    response = await client.get(SUGGESTIONS_URL, params=params, headers=auth_headers(user))
    assert response.status_code == 200, response.text
    return response.json()


async def stored_scopes(session, nil_ids) -> int:
    key = snapshots.scope_of(nil_ids)
    return await session.scalar(select(func.count()).where(PoolSuggestionGroup.scope_key == key)) or 0


@pytest.fixture
async def mixed(client, session, hood):
    """Three tata requests near each other, two colf ones, and two residents of the building."""
    trio = [await sharing_request(client, session, point) for point in NEAR]
    for point in NEAR[:2]:
        await sharing_request(client, session, point, category_id=str(COLF))
    for _ in range(2):
        citizen = await resident(session, hood.building)
        await post_request(client, auth_headers(citizen), open_to_sharing=True, point=None, nil_id=str(NIL_22))
    return trio


async def test_the_stored_answer_is_the_live_one_for_every_filter_and_limit(client, session, hood, mixed):
    asks = [{}, {"limit": 1}, {"limit": 2}, {"category_id": str(TATA)}, {"category_id": str(COLF), "limit": 1}]
    asks += [{"hub_id": str(hood.hub.id)}, {"category_id": str(category_id("badante"))}]
    live = [comparable(await get(client, hood.operator, **ask)) for ask in asks]
    assert live[0]["total"] == 3  # the trio, the colf pair, the building's two households

    counts = await snapshots.refresh(session)

    assert counts["suggestion_groups"] >= 3 and await stored_scopes(session, [NIL_22]) == 3
    assert [comparable(await get(client, hood.operator, **ask)) for ask in asks] == live


async def test_a_change_shows_after_the_next_refresh_not_before(client, session, hood, mixed):
    await snapshots.refresh(session)
    before = await get(client, hood.operator, category_id=str(TATA))
    citizen, request = mixed[0]
    cancel = f"/v1/requests/{request['id']}/cancel"
    assert (await client.post(cancel, json={"reason": "found someone"}, headers=auth_headers(citizen))).is_success
    _, newcomer = await sharing_request(client, session, NEAR[1])

    stale = await get(client, hood.operator, category_id=str(TATA))
    counts = await snapshots.refresh(session)
    fresh = await get(client, hood.operator, category_id=str(TATA))

    assert comparable(stale) == comparable(before)  # read from the snapshot: no grouping per call
    assert counts["suggestion_categories"] == 1  # only tata grouped again, in the one scope
    ids = {m["request_id"] for item in fresh["items"] for m in item["members"]}
    assert request["id"] not in ids and newcomer["id"] in ids
    assert len(ids) == 5  # two of the trio, the newcomer, the building's two households


async def test_a_refresh_with_nothing_logged_groups_nothing_again(session, hood, mixed):
    await snapshots.refresh(session)

    assert (await snapshots.refresh(session))["suggestion_scopes"] == 0


async def test_joining_a_pool_takes_the_request_out_at_the_next_refresh(client, session, hood, mixed):
    await snapshots.refresh(session)
    citizen, request = mixed[0]
    pool = await create_pool(client, auth_headers(hood.operator))
    assert (await join(client, pool["id"], citizen, request_id=request["id"])).status_code == 200

    await snapshots.refresh(session)

    ids = {m["request_id"] for item in (await get(client, hood.operator))["items"] for m in item["members"]}
    assert request["id"] not in ids


async def test_a_token_from_the_snapshot_forms_a_pool(client, session, hood, mixed):
    await snapshots.refresh(session)
    token = (await get(client, hood.operator, category_id=str(TATA)))["items"][0]["suggestion_token"]

    response = await client.post(POOLS_URL, json={"suggestion_token": token}, headers=auth_headers(hood.operator))

    assert response.status_code == 201, response.text


async def test_a_snapshot_of_other_settings_is_not_read(client, session, hood, mixed, monkeypatch):
    await snapshots.refresh(session)
    from app.config import get_settings

    monkeypatch.setattr(get_settings().pools, "suggestion_min_overlap_minutes", 7 * 24 * 60)

    assert (await get(client, hood.operator))["items"] == []  # grouped live with today's settings
    await snapshots.refresh(session)  # and regrouped whole
    assert await stored_scopes(session, [NIL_22]) == 0


async def test_the_triggers_log_each_change_with_its_category(client, session, hood):
    async def logged() -> list[uuid.UUID | None]:
        rows = await session.scalars(select(PoolSuggestionChange.category_id).order_by(PoolSuggestionChange.id))
        return list(rows)

    await snapshots.refresh(session)  # takes whatever was logged before
    citizen = await make_user(session)
    await post_request(client, auth_headers(citizen), open_to_sharing=False)
    assert await logged() == []  # not open to sharing: no suggestion can change

    _, request = await sharing_request(client, session, NEAR[0])
    assert await logged() == [TATA]

    await snapshots.refresh(session)
    pending = MembershipStatus.pending
    session.add(CondominiumMember(condominium_id=hood.building.id, citizen_id=citizen.id, status=pending))
    await session.flush()
    assert await logged() == [None]  # a building's residents: every category


async def test_the_demo_data_reads_the_same_stored_as_live(client, session):
    await seed_demo(session)
    operators = await session.scalars(select(User).where(User.role == "hub_operator"))
    asks = [(user, params) for user in operators for params in ({}, {"limit": 1})]
    assert asks
    live = [comparable(await get(client, user, **params)) for user, params in asks]

    await snapshots.refresh(session)

    assert [comparable(await get(client, user, **params)) for user, params in asks] == live
    # (the demo's sharing requests are in its pools already; tests/test_generator.py compares a
    # generated city, where every hub has groups)


async def test_the_views_of_a_stored_group_match_the_live_ones(session, hood, mixed):
    """Below the API: the groups read back give the very views the live groups give."""
    live = await suggestions.suggest(session, hood.operator, hub_id=hood.hub.id, category_id=None, limit=10)
    await snapshots.refresh(session)
    stored = await suggestions.suggest(session, hood.operator, hub_id=hood.hub.id, category_id=None, limit=10)

    views = [await suggestion_views(session, found, viewer=hood.operator) for found in (live, stored)]
    assert [comparable(v.model_dump(mode="json")) for v in views] == [comparable(views[0].model_dump(mode="json"))] * 2
    assert all(isinstance(r, suggestions.StoredRequest) for g in stored.groups for r in g.requests)
