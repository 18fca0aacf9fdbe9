"""The committed contract: up to date, well formed, complete, and honoured by the app.

The last test fuzzes every operation with schemathesis. Schemathesis drives the app synchronously,
from its own event-loop thread, so that app cannot share the rolled-back test connection (an
asyncpg connection belongs to one loop): it gets its own database, built once per xdist worker with
the demo accounts, and its own engine, used only on schemathesis' thread. Fuzzing leaves rows behind
in that database; it is dropped and rebuilt on the next run.
"""

import asyncio
import builtins
import difflib
import functools
import keyword
import os
import re
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import schemathesis
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from app.cli import render_openapi
from app.config import get_settings
from app.db import build_sessionmaker
from app.main import create_app
from app.models import PartnerClient, PartnerScope, Role, User
from app.seed.demo import DEMO_LOGINS, DEMO_PARTNER_CLIENT_ID
from app.tokens import issue_access_token
from tests.database import connect, create_migrated_database, make_engine

CONTRACT = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
DOCS_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/docs/assets/{path}"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PROBLEM_JSON = "application/problem+json"
# /readyz answers 503 with its readiness report (application/json), for probes and load balancers.
NOT_PROBLEMS = {("GET", "/readyz", "503")}


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


# --- (1) the committed file is the app's contract ------------------------------------------------------


def test_committed_openapi_json_equals_the_apps_openapi():
    committed = CONTRACT.read_text(encoding="utf-8")

    rendered = render_openapi()

    diff = "".join(
        list(difflib.unified_diff(committed.splitlines(True), rendered.splitlines(True), "committed", "app"))[:60]
    )
    up_to_date = committed == rendered  # (a bool: pytest's own diff of two 100 kB strings is slow)
    assert up_to_date, f"openapi/openapi.json is out of date: run `make openapi`\n{diff}"


# --- (2) every operation is well described --------------------------------------------------------------


def test_every_operation_has_a_unique_snake_case_verb_noun_operation_id(app):
    ids = [op.get("operationId", "") for _, _, op in operations(app.openapi())]

    malformed = [
        i for i in ids if not re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", i) or keyword.iskeyword(i) or hasattr(builtins, i)
    ]
    duplicated = [i for i, n in Counter(ids).items() if n > 1]

    assert malformed == [], f"operation ids must be snake_case verb_noun: {malformed}"
    assert duplicated == [], f"operation ids must be unique: {duplicated}"


def test_every_operation_has_a_tag_and_a_one_line_summary(app):
    spec = app.openapi()

    untagged = [f"{m} {p}" for m, p, op in operations(spec) if not op.get("tags")]
    unsummarised = [
        f"{m} {p}" for m, p, op in operations(spec) if not op.get("summary", "").strip() or "\n" in op["summary"]
    ]

    assert untagged == []
    assert unsummarised == []


def test_every_operation_requiring_authentication_documents_401(app):
    spec = app.openapi()

    missing = [f"{m} {p}" for m, p, op in operations(spec) if op.get("security") and "401" not in op["responses"]]

    assert missing == [], f"secured operations must document 401: {missing}"


def test_every_error_response_is_documented_as_a_problem_json_problem(app):
    spec = app.openapi()

    undocumented = [
        f"{m} {p} {status}: {response.get('content')}"
        for m, p, op in operations(spec)
        for status, response in op["responses"].items()
        if status[0] in "45"
        and (m, p, status) not in NOT_PROBLEMS
        and (
            list(response.get("content", {})) != [PROBLEM_JSON]
            or response["content"][PROBLEM_JSON]["schema"] != {"$ref": "#/components/schemas/Problem"}
        )
    ]

    assert undocumented == [], f"error responses must be application/problem+json Problems: {undocumented}"


# --- (3) the document lists exactly the routes the app serves --------------------------------------------


def test_every_route_is_in_the_openapi_document_and_vice_versa(app):
    served = {
        (method, route.path_format)
        for route in iter_route_contexts(app.routes)
        if route.path_format not in DOCS_ROUTES
        for method in (route.methods or {"(any method: a mount?)"}) - {"HEAD"}
    }

    documented = {(m, p) for m, p, _ in operations(app.openapi())}

    assert served - documented == set(), "served but not in the OpenAPI document (include_in_schema=False?)"
    assert documented - served == set(), "documented but not served"


# --- (4) schemathesis: every operation, as the demo admin, against a real database ----------------------

FUZZ_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # Schema-valid input may still be refused for reasons JSON Schema cannot express, by design:
            # a cursor we did not sign or a wrong current password (400), a stale If-Match (412),
            # an Idempotency-Key reused with another body, cross-field rules, reserved e-mail domains
            # such as x@y.test (422). Every such answer is still checked against the documented ones.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429", "5xx"]
            },
        },
    }
)
FUZZ_APP = create_app(get_settings())
SCHEMA = schemathesis.openapi.from_dict(FUZZ_APP.openapi(), config=FUZZ_CONFIG)
SCHEMA.app = FUZZ_APP  # call the app in-process (ASGI), like schemathesis.openapi.from_asgi would


# The bulk partner upload documents its NDJSON body as a string: send it as text, as is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


def run_in_own_loop(coroutine):  # noqa: ANN001, ANN201
    """Run a coroutine to completion on a fresh event loop in another thread, whatever the caller's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def user_id(engine: AsyncEngine, email: str) -> uuid.UUID:
    async with build_sessionmaker(engine)() as session:
        return await session.scalar(select(User.id).where(User.email == email))


@functools.cache
def fuzz_database() -> str:
    """Build the fuzzing database once per process and point FUZZ_APP at it.

    Lazy, and first called while pytest collects: schemathesis builds its coverage cases (with
    their credentials) at collection time.
    """
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = run_in_own_loop(create_migrated_database(f"{prefix}_fuzz_{worker}", demo=True))
    # Only schemathesis calls FUZZ_APP, always on its one shared event-loop thread (schemathesis
    # .python.asgi: "a single event loop thread is shared by every application"), so a pooled engine
    # is safe there, and 3x faster than opening a connection per request. The lifespan's shutdown
    # (at exit) disposes of it.
    FUZZ_APP.state.engine = make_engine(url, pool_size=2, max_overflow=2)
    FUZZ_APP.state.sessionmaker = build_sessionmaker(FUZZ_APP.state.engine)
    return url


@functools.cache
def fuzz_token(role: str, database_url: str | None = None) -> str:
    """A demo account's (or the demo partner's) token in the fuzzing database (or `database_url`);
    it outlives a slow suite (2 h, not 15 min)."""
    engine = make_engine(database_url or fuzz_database(), poolclass=NullPool)
    long_lived = get_settings().auth.model_copy(update={"access_token_minutes": 120})
    if role == "partner":
        client_id = run_in_own_loop(partner_id(engine))
        return issue_access_token(long_lived, subject=client_id, kind="partner", scopes=tuple(PartnerScope))
    login = next(login for login in DEMO_LOGINS if login.role == role)
    subject = run_in_own_loop(user_id(engine, login.email))
    return issue_access_token(long_lived, subject=subject, kind="user", session_id=uuid.uuid4())


async def partner_id(engine: AsyncEngine) -> uuid.UUID:
    async with build_sessionmaker(engine)() as session:
        return await session.scalar(select(PartnerClient.id).where(PartnerClient.client_id == DEMO_PARTNER_CLIENT_ID))


def identity_for(method: str, path: str) -> str:
    """Who calls an operation under fuzzing: the role it is meant for, so the fuzzer gets past the
    403s into the business rules (and the stateful chains: a citizen's request, staff's offer)."""
    if path.startswith(("/v1/partner/", "/v1/webhooks", "/v1/events")):
        return "partner"
    if path == "/v1/requests/inbox" or (method == "POST" and path.endswith("/offers")) or path.endswith("/withdraw"):
        return Role.provider_staff
    if path.startswith(("/v1/requests", "/v1/offers", "/v1/engagements", "/v1/me/notifications", "/v1/enrolments")):
        return Role.citizen
    if path.startswith(("/v1/pools", "/v1/pool-offers", "/v1/condominium-memberships", "/v1/rides")):
        return Role.hub_operator if path == "/v1/pools/suggestions" else Role.citizen
    if method == "POST" and path.endswith(("/enrolments", "/membership", "/volunteers", "/rides")):
        return Role.citizen
    if path.startswith(("/v1/condominiums", "/v1/courses", "/v1/initiatives", "/v1/volunteers")):
        return Role.hub_operator
    if path.endswith("/needs"):
        return Role.hub_operator
    if path.startswith("/v1/grants") or (method == "POST" and path.endswith("/applications")):
        return Role.citizen  # a household applies to programmes and spends its grants
    if method != "GET" and path.startswith("/v1/services"):
        return Role.provider_staff
    if method == "POST" and path in ("/v1/providers", "/v1/providers/{provider_id}/submit"):
        return Role.provider_staff
    return Role.admin


@pytest.fixture
def fuzz_app():
    fuzz_database()
    return FUZZ_APP


@pytest.fixture
def no_rate_limits(monkeypatch):
    monkeypatch.setattr(get_settings().rate_limit, "enabled", False)


@SCHEMA.auth(refresh_interval=None)  # tokens differ per operation; fuzz_token caches them
class DemoIdentities:
    def get(self, case, ctx):  # noqa: ANN001, ANN201
        return fuzz_token(identity_for(case.method.upper(), case.operation.path))

    def set(self, case, data, ctx):  # noqa: ANN001, ANN201
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_honours_the_contract_under_fuzzing(case, fuzz_app, no_rate_limits):
    case.call_and_validate()


# --- (5) schemathesis, stateful: chains of calls along the OpenAPI links -----------------------------
# Schemathesis infers the links from the response schemas and path parameters: every create (POST
# /v1/requests, /v1/services, /v1/providers, /v1/partner-clients, offers, staff, PUT partner
# services) leads to its reads, updates, actions and deletes, and so on along the lifecycle.
# Hypothesis replays scenarios and needs each to start from the same state (else
# FlakyStrategyDefinition), so every scenario gets a fresh copy of a template database with the
# demo accounts and reference data (CREATE DATABASE … TEMPLATE, ~0.3 s). Seeding the demo catalogue
# too made it 3x slower for little more depth; the live run (scripts/live_fuzz.py) has it.

STATEFUL_APP = create_app(get_settings())
STATEFUL_SCHEMA = schemathesis.openapi.from_dict(STATEFUL_APP.openapi(), config=FUZZ_CONFIG)
STATEFUL_SCHEMA.app = STATEFUL_APP


@functools.cache
def stateful_template() -> str:
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return run_in_own_loop(create_migrated_database(f"{prefix}_sfuzz_tpl_{worker}", demo=True))


def fresh_stateful_database() -> str:
    """Recreate the scenario database from the template and point STATEFUL_APP at it."""
    template = make_url(stateful_template())
    scenario = template.set(database=template.database.replace("_tpl_", "_run_"))

    async def recreate() -> None:
        admin = await connect(template.set(database="postgres").render_as_string(False))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{scenario.database}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{scenario.database}" TEMPLATE "{template.database}"')
        finally:
            await admin.close()

    run_in_own_loop(recreate())
    url = scenario.render_as_string(hide_password=False)
    # A connection per request (NullPool): nothing pooled survives into the next scenario's database.
    STATEFUL_APP.state.sessionmaker = build_sessionmaker(make_engine(url, poolclass=NullPool))
    return url


@STATEFUL_SCHEMA.auth(refresh_interval=None)
class ScenarioIdentities:
    def get(self, case, ctx):  # noqa: ANN001, ANN201
        # The copy keeps the template's ids, so the template's tokens are valid in every scenario.
        return fuzz_token(identity_for(case.method.upper(), case.operation.path), stateful_template())

    def set(self, case, data, ctx):  # noqa: ANN001, ANN201
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class StatefulWorkflow(STATEFUL_SCHEMA.as_state_machine()):
    def setup(self) -> None:
        fresh_stateful_database()
        get_settings().rate_limit.enabled = False

    def teardown(self) -> None:
        get_settings().rate_limit.enabled = True


StatefulWorkflow.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=6,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# 40 scenarios of 6 calls each run as one test: longer than the suite's default per-test limit.
TestStatefulWorkflow = pytest.mark.timeout(900)(StatefulWorkflow.TestCase)
