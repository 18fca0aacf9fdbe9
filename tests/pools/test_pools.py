"""Pools: forming, visibility, joining, offers, activation with exact shares, leaving, closing."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import AccreditationState, Notification, OutboxEvent, PoolMember, Role
from app.pools import membership
from tests.factories import auth_headers, make_hub, make_hub_operator, make_provider, make_user
from tests.pools.conftest import POOLS_URL, TATA, create_pool, join, offer, pool_body, resident


async def events_of(session, pool_id) -> list[str]:
    rows = await session.scalars(
        select(OutboxEvent.type).where(OutboxEvent.aggregate_id == pool_id).order_by(OutboxEvent.position)
    )
    return list(rows)


# --- forming and visibility ------------------------------------------------------------------------


async def test_a_citizen_forms_a_nil_pool_and_is_its_first_member(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))

    assert pool["state"] == "forming" and pool["members"] == 1
    assert pool["weekly_minutes"] == 360
    assert pool["hub_id"] == str(hood.hub.id)  # the hub serving the NIL looks after it
    assert pool["my_membership"]["status"] == "active"
    assert pool["can_coordinate"] is True
    assert await events_of(session, pool["id"]) == ["pool.formed", "member.joined"]


async def test_an_operator_forms_a_condominium_pool_without_joining_it(client, hood):
    pool = await create_pool(
        client, auth_headers(hood.operator), scope="condominium", condominium_id=str(hood.building.id), nil_id=None
    )

    assert pool["scope"] == "condominium" and pool["condominium_id"] == str(hood.building.id)
    assert pool["members"] == 0 and pool["my_membership"] is None


async def test_only_residents_and_the_hubs_operators_form_a_buildings_pool(client, session, hood, citizen_b):
    stranger_operator = await make_hub_operator(session, await make_hub(session, nil_codes=(76,)))
    body = pool_body(scope="condominium", condominium_id=str(hood.building.id), nil_id=None)

    by_outsider = await client.post(POOLS_URL, json=body, headers=auth_headers(citizen_b))
    by_stranger = await client.post(POOLS_URL, json=body, headers=auth_headers(stranger_operator))
    by_resident = await client.post(POOLS_URL, json=body, headers=auth_headers(await resident(session, hood.building)))

    assert (by_outsider.status_code, by_stranger.status_code, by_resident.status_code) == (403, 403, 201)


async def test_a_citizen_cannot_read_or_find_another_buildings_pools(client, session, hood, citizen_b):
    neighbour = await resident(session, hood.building)
    pool = await create_pool(
        client, auth_headers(neighbour), scope="condominium", condominium_id=str(hood.building.id), nil_id=None
    )

    read = await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(citizen_b))
    listed = await client.get(POOLS_URL, headers=auth_headers(citizen_b))
    joined = await join(client, pool["id"], citizen_b)
    by_fellow_resident = await client.get(
        f"{POOLS_URL}/{pool['id']}", headers=auth_headers(await resident(session, hood.building))
    )

    assert read.status_code == 404 and read.json()["code"] == "pool_not_found"
    assert listed.json()["items"] == []
    assert joined.status_code == 404
    assert joined.json()["code"] == "pool_not_found"
    assert by_fellow_resident.status_code == 200


async def test_operators_of_other_zones_do_not_see_a_hubs_pools(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))
    stranger = await make_hub_operator(session, await make_hub(session, nil_codes=(76,)))

    response = await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(stranger))

    assert response.status_code == 404
    assert response.json()["code"] == "pool_not_found"


async def test_providers_and_workers_do_not_form_pools(client, hood):
    response = await client.post(POOLS_URL, json=pool_body(), headers=auth_headers(hood.staff))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_hand_made_pool_needs_its_target_and_a_leaf_category(client, citizen_a, hood):
    no_nil = await client.post(POOLS_URL, json=pool_body(nil_id=None), headers=auth_headers(citizen_a))
    area = await client.post(
        POOLS_URL, json=pool_body(category_id="00000000-0000-0000-0000-000000000001"), headers=auth_headers(citizen_a)
    )
    bounds = await client.post(POOLS_URL, json=pool_body(min_members=4, max_members=3), headers=auth_headers(citizen_a))

    assert no_nil.status_code == 422 and no_nil.json()["errors"][0]["pointer"] == "/nil_id"
    assert area.status_code == 422 and area.json()["errors"][0]["pointer"] == "/category_id"
    assert bounds.status_code == 422
    assert bounds.json()["code"] == "validation_error"


# --- joining ---------------------------------------------------------------------------------------


async def test_max_members_is_enforced(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a), max_members=2)

    second = await join(client, pool["id"], await make_user(session))
    third = await join(client, pool["id"], await make_user(session))

    assert second.status_code == 200 and second.json()["seats_left"] == 0
    assert third.status_code == 409 and third.json()["code"] == "pool_full"


async def test_joining_twice_is_a_409_and_only_citizens_join(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))

    again = await join(client, pool["id"], citizen_a)
    by_staff = await join(client, pool["id"], hood.staff)

    assert again.status_code == 409 and again.json()["code"] == "already_in_pool"
    assert by_staff.status_code == 403
    assert by_staff.json()["code"] == "forbidden"


async def test_a_by_hours_pool_needs_each_households_minutes_within_the_schedule(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a), split_rule="by_hours", my_weekly_minutes=240)
    other = await make_user(session)

    missing = await join(client, pool["id"], other)
    too_many = await join(client, pool["id"], other, weekly_minutes=400)
    fine = await join(client, pool["id"], other, weekly_minutes=120)

    assert missing.status_code == 422 and missing.json()["errors"][0]["pointer"] == "/weekly_minutes"
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "validation_error"
    assert fine.status_code == 200 and fine.json()["my_membership"]["weekly_minutes"] == 120


async def test_a_member_links_their_own_open_request_only(client, session, hood, citizen_a, citizen_b):
    from tests.demand.conftest import post_request

    pool = await create_pool(client, auth_headers(citizen_a))
    theirs = await post_request(client, auth_headers(citizen_a))
    mine = await post_request(client, auth_headers(citizen_b))

    wrong = await join(client, pool["id"], citizen_b, request_id=theirs["id"])
    right = await join(client, pool["id"], citizen_b, request_id=mine["id"])

    assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "/request_id"
    assert right.json()["my_membership"]["request_id"] == mine["id"]


# --- offers, activation and shares -----------------------------------------------------------------


async def test_the_pool_activates_with_its_minimum_and_an_accepted_offer_and_shares_sum_exactly(
    client, session, hood, citizen_a, citizen_b
):
    pool = await create_pool(client, auth_headers(citizen_a), max_members=3)
    await join(client, pool["id"], citizen_b)
    proposed = await offer(client, pool["id"], hood, weekly_price_cents=10000, individual_hourly_cents=1200)

    accepted = await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))
    third = await join(client, pool["id"], await make_user(session))
    seen_by_b = (await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(citizen_b))).json()

    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert third.json()["state"] == "active"
    shares = seen_by_b["shares"]
    assert [s["share_cents"] for s in shares] == [3334, 3333, 3333]  # 100.00 EUR three ways
    assert sum(s["share_cents"] for s in shares) == seen_by_b["weekly_cost_cents"] == 10000
    assert all(s["individual_cents"] == 7200 for s in shares)  # 6 h at 12 EUR alone
    assert [s["saving_cents"] for s in shares] == [3866, 3867, 3867]
    assert [s["you"] for s in shares] == [False, True, False]
    assert seen_by_b["provider_id"] == str(hood.provider.id)
    assert "pool.activated" in await events_of(session, pool["id"])


async def test_a_pool_split_by_hours_shares_in_proportion(client, session, hood, citizen_a, citizen_b):
    pool = await create_pool(client, auth_headers(citizen_a), split_rule="by_hours", my_weekly_minutes=360)
    await join(client, pool["id"], citizen_b, weekly_minutes=180)
    await join(client, pool["id"], await make_user(session), weekly_minutes=90)
    proposed = await offer(client, pool["id"], hood, weekly_price_cents=10000, individual_hourly_cents=1500)

    await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))
    shares = (await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(citizen_a))).json()["shares"]

    # 360:180:90 of 100.00 EUR: quotas 5714.29, 2857.14, 1428.57; the spare cent goes to the largest fraction
    assert [s["share_cents"] for s in shares] == [5714, 2857, 1429]
    assert sum(s["share_cents"] for s in shares) == 10000
    assert [s["individual_cents"] for s in shares] == [9000, 4500, 2250]


async def test_accepting_below_the_minimum_prices_the_pool_but_it_keeps_forming(client, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))
    proposed = await offer(client, pool["id"], hood)

    await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))
    seen = (await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(citizen_a))).json()

    assert seen["state"] == "forming" and seen["weekly_cost_cents"] == 10000
    assert [s["share_cents"] for s in seen["shares"]] == [10000]


async def test_only_coordinators_accept_offers_and_others_are_declined(client, session, hood, citizen_a, citizen_b):
    pool = await create_pool(client, auth_headers(citizen_a))
    await join(client, pool["id"], citizen_b)
    other_staff = await make_user(session, role=Role.provider_staff)
    rival = await make_provider(session, staff=other_staff)
    first = await offer(client, pool["id"], hood)
    second = await client.post(
        f"{POOLS_URL}/{pool['id']}/offers",
        json={"provider_id": str(rival.id), "weekly_price_cents": 9000, "individual_hourly_cents": 1100},
        headers=auth_headers(other_staff),
    )

    by_member = await client.post(f"/v1/pool-offers/{first['id']}/accept", headers=auth_headers(citizen_b))
    by_operator = await client.post(
        f"/v1/pool-offers/{second.json()['id']}/accept", headers=auth_headers(hood.operator)
    )
    listed = await client.get(f"{POOLS_URL}/{pool['id']}/offers", headers=auth_headers(citizen_b))

    assert by_member.status_code == 403
    assert by_member.json()["code"] == "forbidden"
    assert by_operator.status_code == 200  # the operators of the pool's hub coordinate it too
    assert {o["id"]: o["status"] for o in listed.json()["items"]} == {
        first["id"]: "declined",
        second.json()["id"]: "accepted",
    }


async def test_a_suspended_providers_offer_cannot_be_accepted(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))
    proposed = await offer(client, pool["id"], hood)
    hood.provider.accreditation_state = AccreditationState.suspended
    await session.flush()

    response = await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


async def test_a_second_pending_offer_of_one_provider_is_a_409_and_a_stale_etag_a_412(client, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))
    proposed = await offer(client, pool["id"], hood)

    again = await client.post(
        f"{POOLS_URL}/{pool['id']}/offers",
        json={"provider_id": str(hood.provider.id), "weekly_price_cents": 1, "individual_hourly_cents": 1},
        headers=auth_headers(hood.staff),
    )
    stale = await client.post(
        f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a) | {"If-Match": '"99"'}
    )

    assert again.status_code == 409 and again.json()["code"] == "pool_offer_exists"
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"


# --- leaving and closing ---------------------------------------------------------------------------


async def _active_pool(client, session, hood, citizen_a, citizen_b, **overrides):
    pool = await create_pool(client, auth_headers(citizen_a), **overrides)
    await join(client, pool["id"], citizen_b)
    proposed = await offer(client, pool["id"], hood)
    await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))
    return pool


async def test_leaving_an_active_pool_below_its_minimum_sends_it_back_to_forming_and_tells_members(
    client, session, hood, citizen_a, citizen_b
):
    pool = await _active_pool(client, session, hood, citizen_a, citizen_b, notice_days=0)

    left = await client.post(f"{POOLS_URL}/{pool['id']}/leave", headers=auth_headers(citizen_b))
    told = await client.get("/v1/me/notifications", headers=auth_headers(citizen_a))

    assert left.status_code == 200 and left.json()["state"] == "forming" and left.json()["members"] == 1
    assert "pool.deactivated" in await events_of(session, pool["id"])
    assert told.json()["items"][0]["kind"] == "pool.back_to_forming"
    assert told.json()["items"][0]["subject_id"] == pool["id"]


async def test_leaving_with_notice_keeps_the_household_until_the_worker_ends_it(
    client, session, hood, citizen_a, citizen_b
):
    pool = await _active_pool(client, session, hood, citizen_a, citizen_b, notice_days=14)

    leaving = await client.post(f"{POOLS_URL}/{pool['id']}/leave", headers=auth_headers(citizen_b))
    early = await membership.sweep(session, datetime.now(UTC) + timedelta(days=13))
    late = await membership.sweep(session, datetime.now(UTC) + timedelta(days=15))
    after = (await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(citizen_a))).json()

    assert leaving.json()["state"] == "active" and leaving.json()["my_membership"]["status"] == "leaving"
    assert early["pool_departures"] == 0 and late["pool_departures"] == 1
    assert after["state"] == "forming" and after["members"] == 1
    kinds = list(await session.scalars(select(Notification.kind).where(Notification.user_id == citizen_a.id)))
    assert "pool.back_to_forming" in kinds


async def test_leaving_twice_or_without_membership_is_a_409(client, session, hood, citizen_a, citizen_b):
    pool = await create_pool(client, auth_headers(citizen_a))

    stranger = await client.post(f"{POOLS_URL}/{pool['id']}/leave", headers=auth_headers(citizen_b))

    assert stranger.status_code == 409 and stranger.json()["code"] == "not_in_pool"


async def test_closing_an_active_pool_gives_notice_and_the_worker_closes_it(
    client, session, hood, citizen_a, citizen_b
):
    pool = await _active_pool(client, session, hood, citizen_a, citizen_b, notice_days=7)

    by_member = await client.post(f"{POOLS_URL}/{pool['id']}/close", headers=auth_headers(citizen_b))
    closing = await client.post(f"{POOLS_URL}/{pool['id']}/close", headers=auth_headers(citizen_a))
    swept = await membership.sweep(session, datetime.now(UTC) + timedelta(days=8))
    after = (await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(hood.operator))).json()
    live = list(await session.scalars(select(PoolMember.status).where(PoolMember.pool_id == after["id"])))

    assert by_member.status_code == 403
    assert by_member.json()["code"] == "forbidden"
    assert closing.json()["state"] == "closing" and closing.json()["closes_at"] is not None
    assert swept["pools_closed"] == 1 and after["state"] == "closed"
    assert {s.value for s in live} == {"left"}


async def test_the_hubs_operators_read_the_members_and_citizens_even_the_creator_do_not(
    client, session, hood, citizen_a, citizen_b
):
    pool = await create_pool(client, auth_headers(citizen_a))
    await join(client, pool["id"], citizen_b)

    by_operator = await client.get(f"{POOLS_URL}/{pool['id']}/members", headers=auth_headers(hood.operator))
    by_member = await client.get(f"{POOLS_URL}/{pool['id']}/members", headers=auth_headers(citizen_b))
    by_creator = await client.get(f"{POOLS_URL}/{pool['id']}/members", headers=auth_headers(citizen_a))

    assert [m["citizen_id"] for m in by_operator.json()] == [str(citizen_a.id), str(citizen_b.id)]
    assert by_member.status_code == 403 and by_creator.status_code == 403


async def test_providers_see_running_pools_but_not_the_shares(client, session, hood, citizen_a, citizen_b):
    pool = await _active_pool(client, session, hood, citizen_a, citizen_b)

    seen = await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(hood.staff))

    assert seen.status_code == 200
    assert seen.json()["shares"] is None and seen.json()["category_id"] == str(TATA)


# --- changing a pool -------------------------------------------------------------------------------


async def test_a_coordinator_changes_a_pool_with_a_fresh_etag_and_not_below_its_households(
    client, session, hood, citizen_a, citizen_b
):
    pool = await create_pool(client, auth_headers(citizen_a), max_members=4)
    await join(client, pool["id"], citizen_b)
    await join(client, pool["id"], await make_user(session))
    url, etag = f"{POOLS_URL}/{pool['id']}", f'"{pool["version"]}"'

    by_member = await client.patch(url, json={"title": "Mia"}, headers=auth_headers(citizen_b))
    below_households = await client.patch(url, json={"max_members": 2}, headers=auth_headers(citizen_a))
    changed = await client.patch(
        url, json={"title": "Tata del martedì", "max_members": 5}, headers=auth_headers(citizen_a) | {"If-Match": etag}
    )
    stale = await client.patch(url, json={"title": "Altro"}, headers=auth_headers(citizen_a) | {"If-Match": etag})

    assert by_member.status_code == 403
    assert by_member.json()["code"] == "forbidden"
    assert below_households.status_code == 422 and below_households.json()["errors"][0]["pointer"] == "/max_members"
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["max_members"], changed.json()["seats_left"]) == (
        "Tata del martedì",
        5,
        2,
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"


async def test_lowering_the_minimum_of_a_priced_pool_activates_it(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a), min_members=3)
    await join(client, pool["id"], await make_user(session))
    proposed = await offer(client, pool["id"], hood)
    await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))

    lowered = await client.patch(f"{POOLS_URL}/{pool['id']}", json={"min_members": 2}, headers=auth_headers(citizen_a))

    assert lowered.status_code == 200 and lowered.json()["state"] == "active"


async def test_an_active_pool_cannot_raise_its_minimum_above_its_households(
    client, session, hood, citizen_a, citizen_b
):
    pool = await _active_pool(client, session, hood, citizen_a, citizen_b)

    response = await client.patch(f"{POOLS_URL}/{pool['id']}", json={"min_members": 3}, headers=auth_headers(citizen_a))

    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/min_members"


# --- access that ends with its reason --------------------------------------------------------------


async def test_a_citizen_who_formed_a_pool_stops_coordinating_it_when_they_leave(client, session, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))
    await join(client, pool["id"], await make_user(session))
    proposed = await offer(client, pool["id"], hood)

    await client.post(f"{POOLS_URL}/{pool['id']}/leave", headers=auth_headers(citizen_a))
    seen = await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(citizen_a))
    accept = await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))
    by_operator = await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(hood.operator))

    assert seen.json()["can_coordinate"] is False
    assert accept.status_code == 403
    assert accept.json()["code"] == "forbidden"
    assert by_operator.status_code == 200


async def test_a_household_that_leaves_the_building_leaves_its_pools_at_the_next_sweep(client, session, hood):
    first, second = await resident(session, hood.building), await resident(session, hood.building)
    pool = await create_pool(
        client, auth_headers(first), scope="condominium", condominium_id=str(hood.building.id), nil_id=None
    )
    await join(client, pool["id"], second)

    left = await client.delete(f"/v1/condominiums/{hood.building.id}/membership", headers=auth_headers(second))
    swept = await membership.sweep(session)
    after = (await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(first))).json()
    theirs = await client.get(f"{POOLS_URL}/{pool['id']}", headers=auth_headers(second))

    assert left.status_code == 204
    assert swept["pool_residents_moved_out"] == 1
    assert after["members"] == 1
    assert theirs.status_code == 404  # no longer a resident, no longer a member: the building's pool is gone
    assert theirs.json()["code"] == "pool_not_found"


async def test_a_pool_offers_note_is_masked_for_the_pool_until_it_accepts_that_offer(client, hood, citizen_a):
    pool = await create_pool(client, auth_headers(citizen_a))
    note = "Chiamatemi al 347 123 4567 o scrivete a tata@example.org"
    made = await offer(client, pool["id"], hood, message=note)

    as_author = (await client.get(f"{POOLS_URL}/{pool['id']}/offers", headers=auth_headers(hood.staff))).json()
    as_household = (await client.get(f"{POOLS_URL}/{pool['id']}/offers", headers=auth_headers(citizen_a))).json()
    accepted = await client.post(
        f"/v1/pool-offers/{made['id']}/accept", headers={**auth_headers(citizen_a), "If-Match": f'"{made["version"]}"'}
    )

    assert made["message"] == note  # the author's own response shows what it wrote
    assert as_author["items"][0]["message"] == note
    assert as_author["items"][0]["message_masked_kinds"] == ["email", "phone"]  # what the pool won't see
    masked = as_household["items"][0]
    assert "347" not in masked["message"] and "tata@example.org" not in masked["message"]
    assert masked["message"].startswith("Chiamatemi al ")
    assert sorted(masked["message_masked_kinds"]) == ["email", "phone"]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["message"] == note
    assert accepted.json()["message_masked_kinds"] == []
