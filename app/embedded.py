"""The embedded PostgreSQL used when DATABASE_URL is unset.

`pgserver` ships a real PostgreSQL 16 in a wheel. The server is started once, keeps its data in a
git-ignored folder and is left running, so later runs (and other processes) reuse it.
"""

import re
from pathlib import Path

from sqlalchemy.engine import make_url


def embedded_server_url(data_dir: Path, database: str) -> str:
    """Start (or reuse) the embedded server, make sure `database` exists, return its asyncpg URL."""
    try:
        import pgserver
    except ImportError as exc:  # the production image does not ship it
        raise RuntimeError(
            "DATABASE_URL is unset and the embedded PostgreSQL is not installed: "
            "pip install '.[embedded]' or set DATABASE_URL"
        ) from exc
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"invalid embedded database name: {database!r}")
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608 - name checked
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    url = make_url(server.get_uri(database))
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
