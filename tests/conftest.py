"""Test harness: a real PostgreSQL, the real app over HTTP, one rolled-back transaction per test.

* The server is DATABASE_URL's when set (CI also runs against PostgreSQL 15), else the embedded one.
* Each xdist worker gets its own database, built by the Alembic migrations and seeded with the
  reference data, once per run.
* Each test runs inside a connection-level transaction that is rolled back at teardown; the app's
  per-request sessions join it through savepoints, so requests commit "for real" as far as the
  test can see, and nothing survives the test.
"""

import contextlib
import os

# Fast password hashing and a fixed environment, before the app reads its settings.
os.environ.setdefault("ENV", "test")
os.environ.setdefault("AUTH__ARGON2_TIME_COST", "1")
os.environ.setdefault("AUTH__ARGON2_MEMORY_KIB", "8192")
os.environ.setdefault("AUTH__ARGON2_PARALLELISM", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from collections.abc import AsyncIterator, Iterator  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker  # noqa: E402

from app.config import get_settings  # noqa: E402
from app.main import create_app  # noqa: E402
from tests import database  # noqa: E402
from tests.factories import auth_headers, make_user  # noqa: E402
from tests.problem_codes import checked_client  # noqa: E402

# The fault checks start real servers (and stop databases): `make faults` runs them.
collect_ignore = [] if os.environ.get("TUTTI_FAULTS") == "1" else ["faults"]
# The generated clients need node, npm packages and openapi-python-client: `make clients` runs them.
if os.environ.get("TUTTI_CLIENTS") != "1":
    collect_ignore.append("clients")
# The browser checks need Chromium and Playwright, which `make test` does not install: `make browser`.
if os.environ.get("TUTTI_BROWSER") != "1":
    collect_ignore.append("browser")


def pytest_configure(config: pytest.Config) -> None:
    # Start the embedded server once in the controller, before xdist workers race to do it.
    if not hasattr(config, "workerinput"):
        database.server_url()


@pytest.fixture(scope="session")
def worker_id_name(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
async def test_database_url(worker_id_name: str) -> str:
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")  # lets parallel runs keep apart
    return await database.create_migrated_database(f"{prefix}_{worker_id_name}")


@pytest.fixture(scope="session")
async def engine(test_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = database.make_engine(test_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def app():
    get_settings.cache_clear()
    return create_app(get_settings())


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


class StatementLog:
    """The SQL statements run on the test's connection while `counting()` is open (the app's
    request sessions join that connection). SAVEPOINT plumbing is left out: it is how the harness
    nests each request in the test's transaction, not work the app asked for."""

    PLUMBING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection.sync_connection
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement: str, *args) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
        if not statement.lstrip().upper().startswith(self.PLUMBING):
            self.statements.append(statement)

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.statements = []
        event.listen(self._connection, "before_cursor_execute", self._record)
        try:
            yield self.statements
        finally:
            event.remove(self._connection, "before_cursor_execute", self._record)


@pytest.fixture
def statements(connection: AsyncConnection) -> StatementLog:
    """Counts SQL statements: `with statements.counting() as log: ...; len(log)`."""
    return StatementLog(connection)


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """The test's own session (factories), on the same transaction as the app's requests."""
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        yield session


@pytest.fixture
async def client(app, connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    app.state.sessionmaker = async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    await app.state.rate_limits.reset()
    async with checked_client(app, client=("203.0.113.7", 50000)) as client:
        yield client


@pytest.fixture
async def committing_app(engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    """The app on the real engine, for race tests: every HTTP request runs and commits in its own
    transaction (the test creates and deletes its own rows; nothing is rolled back for it)."""
    app = create_app(get_settings())
    app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    yield app
    await app.state.rate_limits.close()


@pytest.fixture
async def citizen_a(session: AsyncSession):
    return await make_user(session, email="citizen.a@example.org", full_name="Anna Citizen")


@pytest.fixture
async def citizen_b(session: AsyncSession):
    return await make_user(session, email="citizen.b@example.org", full_name="Bruno Citizen")


@pytest.fixture
async def admin(session: AsyncSession):
    from app.models import Role

    return await make_user(session, email="admin@example.org", full_name="Ada Admin", role=Role.admin)


@pytest.fixture
def as_citizen_a(citizen_a) -> dict[str, str]:
    return auth_headers(citizen_a)


@pytest.fixture
def as_citizen_b(citizen_b) -> dict[str, str]:
    return auth_headers(citizen_b)


@pytest.fixture
def as_admin(admin) -> dict[str, str]:
    return auth_headers(admin)
