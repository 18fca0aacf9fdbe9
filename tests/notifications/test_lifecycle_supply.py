"""Supply's lifecycle table: each accreditation move -> exactly these notifications, to nobody else.

The city's decisions (request changes, accredit, suspend, reinstate) reach every member of the
provider's staff (admins and operators alike: a suspension hides the services they run). The
provider's own moves (submit, withdraw) tell nobody: its staff made them. Reminders before a
verification expires are in test_reminders.py.
"""

import pytest

from app.models import AccreditationState, Language, Role, StaffRole
from app.providers.accreditation import Action
from tests.factories import add_provider_staff, auth_headers, make_provider, make_provider_staff_user, make_user
from tests.notifications.lifecycle import Told, watch

S = AccreditationState

# (from state, action, who acts, kind told to the staff or None)
TABLE = [
    (S.draft, Action.submit, "provider", None),
    (S.submitted, Action.request_changes, "city", "provider.changes_requested"),
    (S.changes_requested, Action.submit, "provider", None),
    (S.submitted, Action.accredit, "city", "provider.accredited"),
    (S.accredited, Action.suspend, "city", "provider.suspended"),
    (S.suspended, Action.reinstate, "city", "provider.reinstated"),
    (S.accredited, Action.withdraw, "provider", None),
]


@pytest.mark.parametrize(("from_state", "action", "actor", "kind"), TABLE, ids=lambda v: getattr(v, "value", v))
async def test_an_accreditation_move_tells_exactly_the_providers_staff(
    client, session, admin, from_state, action, actor, kind
):
    owner = await make_provider_staff_user(session)
    colleague = await make_provider_staff_user(session, preferred_language=Language.en)
    provider = await make_provider(session, state=from_state, staff=owner)
    await add_provider_staff(session, provider, colleague, role=StaffRole.operator)
    elsewhere = await make_provider(session, staff=await make_provider_staff_user(session))  # noqa: F841 - a bystander
    another_admin = await make_user(session, role=Role.admin)  # noqa: F841 - the city's other admins are not told
    acting = admin if actor == "city" else owner

    async with watch(session) as told:
        response = await client.post(
            f"/v1/providers/{provider.id}/{action.value.replace('_', '-')}",
            json={"reason": "Manca la polizza assicurativa"},
            headers=auth_headers(acting),
        )

    assert response.status_code == 200, response.text
    expected = [Told(owner, kind, provider.id, "it"), Told(colleague, kind, provider.id, "en")] if kind else []
    await told.exactly(*expected, client=client)


async def test_the_decision_carries_the_citys_reason_and_the_new_state(client, session, admin):
    owner = await make_provider_staff_user(session)
    provider = await make_provider(session, state=S.submitted, staff=owner, display_name="Il Melograno")

    async with watch(session) as told:
        await client.post(
            f"/v1/providers/{provider.id}/request-changes",
            json={"reason": "Manca la polizza assicurativa"},
            headers=auth_headers(admin),
        )

    assert told.data(owner, "provider.changes_requested") == {
        "display_name": "Il Melograno",
        "state": "changes_requested",
        "reason": "Manca la polizza assicurativa",
    }


async def test_a_refused_move_tells_nobody(client, session, admin):
    owner = await make_provider_staff_user(session)
    provider = await make_provider(session, state=S.draft, staff=owner)

    async with watch(session) as told:
        response = await client.post(
            f"/v1/providers/{provider.id}/accredit", json={"reason": "Troppo presto"}, headers=auth_headers(admin)
        )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    await told.exactly()
