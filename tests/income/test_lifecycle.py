"""Income's lifecycle table: each step of an ISEE declaration -> exactly these notifications, to
nobody else. Declaring tells nobody (staff find it in their queue); a decision tells the household,
in its language; the staff who decided, other staff and other households are not told."""

import pytest

from app.models import Language, Role
from tests.factories import auth_headers, make_user
from tests.income.conftest import DECLARATIONS, declare
from tests.notifications.lifecycle import Told, watch

# (the step, the kind the household is told or None)
TABLE = [
    ("declare", None),
    ("verification", "isee.verified"),
    ("rejection", "isee.rejected"),
]


@pytest.mark.parametrize(("step", "kind"), TABLE)
async def test_a_declaration_step_tells_exactly_the_household(client, session, operator, as_operator, step, kind):
    household = await make_user(session, role=Role.citizen, preferred_language=Language.en)
    await make_user(session, role=Role.admin)  # a bystander: admins are not told
    await make_user(session, role=Role.citizen)  # another household
    declared = None if step == "declare" else await declare(client, auth_headers(household))

    async with watch(session) as told:
        if declared is None:
            declared = await declare(client, auth_headers(household))
        else:
            body = {"evidence_ref": "Attestazione vista"} if step == "verification" else {"reason": "Valore diverso"}
            response = await client.post(f"{DECLARATIONS}/{declared['id']}/{step}", json=body, headers=as_operator)
            assert response.status_code == 200, response.text

    await told.exactly(*([Told(household, kind, declared["id"], "en")] if kind else []), client=client)
    if kind == "isee.rejected":
        assert told.data(household, kind) == {"reason": "Valore diverso"}
