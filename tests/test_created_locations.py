"""Every create answers 201 with `Location`, the GET URL of what it created, where the API has one
(issue 10). The contract declares it per operation; the `client` fixture holds every 201 the suite
provokes to it (tests/problem_codes.py: CreatedLocationRecorder). Here: which creates declare it,
and one create followed to its Location."""

import json
from pathlib import Path

import pytest

from tests.hubs.test_hubs import hub_body

CONTRACT = json.loads((Path(__file__).parents[1] / "openapi" / "openapi.json").read_text())
CREATES = {
    operation["operationId"]: operation
    for path_item in CONTRACT["paths"].values()
    for operation in path_item.values()
    if "201" in operation.get("responses", {})
}
# Creates whose result has no GET of its own: it is read in its parent's list (or, for a
# membership, in the parent itself); a Location would point at no single resource.
NO_OWN_GET = {
    "add_provider_staff": "a staff member is read in GET /v1/providers/{provider_id}/staff",
    "create_verification": "read in GET /v1/providers/{provider_id}/verifications",
    "create_offer": "read in GET /v1/requests/{request_id}/offers and the provider's inbox",
    "create_review": "read in GET /v1/providers/{provider_id}/reviews",
    "add_hub_operator": "read in GET /v1/hubs/{hub_id}/operators",
    "request_condominium_membership": "read in GET /v1/condominiums/{condominium_id}/residents",
    "join_condominium": "read in GET /v1/condominiums/{condominium_id}/residents",
    "create_pool_offer": "read in GET /v1/pools/{pool_id}/offers",
    "post_message": "read in GET /v1/threads/{thread_id}/messages (and as its thread's last_message)",
    "report_message": "read by admins in GET /v1/message-reports",
}


@pytest.mark.parametrize("operation_id", sorted(CREATES))
def test_a_create_declares_location_unless_its_result_has_no_get(operation_id):
    declared = "Location" in CREATES[operation_id]["responses"]["201"].get("headers", {})

    assert declared == (operation_id not in NO_OWN_GET)


async def test_the_location_of_a_created_hub_reads_it_back(client, as_admin):
    created = await client.post("/v1/hubs", json=hub_body(), headers=as_admin)
    assert created.status_code == 201, created.text

    read = await client.get(created.headers["location"], headers=as_admin)

    assert created.headers["location"] == f"/v1/hubs/{created.json()['id']}"
    assert read.status_code == 200
    assert read.json()["id"] == created.json()["id"]
