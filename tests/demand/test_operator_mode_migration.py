"""Migration 0009 checks the requests made before the operator-mode rule: an operator-mode request
without recorded consent (a citizen made it) becomes quote mode; one with consent stays as it is."""

import asyncio
import os
import uuid
from datetime import UTC, datetime

from alembic import command
from alembic.config import Config

from app.config import PROJECT_ROOT
from tests import database

INSERT_REQUEST = """
    INSERT INTO demand_request (id, citizen_id, created_by_id, consent_recorded_at, category_id, description,
        nil_id, schedule, schedule_minutes, start_date, languages, provider_kinds, required_badges,
        open_to_sharing, mode, status, created_at, updated_at, version)
    VALUES ($1, $2, $2, $3, gen_random_uuid(), '', gen_random_uuid(), '[]', '{[100,200)}', current_date,
        '{}', '{}', '{}', false, 'operator', 'open', now(), now(), 1)
"""


def upgrade(url: str, revision: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.upgrade(config, revision)


async def test_migration_0009_turns_unconsented_operator_mode_requests_into_quote_mode(worker_id_name):
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")
    url = await database.empty_database(f"{prefix}_operator_mode_{worker_id_name}")
    await asyncio.to_thread(upgrade, url, "0008")
    citizen, unconsented, consented = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Only the requests matter here: foreign keys (citizen, category, NIL) are not enforced for these
    # inserts (replica role skips their triggers), so no users, zones or categories are needed.
    conn = await database.connect(url, session_replication_role="replica")
    try:
        await conn.execute(INSERT_REQUEST, unconsented, citizen, None)
        await conn.execute(INSERT_REQUEST, consented, citizen, datetime.now(UTC))

        await asyncio.to_thread(upgrade, url, "head")

        modes = dict(await conn.fetch("SELECT id, mode::text FROM demand_request"))
    finally:
        await conn.close()
    assert modes == {unconsented: "quote", consented: "operator"}
