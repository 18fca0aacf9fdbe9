"""Races with real commits (the committing app): one state, one sign-in; one person, one account."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.models import OidcAuthorization, User
from tests.problem_codes import checked_client
from tests.signin.flow import callback, consent


@pytest.fixture
async def fiscal_code(engine: AsyncEngine) -> AsyncIterator[str]:
    """A fiscal code for this test; its account and every authorization are deleted afterwards
    (audit_entry rows stay: the table is append-only by design)."""
    code = "RSSMRA85T10A562S"
    yield code
    async with AsyncSession(engine) as cleanup:
        await cleanup.execute(delete(User).where(User.verified_fiscal_code == code))
        await cleanup.execute(delete(OidcAuthorization).where(OidcAuthorization.provider == "spid"))
        await cleanup.commit()


async def test_two_callbacks_racing_with_one_state_sign_in_once(engine, committing_app, op, fiscal_code):
    op.person("mario", fiscal_number=f"TINIT-{fiscal_code}", email=f"race.{uuid.uuid4().hex[:8]}@example.org")
    async with checked_client(committing_app) as http:
        code, state = await consent(http, op, "mario")

        responses = await asyncio.gather(callback(http, code, state), callback(http, code, state))

    assert sorted(r.status_code for r in responses) == [200, 400]
    assert next(r for r in responses if r.status_code == 400).json()["code"] == "oidc_state_used"
    assert len(op.recorder.paths("/oauth2/token")) == 1  # the loser never reached the provider


async def test_two_first_sign_ins_of_one_person_racing_make_one_account(engine, committing_app, op, fiscal_code):
    op.person("mario", fiscal_number=f"TINIT-{fiscal_code}", email=f"race.{uuid.uuid4().hex[:8]}@example.org")
    async with checked_client(committing_app) as http:
        first = await consent(http, op, "mario")
        second = await consent(http, op, "mario")

        responses = await asyncio.gather(callback(http, *first), callback(http, *second))
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        ids = [(await http.get("/v1/me", headers=_bearer(r))).json()["id"] for r in responses]

    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    assert ids[0] == ids[1]
    async with AsyncSession(engine) as check:
        count = await check.scalar(select(func.count()).where(User.verified_fiscal_code == fiscal_code))
    assert count == 1


def _bearer(response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
