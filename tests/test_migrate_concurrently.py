"""`tutti migrate` started several times at once (replicas starting together) applies each migration once."""

import asyncio
import os
import re
import sys
from collections import Counter

from alembic.config import Config
from alembic.script import ScriptDirectory

from app.config import PROJECT_ROOT
from tests import database

MIGRATORS = 3
PROCESS_TIMEOUT_S = 120  # a healthy run takes a few seconds; a stuck lock fails the test, not the run


def migration_revisions() -> list[str]:
    scripts = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))
    return [script.revision for script in scripts.walk_revisions()]


async def run_migrate(database_url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "migrate",
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"`tutti migrate` still running after {PROCESS_TIMEOUT_S} s") from None
    return process.returncode, output.decode()


async def test_three_concurrent_migrate_on_an_empty_database_all_succeed_and_apply_each_migration_once(
    worker_id_name,
):
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")
    url = await database.empty_database(f"{prefix}_migrate_race_{worker_id_name}")

    results = await asyncio.gather(*(run_migrate(url) for _ in range(MIGRATORS)))

    for code, output in results:
        assert code == 0, output
    applied = Counter(match for _, output in results for match in re.findall(r"Running upgrade \S* ?-> (\S+),", output))
    assert applied == Counter(dict.fromkeys(migration_revisions(), 1))
    connection = await database.connect(url)
    try:
        assert await connection.fetch("SELECT version_num FROM alembic_version") == [(migration_revisions()[0],)]
    finally:
        await connection.close()
