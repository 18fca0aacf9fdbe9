"""The inbox: unread counts for a badge, mark all read (until an instant, of some kinds), filters by
kind or family, cursor pagination, and the catalogue of kinds. Always the caller's own only."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.models import Language, Notification
from app.notification_kinds import MAX_KINDS, NOTIFICATION_KINDS
from tests.factories import auth_headers

INBOX = "/v1/me/notifications"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def told(session, user, *kinds: str, start: datetime = T0) -> list[Notification]:
    """Notifications of `kinds` for `user`, a minute apart from `start` (oldest first)."""
    rows = [
        Notification(
            user_id=user.id,
            kind=kind,
            subject_type=NOTIFICATION_KINDS[kind].subject_type,
            subject_id=uuid.uuid4(),
            data={},
            created_at=start + timedelta(minutes=index),
        )
        for index, kind in enumerate(kinds)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


@pytest.fixture
async def inbox_a(session, citizen_a, citizen_b) -> list[Notification]:
    """citizen_a: two offers received, an engagement completed, a pool activated; citizen_b has one too."""
    await told(session, citizen_b, "offer.received")
    return await told(session, citizen_a, "offer.received", "engagement.completed", "offer.received", "pool.activated")


async def unread(client, headers) -> dict:
    response = await client.get(f"{INBOX}/unread-count", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def kinds_listed(client, headers, **params) -> list[str]:
    response = await client.get(INBOX, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["kind"] for item in response.json()["items"]]


# --- unread counts -----------------------------------------------------------------------------------


async def test_a_new_person_has_nothing_unread(client, as_citizen_a):
    assert await unread(client, as_citizen_a) == {"total": 0, "by_kind": {}}


async def test_the_badge_counts_ones_own_unread_per_kind(client, inbox_a, as_citizen_a, as_citizen_b):
    await client.post(f"{INBOX}/{inbox_a[3].id}/read", headers=as_citizen_a)

    mine = await unread(client, as_citizen_a)
    theirs = await unread(client, as_citizen_b)

    assert mine == {"total": 3, "by_kind": {"engagement.completed": 1, "offer.received": 2}}
    assert theirs == {"total": 1, "by_kind": {"offer.received": 1}}


async def test_the_unread_count_needs_a_signed_in_person(client):
    response = await client.get(f"{INBOX}/unread-count")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- filtering by kind -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("offer.received", ["offer.received", "offer.received"]),
        ("offer.*", ["offer.received", "offer.received"]),
        ("pool.activated,engagement.*", ["pool.activated", "engagement.completed"]),
        (" offer.received , pool.* ", ["pool.activated", "offer.received", "offer.received"]),
        ("*", ["pool.activated", "offer.received", "engagement.completed", "offer.received"]),
        ("review.approved", []),  # a kind nobody told this person of: an empty page, not an error
    ],
)
async def test_the_list_filters_by_kinds_and_families(client, inbox_a, as_citizen_a, kind, expected):
    assert await kinds_listed(client, as_citizen_a, kind=kind) == expected


async def test_the_kind_filter_combines_with_unread(client, inbox_a, as_citizen_a):
    await client.post(f"{INBOX}/{inbox_a[2].id}/read", headers=as_citizen_a)

    response = await client.get(INBOX, params={"kind": "offer.*", "unread": "true"}, headers=as_citizen_a)

    assert [item["id"] for item in response.json()["items"]] == [str(inbox_a[0].id)]


@pytest.mark.parametrize("kind", ["offer.recieved", "nothing.*", "offer", "offer.received,pool.activatd", ".*"])
async def test_an_unknown_kind_or_family_is_a_422_naming_it(client, inbox_a, as_citizen_a, kind):
    response = await client.get(INBOX, params={"kind": kind}, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_notification_kind"
    assert response.json()["errors"][0]["pointer"] == "/kind"
    assert response.json()["errors"][0]["location"] == "query"


async def test_a_filtered_list_pages_with_its_cursor(client, session, citizen_a, as_citizen_a):
    await told(session, citizen_a, *["offer.received", "pool.activated"] * 5)

    first = await client.get(INBOX, params={"kind": "offer.*", "limit": 2}, headers=as_citizen_a)
    seen = [item["id"] for item in first.json()["items"]]
    cursor = first.json()["next_cursor"]
    while cursor:
        page = await client.get(INBOX, params={"kind": "offer.*", "limit": 2, "cursor": cursor}, headers=as_citizen_a)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        assert {item["kind"] for item in page.json()["items"]} == {"offer.received"}
        cursor = page.json()["next_cursor"]

    assert len(seen) == len(set(seen)) == 5


# --- marking all read --------------------------------------------------------------------------------


async def test_read_all_marks_every_unread_of_ones_own_and_says_what_is_left(
    client, session, inbox_a, as_citizen_a, as_citizen_b
):
    response = await client.post(f"{INBOX}/read-all", headers=as_citizen_a)
    again = await client.post(f"{INBOX}/read-all", headers=as_citizen_a)

    assert response.status_code == 200, response.text
    assert response.json() == {"marked": 4, "unread": {"total": 0, "by_kind": {}}}
    assert again.json() == {"marked": 0, "unread": {"total": 0, "by_kind": {}}}
    assert await kinds_listed(client, as_citizen_a, unread="true") == []
    assert (await unread(client, as_citizen_b))["total"] == 1  # another person's stay unread


async def test_read_all_until_an_instant_leaves_what_arrived_since_unread(client, inbox_a, as_citizen_a):
    until = (T0 + timedelta(minutes=1)).isoformat()  # the first two

    response = await client.post(f"{INBOX}/read-all", json={"until": until}, headers=as_citizen_a)

    assert response.json() == {
        "marked": 2,
        "unread": {"total": 2, "by_kind": {"offer.received": 1, "pool.activated": 1}},
    }


async def test_read_all_of_some_kinds_leaves_the_others(client, inbox_a, as_citizen_a):
    response = await client.post(
        f"{INBOX}/read-all", json={"kinds": ["offer.*", "pool.activated"]}, headers=as_citizen_a
    )

    assert response.json() == {"marked": 3, "unread": {"total": 1, "by_kind": {"engagement.completed": 1}}}


async def test_read_all_keeps_the_first_read_time_of_what_was_already_read(client, session, inbox_a, as_citizen_a):
    first = await client.post(f"{INBOX}/{inbox_a[0].id}/read", headers=as_citizen_a)

    await client.post(f"{INBOX}/read-all", headers=as_citizen_a)
    listed = await client.get(INBOX, params={"kind": "offer.received"}, headers=as_citizen_a)

    read_at = {item["id"]: item["read_at"] for item in listed.json()["items"]}
    assert read_at[str(inbox_a[0].id)] == first.json()["read_at"]
    assert read_at[str(inbox_a[2].id)] is not None


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"kinds": ["offer.*", "nothing.*"]}, "/kinds/1"),
        ({"kinds": ["offer.recieved"]}, "/kinds/0"),
    ],
)
async def test_read_all_of_an_unknown_kind_is_a_422_and_marks_nothing(client, inbox_a, as_citizen_a, body, pointer):
    response = await client.post(f"{INBOX}/read-all", json=body, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_notification_kind"
    assert response.json()["errors"][0]["pointer"] == pointer
    assert (await unread(client, as_citizen_a))["total"] == 4


@pytest.mark.parametrize(
    "body",
    [
        {"until": "2026-11-01T09:00:00"},  # no offset: which instant?
        {"until": 1764579600},  # a bare number is not RFC 3339
        {"kinds": [""]},
        {"kinds": ["x" * 63]},
        {"everything": True},
    ],
)
async def test_read_all_refuses_a_malformed_body(client, inbox_a, as_citizen_a, body):
    response = await client.post(f"{INBOX}/read-all", json=body, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_read_all_needs_a_signed_in_person(client):
    response = await client.post(f"{INBOX}/read-all")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- the catalogue of kinds --------------------------------------------------------------------------


async def test_the_catalogue_lists_every_kind_titled_in_the_readers_language(client, session, citizen_a):
    citizen_a.preferred_language = Language.en
    await session.flush()

    english = await client.get("/v1/notification-kinds", headers=auth_headers(citizen_a))
    italian = await client.get("/v1/notification-kinds", headers=auth_headers(citizen_a) | {"Accept-Language": "it"})

    assert english.status_code == 200, english.text
    assert [k["name"] for k in english.json()["items"]] == list(NOTIFICATION_KINDS)
    offer = next(k for k in english.json()["items"] if k["name"] == "offer.received")
    assert offer == {
        "name": "offer.received",
        "subject_type": "offer",
        "recipients": NOTIFICATION_KINDS["offer.received"].recipients,
        "title": "New offer received",
        "title_it": "Nuova offerta ricevuta",
        "title_en": "New offer received",
        "email_default": "instant",
    }
    assert (
        next(k for k in italian.json()["items"] if k["name"] == "offer.received")["title"] == "Nuova offerta ricevuta"
    )


async def test_the_catalogue_is_for_signed_in_people(client):
    response = await client.get("/v1/notification-kinds")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_catalogue_stays_within_the_bound_the_contract_publishes_for_lists_of_kinds():
    assert len(NOTIFICATION_KINDS) <= MAX_KINDS
