"""The embedded PostgreSQL used when DATABASE_URL is unset.

`pgserver` ships a real PostgreSQL 16 in a wheel. The server is started once, keeps its data in a
git-ignored folder and is left running, so later runs (and other processes) reuse it.
"""

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
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    url = make_url(server.get_uri(database))
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
