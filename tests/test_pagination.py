"""Keyset pagination: complete, stable walks; bounded page sizes; signed, list-bound cursors."""

import re
import uuid

import pytest

from app.models import Role
from app.pagination import CURSOR_MAX_LENGTH, CURSOR_PATTERN, encode_cursor
from tests.factories import auth_headers, make_hub, make_user

MUNICIPI = 9
NILS = 88


async def walk(client, path: str, **params) -> list[dict]:
    """Every item of a list, following next_cursor until it is null."""
    items: list[dict] = []
    cursor = None
    for _ in range(200):  # a broken cursor must fail the test, not loop forever
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def flip_char(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


async def first_zone_cursor(client) -> str:
    response = await client.get("/v1/zones", params={"limit": 10})
    return response.json()["next_cursor"]


async def test_walking_zones_ten_at_a_time_returns_all_97_once_in_kind_code_order(client):
    items = await walk(client, "/v1/zones", limit=10)

    assert len(items) == MUNICIPI + NILS
    assert len({item["id"] for item in items}) == len(items)
    keys = [(item["kind"], item["code"]) for item in items]
    assert keys == sorted(keys, key=lambda key: (key[0] != "municipio", key[1]))
    assert [kind for kind, _ in keys].count("municipio") == MUNICIPI


async def test_walking_zones_with_another_page_size_gives_the_same_order(client):
    first = await walk(client, "/v1/zones", limit=10)

    second = await walk(client, "/v1/zones", limit=7)

    assert [item["id"] for item in first] == [item["id"] for item in second]


@pytest.mark.parametrize("limit", [0, 101, -1])
async def test_limit_outside_1_to_100_returns_422(client, limit):
    response = await client.get("/v1/zones", params={"limit": limit})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/limit"
    assert response.json()["errors"][0]["location"] == "query"


async def test_cursor_with_edited_payload_returns_400_invalid_cursor(client):
    cursor = await first_zone_cursor(client)
    tampered = flip_char(cursor, 0)

    response = await client.get("/v1/zones", params={"limit": 10, "cursor": tampered})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_cursor"


async def test_cursor_with_edited_signature_returns_400_invalid_cursor(client):
    cursor = await first_zone_cursor(client)
    tampered = flip_char(cursor, cursor.index(".") + 1)

    response = await client.get("/v1/zones", params={"limit": 10, "cursor": tampered})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("garbage", ["not-a-cursor", "....", "eyJzIjoiem9uZXMifQ", "%%%.%%%"])
async def test_a_cursor_without_the_published_shape_returns_422(client, garbage):
    response = await client.get("/v1/zones", params={"cursor": garbage})

    assert response.status_code == 422  # the contract's pattern for cursors
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("forged", ["eyJzIjoiem9uZXMifQ." + "A" * 22, "e30." + "-" * 22])
async def test_a_cursor_of_the_right_shape_but_not_signed_by_us_returns_400_invalid_cursor(client, forged):
    response = await client.get("/v1/zones", params={"cursor": forged})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_cursor_of_another_list_returns_400_invalid_cursor(client, session, admin, as_admin):
    for _ in range(3):
        await make_user(session)
    users_page = await client.get("/v1/users", params={"limit": 1}, headers=as_admin)
    users_cursor = users_page.json()["next_cursor"]

    response = await client.get("/v1/zones", params={"cursor": users_cursor})

    assert users_cursor is not None
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_zone_cursor_used_on_users_list_returns_400_invalid_cursor(client, session):
    admin = await make_user(session, role=Role.admin)
    zones_cursor = await first_zone_cursor(client)

    response = await client.get("/v1/users", params={"cursor": zones_cursor}, headers=auth_headers(admin))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_page_past_the_end_returns_empty_items_and_no_next_cursor(client):
    cursor_among_nils = await first_zone_cursor(client)  # after 9 municipi and the first NIL

    response = await client.get("/v1/zones", params={"kind": "municipio", "cursor": cursor_among_nils})

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_last_page_has_null_next_cursor(client):
    response = await client.get("/v1/zones", params={"limit": 100})

    assert response.status_code == 200
    assert len(response.json()["items"]) == MUNICIPI + NILS
    assert response.json()["next_cursor"] is None


async def test_filter_combines_with_cursor_so_nil_pages_hold_only_nils(client):
    items = await walk(client, "/v1/zones", limit=10, kind="nil")

    assert len(items) == NILS
    assert {item["kind"] for item in items} == {"nil"}
    assert [item["code"] for item in items] == sorted(item["code"] for item in items)
    assert len({item["id"] for item in items}) == NILS


@pytest.mark.parametrize("char", ["\u00e8", "\U0001f600", "\x01", '"'])
def test_the_longest_cursor_a_list_can_write_has_the_published_shape(char):
    # the longest key any list sorts by: a 200-character name (hubs, condominiums), written with the
    # character that costs most (2-byte accent, 4-byte emoji, 6-byte control escape, escaped quote)
    cursor = encode_cursor("x" * 40, [char * 200, uuid.uuid4()])

    assert re.fullmatch(CURSOR_PATTERN, cursor)
    assert len(cursor) <= CURSOR_MAX_LENGTH


async def test_walking_hubs_past_names_of_200_accented_characters_returns_each_once(client, session):
    names = [letter * 200 for letter in ("\u00c0", "\u00c8", "\u00cc")]  # À..., È..., Ì...
    created = {(await make_hub(session, name=name)).id for name in names}

    walked = await walk(client, "/v1/hubs", limit=1)

    assert [hub["name"] for hub in walked if uuid.UUID(hub["id"]) in created] == names
