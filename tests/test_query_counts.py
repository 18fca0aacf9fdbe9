"""The query-count guard: a list costs the same number of statements for 1 row and for 20.

Every list operation of the contract is found in openapi/openapi.json (a GET whose 200 body is an
array, or an object holding an `items` or `contents` array), so a new list is covered as soon as it
exists: `test_every_list_operation_has_data` fails until tests/list_seeders.py can fill it. An N+1
(a query per row in a response builder) shows as a count that grows with the page.

The heavy writes have a ceiling written here; a change that adds statements to them must raise the
ceiling in the same commit, with the reason.
"""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.demand.conftest import catalogue, post_request, request_body  # noqa: F401 - `catalogue` is a fixture
from tests.demand.offer_helpers import make_offer, offer_action
from tests.factories import auth_headers, make_user
from tests.list_seeders import FIXED_LISTS, SEEDERS, Scope
from tests.spending.helpers import wallet as spending_wallet

CONTRACT = json.loads((Path(__file__).parents[1] / "openapi" / "openapi.json").read_text())
PAGE_ROWS = 20


def _schema(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    return CONTRACT["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def _items_key(operation: dict[str, Any]) -> str | None:
    """Where the rows of a list response are: "" (the body is the array), a key, or None."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if not schema:
        return None
    schema = _schema(schema)
    if schema.get("type") == "array":
        return ""
    properties = schema.get("properties", {})
    return next((key for key in ("items", "contents") if properties.get(key, {}).get("type") == "array"), None)


LIST_OPERATIONS = {
    operation["operationId"]: key
    for path_item in CONTRACT["paths"].values()
    for method, operation in path_item.items()
    if method == "get" and (key := _items_key(operation)) is not None
}


def _rows(body: Any, key: str) -> list[Any]:
    return body if key == "" else body[key]


def test_every_list_operation_has_data():
    assert len(LIST_OPERATIONS) >= 40  # the derivation itself still finds the contract's lists
    missing = sorted(set(LIST_OPERATIONS) - set(SEEDERS) - set(FIXED_LISTS))
    assert missing == [], f"add a seeder in tests/list_seeders.py for {missing}"
    stale = sorted((set(SEEDERS) | set(FIXED_LISTS)) - set(LIST_OPERATIONS))
    assert stale == [], f"no such list operation in the contract: {stale}"


async def _run(client, statements, url: str, headers: dict[str, str], key: str, rows: int) -> list[str]:
    """The statements one listing runs (after a first call: first-use caches are not the list's cost)."""
    await client.get(url, headers=headers)
    with statements.counting() as log:
        response = await client.get(url, headers=headers)
    assert response.status_code == 200, f"{url}: {response.text}"
    assert len(_rows(response.json(), key)) == rows, f"{url} listed the wrong rows: {response.text[:500]}"
    return list(log)


def _repeated(for_twenty: list[str], for_one: list[str]) -> str:
    """The statements the longer page runs more often: where the N+1 is."""
    more = Counter(for_twenty) - Counter(for_one)
    return "\n".join(f"{n} more x {statement[:200]}" for statement, n in more.most_common())


@pytest.mark.parametrize("operation_id", sorted(SEEDERS))
async def test_a_list_runs_as_many_statements_for_20_rows_as_for_1(operation_id, client, session, statements):
    seed = SEEDERS[operation_id]
    scope = Scope(client=client, session=session)
    key = LIST_OPERATIONS[operation_id]

    url, headers = await seed(scope, 1)
    for_one = await _run(client, statements, url, headers, key, 1)
    url, headers = await seed(scope, PAGE_ROWS - 1)
    for_twenty = await _run(client, statements, url, headers, key, PAGE_ROWS)

    assert len(for_twenty) == len(for_one), (
        f"{operation_id}: {len(for_one)} statements for 1 row, {len(for_twenty)} for {PAGE_ROWS}\n"
        + _repeated(for_twenty, for_one)
    )


# A fixed list's statements, at most (caches may make them fewer).
FIXED_LIST_CEILING = 3


@pytest.mark.parametrize("operation_id", sorted(FIXED_LISTS))
async def test_a_fixed_list_runs_a_bounded_number_of_statements(operation_id, client, statements, as_admin):
    url, _reason = FIXED_LISTS[operation_id]

    with statements.counting() as log:
        response = await client.get(url, headers=as_admin)

    assert response.status_code == 200, response.text
    assert _rows(response.json(), LIST_OPERATIONS[operation_id]), "the fixed list is empty"
    assert len(log) <= FIXED_LIST_CEILING, log


# --- the heavy writes: ceilings ----------------------------------------------------------------------

# POST /v1/requests (measured 11): the caller; the category and that it is a leaf (2); the NIL of the
# point; opening it: the household lock and its open-request count; the request inserted already
# open, its two audit entries (created, opened: one INSERT) and its event; the response's invitations
# and pools (2).
CREATE_REQUEST_CEILING = 11
# POST /v1/offers/{id}/accept (measured 16): the caller; the offer, its request, the offer locked and
# its provider; the offer accepted, the others declined, the request accepted; the engagement, its
# audit entry and event; the response's citizen, provider and request (app/demand/views.py); telling
# people (app/demand/notices.py, +2): the staff of the accepted and of every declined provider in one
# query, and their notifications in one INSERT. (A request an operator made for the household adds
# one more: whether that operator still works in the NIL, before telling them.)
ACCEPT_OFFER_CEILING = 16
# The same with one wallet paying (measured 30, +14): the household's active grants for the category
# and the wallet's posted and held sums (3, app.programmes.active_grants); the provider's receivable
# for the programme, got or created (3); the hold (7, app.money.hold: its key, the two accounts
# locked, the wallet's posted and held sums, the insert and its read-back, its audit entry, as the
# ledger writes it); the funding line. Each further wallet adds about as much again.
ACCEPT_FUNDED_OFFER_CEILING = 30


async def test_creating_a_request_stays_under_its_statement_ceiling(client, statements, as_citizen_a):
    with statements.counting() as log:
        response = await client.post("/v1/requests", json=request_body(), headers=as_citizen_a)

    assert response.status_code == 201, response.text
    assert len(log) <= CREATE_REQUEST_CEILING, "\n".join(log)


async def test_accepting_an_offer_stays_under_its_statement_ceiling(client, session, statements, catalogue):  # noqa: F811
    citizen = await make_user(session)
    request = await post_request(client, auth_headers(citizen), mode="open")
    offer = await make_offer(client, catalogue, "aurora", request["id"])

    with statements.counting() as log:
        response = await offer_action(client, auth_headers(citizen), offer["id"], "accept")

    assert response.status_code == 200, response.text
    assert len(log) <= ACCEPT_OFFER_CEILING, "\n".join(log)


async def test_accepting_an_offer_with_funding_stays_under_its_statement_ceiling(
    client,
    session,
    statements,
    catalogue,  # noqa: F811 - the fixture
    as_admin,
):
    citizen = await make_user(session)
    household = auth_headers(citizen)
    grant = await spending_wallet(client, as_admin, household, coverage=70)
    request = await post_request(client, household, mode="open")
    offer = await make_offer(client, catalogue, "aurora", request["id"])
    funding = {"funding": [{"wallet_id": grant["wallet_account_id"], "amount_cents": 1_000}]}

    with statements.counting() as log:
        response = await client.post(f"/v1/offers/{offer['id']}/accept", json=funding, headers=household)

    assert response.status_code == 200, response.text
    assert len(log) <= ACCEPT_FUNDED_OFFER_CEILING, "\n".join(log)
