"""Accreditation: every transition with its actor, reason, history, audit entry and outbox event;
every illegal transition is a 409 naming the current state; suspension hides services at once."""

import uuid

import pytest
from sqlalchemy import func, select

from app.models import (
    AccreditationState,
    AccreditationTransition,
    AuditEntry,
    OutboxEvent,
    Provider,
    Role,
    Service,
    StaffRole,
)
from app.providers.accreditation import TRANSITIONS, Action
from tests.factories import add_provider_staff, auth_headers, make_provider, make_provider_staff_user, make_user

S = AccreditationState
REASON = "Documentazione completa e verificata"
PROVIDER_ACTIONS = [Action.submit, Action.withdraw]
CITY_ACTIONS = [Action.request_changes, Action.accredit, Action.suspend, Action.reinstate]

# (from state, action, to state): every legal move of the state machine
LEGAL = [
    (S.draft, Action.submit, S.submitted),
    (S.changes_requested, Action.submit, S.submitted),
    (S.submitted, Action.request_changes, S.changes_requested),
    (S.submitted, Action.accredit, S.accredited),
    (S.accredited, Action.suspend, S.suspended),
    (S.suspended, Action.reinstate, S.accredited),
    (S.draft, Action.withdraw, S.withdrawn),
    (S.submitted, Action.withdraw, S.withdrawn),
    (S.changes_requested, Action.withdraw, S.withdrawn),
    (S.accredited, Action.withdraw, S.withdrawn),
    (S.suspended, Action.withdraw, S.withdrawn),
]
LEGAL_PAIRS = {(state, action) for state, action, _ in LEGAL}
ILLEGAL = [(state, action) for state in S for action in Action if (state, action) not in LEGAL_PAIRS]
# the state where each municipal action would be legal, so a 403 is not a disguised 409
CITY_ACTION_FROM = {
    Action.request_changes: S.submitted,
    Action.accredit: S.submitted,
    Action.suspend: S.accredited,
    Action.reinstate: S.suspended,
}


def ids(value) -> str:
    return value.value if hasattr(value, "value") else str(value)


def path_of(provider_id, action: Action) -> str:
    return f"/v1/providers/{provider_id}/{action.value.replace('_', '-')}"


async def act(client, provider_id, action: Action, headers, reason: str = REASON, **extra_headers):
    return await client.post(
        path_of(provider_id, action), json={"reason": reason}, headers={**headers, **extra_headers}
    )


@pytest.fixture
async def actors(session, staff_x, as_staff_x, admin, as_admin):
    """Who performs each action: the provider's admin for its own moves, a municipal admin for the city's."""
    return {
        Action.submit: (staff_x, as_staff_x),
        Action.withdraw: (staff_x, as_staff_x),
        **dict.fromkeys(CITY_ACTIONS, (admin, as_admin)),
    }


async def state_of(session, provider_id) -> AccreditationState:
    return await session.scalar(
        select(Provider.accreditation_state).where(Provider.id == provider_id).execution_options(populate_existing=True)
    )


async def transitions_of(session, provider_id) -> list[AccreditationTransition]:
    return list(
        (
            await session.scalars(
                select(AccreditationTransition)
                .where(AccreditationTransition.provider_id == provider_id)
                .order_by(AccreditationTransition.at)
            )
        ).all()
    )


def test_the_tables_legal_moves_are_those_of_the_issue():
    legal = {(state, action, TRANSITIONS[action][1]) for action in Action for state in TRANSITIONS[action][0]}

    assert legal == set(LEGAL)


# --- legal transitions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("from_state", "action", "to_state"), LEGAL, ids=ids)
async def test_legal_transition_moves_the_provider_to_its_new_state(
    client, session, staff_x, actors, from_state, action, to_state
):
    provider = await make_provider(session, state=from_state, staff=staff_x)
    _, headers = actors[action]
    session.expunge_all()

    response = await act(client, provider.id, action, headers)

    assert response.status_code == 200, response.text
    assert response.json()["accreditation_state"] == to_state.value
    assert response.json()["version"] == 2
    assert await state_of(session, provider.id) == to_state


@pytest.mark.parametrize(("from_state", "action", "to_state"), LEGAL, ids=ids)
async def test_legal_transition_records_its_reason_and_actor_in_the_history(
    client, session, staff_x, actors, from_state, action, to_state
):
    provider = await make_provider(session, state=from_state, staff=staff_x)
    actor, headers = actors[action]
    session.expunge_all()

    await act(client, provider.id, action, headers)

    [row] = await transitions_of(session, provider.id)
    assert (row.from_state, row.to_state, row.reason, row.actor_id) == (from_state, to_state, REASON, actor.id)


@pytest.mark.parametrize(("from_state", "action", "to_state"), LEGAL, ids=ids)
async def test_legal_transition_writes_an_audit_entry_with_the_reason(
    client, session, staff_x, actors, from_state, action, to_state
):
    provider = await make_provider(session, state=from_state, staff=staff_x)
    actor, headers = actors[action]
    session.expunge_all()

    await act(client, provider.id, action, headers)

    [entry] = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.target_id == provider.id, AuditEntry.action == f"provider.{action}")
        )
    ).all()
    assert (entry.actor_id, entry.actor_kind, entry.target_type) == (actor.id, "user", "provider")
    assert entry.detail == {"from": from_state.value, "to": to_state.value, "reason": REASON}


@pytest.mark.parametrize(("from_state", "action", "to_state"), LEGAL, ids=ids)
async def test_legal_transition_emits_an_outbox_event_named_for_the_new_state(
    client, session, staff_x, actors, from_state, action, to_state
):
    provider = await make_provider(session, state=from_state, staff=staff_x)
    _, headers = actors[action]
    session.expunge_all()

    await act(client, provider.id, action, headers)

    [event] = (await session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == provider.id))).all()
    assert event.type == f"provider.{to_state.value}"
    assert event.aggregate_type == "provider"
    assert event.payload == {"provider_id": str(provider.id), "from": from_state.value, "to": to_state.value}


async def test_transition_sets_accreditation_changed_at(client, session, staff_x, as_staff_x):
    provider = await make_provider(session, state=S.draft, staff=staff_x)
    before = provider.accreditation_changed_at
    session.expunge_all()

    response = await act(client, provider.id, Action.submit, as_staff_x)

    changed_at = await session.scalar(
        select(Provider.accreditation_changed_at)
        .where(Provider.id == provider.id)
        .execution_options(populate_existing=True)
    )
    assert changed_at > before
    assert response.json()["private"]["accreditation_changed_at"] is not None


async def test_reason_is_stored_without_surrounding_whitespace(client, session, staff_x, as_staff_x):
    provider = await make_provider(session, state=S.draft, staff=staff_x)

    await act(client, provider.id, Action.submit, as_staff_x, reason="   Pronti per la verifica  ")

    [row] = await transitions_of(session, provider.id)
    assert row.reason == "Pronti per la verifica"


# --- the whole journey and its history -------------------------------------------------------------

JOURNEY = [
    (Action.submit, "Prima richiesta di accreditamento"),
    (Action.request_changes, "Manca la polizza assicurativa"),
    (Action.submit, "Polizza allegata"),
    (Action.accredit, "Requisiti soddisfatti"),
    (Action.suspend, "Segnalazione in verifica"),
    (Action.reinstate, "Segnalazione archiviata"),
    (Action.withdraw, "Cessata attività"),
]


async def walk_the_journey(client, provider_id, actors) -> None:
    for action, reason in JOURNEY:
        response = await act(client, provider_id, action, actors[action][1], reason=reason)
        assert response.status_code == 200, response.text


async def test_accreditation_history_lists_every_transition_in_order(client, session, staff_x, as_staff_x, actors):
    provider = await make_provider(session, state=S.draft, staff=staff_x)
    await walk_the_journey(client, provider.id, actors)

    response = await client.get(f"/v1/providers/{provider.id}/accreditation-history", headers=as_staff_x)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["from_state"], i["to_state"], i["reason"]) for i in items] == [
        ("draft", "submitted", "Prima richiesta di accreditamento"),
        ("submitted", "changes_requested", "Manca la polizza assicurativa"),
        ("changes_requested", "submitted", "Polizza allegata"),
        ("submitted", "accredited", "Requisiti soddisfatti"),
        ("accredited", "suspended", "Segnalazione in verifica"),
        ("suspended", "accredited", "Segnalazione archiviata"),
        ("accredited", "withdrawn", "Cessata attività"),
    ]
    assert [i["actor_id"] for i in items] == [str(actors[a][0].id) for a, _ in JOURNEY]


async def test_accreditation_history_pages_without_gaps_or_repeats(client, session, staff_x, as_staff_x, actors):
    provider = await make_provider(session, state=S.draft, staff=staff_x)
    await walk_the_journey(client, provider.id, actors)
    url = f"/v1/providers/{provider.id}/accreditation-history"
    first = await client.get(url, params={"limit": 4}, headers=as_staff_x)

    second = await client.get(url, params={"limit": 4, "cursor": first.json()["next_cursor"]}, headers=as_staff_x)

    reasons = [i["reason"] for i in first.json()["items"] + second.json()["items"]]
    assert reasons == [reason for _, reason in JOURNEY]
    assert second.json()["next_cursor"] is None


async def test_municipal_admin_reads_any_accreditation_history(client, session, staff_x, as_staff_x, as_admin):
    provider = await make_provider(session, state=S.draft, staff=staff_x)
    await act(client, provider.id, Action.submit, as_staff_x)

    response = await client.get(f"/v1/providers/{provider.id}/accreditation-history", headers=as_admin)

    assert response.status_code == 200
    assert [i["to_state"] for i in response.json()["items"]] == ["submitted"]


async def test_operator_reads_their_providers_accreditation_history(client, session, provider_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)

    response = await client.get(f"/v1/providers/{provider_x.id}/accreditation-history", headers=auth_headers(operator))

    assert response.status_code == 200
    assert response.json()["items"] == []


async def test_outsider_reading_an_accredited_providers_history_gets_403(client, provider_x, as_citizen_a):
    response = await client.get(f"/v1/providers/{provider_x.id}/accreditation-history", headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_another_providers_staff_reading_a_drafts_history_gets_404(client, session, staff_x, as_staff_y):
    provider = await make_provider(session, state=S.draft, staff=staff_x)

    response = await client.get(f"/v1/providers/{provider.id}/accreditation-history", headers=as_staff_y)

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_anonymous_reading_accreditation_history_gets_401(client, provider_x):
    response = await client.get(f"/v1/providers/{provider_x.id}/accreditation-history")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- illegal transitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=ids)
async def test_illegal_transition_returns_409_naming_the_current_state(client, session, staff_x, actors, state, action):
    provider = await make_provider(session, state=state, staff=staff_x)
    _, headers = actors[action]
    session.expunge_all()

    response = await act(client, provider.id, action, headers)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == state.value
    assert await state_of(session, provider.id) == state
    assert await transitions_of(session, provider.id) == []
    assert await session.scalar(select(func.count()).where(OutboxEvent.aggregate_id == provider.id)) == 0


@pytest.mark.parametrize("action", list(Action), ids=ids)
async def test_withdrawn_is_final(client, session, staff_x, actors, action):
    provider = await make_provider(session, state=S.withdrawn, staff=staff_x)

    response = await act(client, provider.id, action, actors[action][1])

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "withdrawn"
    assert await state_of(session, provider.id) == S.withdrawn


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.citizen, Role.worker, Role.provider_staff, Role.hub_operator])
@pytest.mark.parametrize("action", CITY_ACTIONS, ids=ids)
async def test_only_municipal_admins_decide_on_accreditation(client, session, role, action):
    caller = await make_user(session, role=role)
    state = CITY_ACTION_FROM[action]
    staff = caller if role in (Role.provider_staff, Role.worker) else None  # even its own admin may not
    provider = await make_provider(session, state=state, staff=staff)
    session.expunge_all()

    response = await act(client, provider.id, action, auth_headers(caller))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await state_of(session, provider.id) == state
    assert await transitions_of(session, provider.id) == []


@pytest.mark.parametrize("action", CITY_ACTIONS, ids=ids)
async def test_citizen_with_no_tie_to_the_provider_deciding_on_accreditation_gets_403(
    client, session, as_citizen_a, action
):
    state = CITY_ACTION_FROM[action]
    provider = await make_provider(session, state=state)

    response = await act(client, provider.id, action, as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await state_of(session, provider.id) == state


@pytest.mark.parametrize("action", PROVIDER_ACTIONS, ids=ids)
async def test_operator_submitting_or_withdrawing_gets_403(client, session, action):
    operator = await make_provider_staff_user(session)
    provider = await make_provider(session, state=S.draft, staff=operator, staff_role=StaffRole.operator)

    response = await act(client, provider.id, action, auth_headers(operator))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await state_of(session, provider.id) == S.draft


async def test_citizen_submitting_someone_elses_draft_gets_404(client, session, as_citizen_a):
    provider = await make_provider(session, state=S.draft)

    response = await act(client, provider.id, Action.submit, as_citizen_a)

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"
    assert await state_of(session, provider.id) == S.draft


async def test_another_providers_admin_withdrawing_an_accredited_provider_gets_403(
    client, session, provider_x, provider_y, as_staff_y
):
    session.expunge_all()

    response = await act(client, provider_x.id, Action.withdraw, as_staff_y)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await state_of(session, provider_x.id) == S.accredited


async def test_anonymous_transition_gets_401(client, session, provider_x):
    response = await client.post(path_of(provider_x.id, Action.suspend), json={"reason": REASON})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await state_of(session, provider_x.id) == S.accredited


# --- the request -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": None}, {"reason": ""}, {"reason": "ok"}, {"reason": "  ok  "}, {"reason": "x" * 1001}],
    ids=["missing", "null", "empty", "two-chars", "two-chars-padded", "too-long"],
)
async def test_transition_without_a_proper_reason_returns_422(client, session, as_admin, body):
    provider = await make_provider(session, state=S.accredited)

    response = await client.post(path_of(provider.id, Action.suspend), json=body, headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await state_of(session, provider.id) == S.accredited


async def test_transition_body_with_a_target_state_returns_422(client, session, staff_x, as_staff_x):
    provider = await make_provider(session, state=S.draft, staff=staff_x)

    response = await client.post(
        path_of(provider.id, Action.submit), json={"reason": REASON, "to_state": "accredited"}, headers=as_staff_x
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await state_of(session, provider.id) == S.draft


async def test_transition_with_a_stale_if_match_returns_412_and_changes_nothing(client, session, as_admin):
    provider = await make_provider(session, state=S.accredited)
    await act(client, provider.id, Action.suspend, as_admin)

    response = await act(client, provider.id, Action.reinstate, as_admin, **{"If-Match": '"1"'})

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert await state_of(session, provider.id) == S.suspended


async def test_transition_with_the_current_if_match_succeeds(client, session, as_admin):
    provider = await make_provider(session, state=S.accredited)
    suspended = await act(client, provider.id, Action.suspend, as_admin)

    response = await act(client, provider.id, Action.reinstate, as_admin, **{"If-Match": suspended.headers["etag"]})

    assert response.status_code == 200
    assert await state_of(session, provider.id) == S.accredited


async def test_transition_on_an_unknown_provider_returns_404(client, as_admin):
    response = await act(client, uuid.uuid4(), Action.accredit, as_admin)

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


# --- what the public sees --------------------------------------------------------------------------


@pytest.fixture
async def published_service(client, session, provider_x, as_staff_x) -> dict:
    """A service of provider_x, created and published through the API."""
    category = (await client.get("/v1/categories/tata-babysitter")).json()
    created = await client.post(
        "/v1/services",
        json={
            "provider_id": str(provider_x.id),
            "category_id": category["id"],
            "title": "Tata il sabato mattina",
            "price_model": "hourly",
            "price_cents": 1200,
            "availability": [{"day": "sat", "opens": "08:00", "closes": "13:00"}],
        },
        headers=as_staff_x,
    )
    assert created.status_code == 201, created.text
    published = await client.post(f"/v1/services/{created.json()['id']}/publish", headers=as_staff_x)
    assert published.status_code == 200, published.text
    return published.json()


async def public_service_ids(client) -> set[str]:
    return {s["id"] for s in (await client.get("/v1/services", params={"limit": 100})).json()["items"]}


async def test_published_service_of_an_accredited_provider_is_public(client, published_service):
    ids_found = await public_service_ids(client)

    assert published_service["searchable"] is True
    assert published_service["id"] in ids_found


async def test_suspending_hides_the_providers_services_from_search_at_once(
    client, session, provider_x, published_service, as_admin
):
    response = await act(client, provider_x.id, Action.suspend, as_admin)

    assert response.status_code == 200
    assert published_service["id"] not in await public_service_ids(client)
    searchable = await session.scalar(
        select(Service.searchable)
        .where(Service.id == published_service["id"])
        .execution_options(populate_existing=True)
    )
    assert searchable is False


async def test_suspended_providers_service_is_404_for_anonymous(client, provider_x, published_service, as_admin):
    await act(client, provider_x.id, Action.suspend, as_admin)

    response = await client.get(f"/v1/services/{published_service['id']}")

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


async def test_suspended_provider_vanishes_from_the_provider_list_and_view(client, provider_x, as_admin):
    await act(client, provider_x.id, Action.suspend, as_admin)

    listed = await client.get("/v1/providers")
    viewed = await client.get(f"/v1/providers/{provider_x.id}")

    assert str(provider_x.id) not in {p["id"] for p in listed.json()["items"]}
    assert viewed.status_code == 404
    assert viewed.json()["code"] == "provider_not_found"


async def test_reinstating_brings_the_services_back(client, provider_x, published_service, as_admin):
    await act(client, provider_x.id, Action.suspend, as_admin)

    await act(client, provider_x.id, Action.reinstate, as_admin)

    assert published_service["id"] in await public_service_ids(client)
    assert (await client.get(f"/v1/providers/{provider_x.id}")).status_code == 200


async def test_withdrawing_hides_the_providers_services(client, provider_x, published_service, as_staff_x):
    response = await act(client, provider_x.id, Action.withdraw, as_staff_x)

    assert response.status_code == 200
    assert published_service["id"] not in await public_service_ids(client)
