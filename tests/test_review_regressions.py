# ruff: noqa: F811 - pytest fixtures imported from other conftests are redefined as parameters
"""Regressions for bugs a code review found (each failed before its fix).

Each test's docstring says what was wrong and what must happen instead.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from app.webhooks import delivery
from tests.factories import auth_headers
from tests.pools.conftest import POOLS_URL, hood  # noqa: F401 - fixture
from tests.pools.test_suggestions import sharing_request
from tests.problem_codes import checked_client
from tests.webhooks.conftest import (  # noqa: F401 - fixtures
    attempts_of,
    deliveries_of,
    local,
    make_event,
    make_subscription,
    partner_p1,
    provider_a,
    receiver,
    sessions,
)
from tests.webhooks.receiver import Reply

SUGGESTIONS_URL = f"{POOLS_URL}/suggestions"
NEAR = [{"lat": 45.4781, "lon": 9.2265}, {"lat": 45.4790, "lon": 9.2280}, {"lat": 45.4772, "lon": 9.2290}]


@pytest.fixture
async def lenient(app, client) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client` (same app and transaction), but a crash comes back as the 500 a caller sees."""
    async with checked_client(app, client=("203.0.113.7", 50000), raise_app_exceptions=False) as lenient_client:
        yield lenient_client


# --- privacy -------------------------------------------------------------------------------------------


async def test_citizen_who_forms_a_pool_from_a_suggestion_cannot_read_the_invited_households_identities(
    client,
    session,
    hood,
):
    """app/pools/service.py list_members + access.can_coordinate: a citizen who redeems their own
    suggestion becomes the pool's creator, hence a "coordinator", and GET /pools/{id}/members then
    returns the citizen_id and full_name of every other requester the suggestion matched (invited,
    who never agreed to anything). The issue says suggestions show the members' NILs, "never their
    identities to anyone but an operator". Expected: the citizen gets 403 (or no other household's
    identity)."""
    trio = [await sharing_request(client, session, point) for point in NEAR]
    citizen, _ = trio[0]
    suggestion = (await client.get(SUGGESTIONS_URL, headers=auth_headers(citizen))).json()["items"][0]
    created = await client.post(
        POOLS_URL, json={"suggestion_token": suggestion["suggestion_token"]}, headers=auth_headers(citizen)
    )
    assert created.status_code == 201, created.text

    response = await client.get(f"{POOLS_URL}/{created.json()['id']}/members", headers=auth_headers(citizen))

    others = {str(other.id) for other, _ in trio[1:]}
    leaked = [m for m in response.json() if m["citizen_id"] in others] if response.status_code == 200 else []
    assert leaked == [], f"invited strangers exposed to a citizen: {[m['full_name'] for m in leaked]}"


# --- unvalidated input giving a 500 -------------------------------------------------------------------


async def test_if_match_with_a_non_ascii_digit_is_a_client_error_not_a_500(lenient, session, citizen_a):
    """app/concurrency.py parse_if_match: `tag[1:-1].isdigit()` is true for Unicode digits such as
    '²' (a latin-1 header byte 0xB2), and `int('²')` then raises ValueError: every route taking
    If-Match (pool offers, courses, rides, webhooks, ...) answers 500. Expected: the tag is treated
    as not matching (412) or rejected as malformed (400/422); use `tag[1:-1].isascii() and isdigit()`
    or a `^"\\d+"$` ASCII regex."""
    response = await lenient.post(
        f"/v1/pool-offers/{uuid.uuid4()}/accept",
        headers={**auth_headers(citizen_a), "If-Match": '"\xb2"'.encode("latin-1")},
    )

    assert response.status_code != 500
    assert response.status_code in (400, 404, 412, 422)
    assert response.json()["code"] == "pool_offer_not_found"


async def test_a_receiver_sending_a_unicode_digit_retry_after_does_not_crash_the_delivery_round(
    session,
    sessions,
    receiver,
    local,
    partner_p1,
):
    """app/webhooks/delivery.py _retry_after: `value.isdigit()` accepts '²' (byte 0xB2, decoded as
    latin-1 by httpx) and `float('²')` raises ValueError inside `send`; asyncio.gather re-raises
    it, so run_once dies before recording ANY outcome of the batch. One hostile receiver thus stalls
    every partner's deliveries leased with it (no attempts recorded, retried until they expire).
    Expected: an unparsable Retry-After is ignored; the attempt is recorded and retried later."""
    receiver.script = [Reply(status=503, headers={"retry-after": "\xb2"})]
    subscription = await make_subscription(session, partner_p1, receiver.url())
    await make_event(session, "service.published", partner_p1.id)

    try:
        await delivery.run_once(sessions, local, clock=lambda: datetime.now(UTC))
        crashed = None
    except ValueError as exc:
        crashed = exc

    assert crashed is None, f"the delivery round crashed: {crashed!r}"
    [stored] = await deliveries_of(session, subscription)
    assert len(await attempts_of(session, stored)) == 1


# --- hub operators' scope on citizens' requests (app/demand/requests.py) --------------------------------

LORETO = {"lat": 45.49094, "lon": 9.22223}  # NIL 20, which the operator's hub (NIL 22) does not serve


async def test_an_operator_removed_from_their_hub_no_longer_acts_for_the_citizen(client, session, citizen_a, admin):
    """app/demand/requests.py:63 `_acts_for`: `request.created_by_id == user.id` grants a hub operator
    full access (read with the citizen's address and notes, edit, cancel) to the request forever,
    without asking whether they still operate any hub serving its NIL. An operator removed from the
    hub (left the job) keeps acting for the citizen. Expected: 404 once they no longer operate a hub
    serving the request's NIL (check `request.nil_id in operated_nil_ids` on this branch too)."""
    from tests.demand.conftest import request_body
    from tests.factories import make_hub, make_hub_operator

    hub = await make_hub(session, nil_codes=(22,))
    operator = await make_hub_operator(session, hub)
    body = request_body(citizen_id=str(citizen_a.id), consent_note="Consenso verbale allo sportello")
    created = await client.post("/v1/requests", json=body, headers=auth_headers(operator))
    assert created.status_code == 201, created.text
    removed = await client.delete(f"/v1/hubs/{hub.id}/operators/{operator.id}", headers=auth_headers(admin))
    assert removed.status_code == 204, removed.text

    response = await client.get(f"/v1/requests/{created.json()['id']}", headers=auth_headers(operator))

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_an_operator_cannot_create_a_request_outside_the_nils_of_their_hubs(client, session, citizen_a):
    """app/demand/requests.py `_for_whom`/`create_request`: a hub operator may file a request for any
    citizen in any NIL of Milan; nothing compares the request's NIL with the operator's hubs, and
    `_acts_for` then lets them manage it. The hubs module states "a hub operator acts only within
    the NILs of the hubs they work at". Expected: 403 (or 422 at /point) for a NIL none of their
    hubs serves."""
    from tests.demand.conftest import request_body
    from tests.factories import make_hub, make_hub_operator

    operator = await make_hub_operator(session, await make_hub(session, nil_codes=(22,)))
    body = request_body(citizen_id=str(citizen_a.id), consent_note="Consenso verbale", point=LORETO)

    response = await client.post("/v1/requests", json=body, headers=auth_headers(operator))

    assert response.status_code in (403, 422), response.text
    assert response.json()["code"] == "forbidden"
