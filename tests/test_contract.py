"""The contract's structure, checked against the running app: who may call what (public operations
declare `security: []`, partner operations the scope their guard checks), the problem codes each
operation lists, and the document's servers, licence, contact and paths."""

import re
from pathlib import Path

import httpx
import pytest

from app.accounts.auth import PARTNER_SCOPES
from app.contract import _subclasses, problem_catalogue, render_errors_doc
from app.error_handlers import _HTTP_CODES
from app.errors import PROBLEM_CODES, PROBLEM_JSON, PROBLEM_TYPE_PREFIX, AppError, Problem
from app.main import create_app
from app.models import PartnerScope
from tests.factories import make_partner_client, partner_headers
from tests.problem_codes import ProblemCodeRecorder

ERRORS_DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"

SOME_ID = "8d6f0c3e-2a52-4a8e-a8a8-64b1b5a2e0a1"
SPEC = create_app().openapi()
OPERATIONS = [
    (method.upper(), path, operation) for path, item in SPEC["paths"].items() for method, operation in item.items()
]


def url(path: str) -> str:
    return re.sub(r"{[^}]+}", SOME_ID, path)


def scoped_operations() -> list[tuple[str, str, str]]:
    return [
        (method, path, scope)
        for method, path, operation in OPERATIONS
        for requirement in operation["security"]
        for scope in requirement.get("OAuth2", [])
    ]


def test_every_operation_declares_its_security_explicitly():
    undeclared = [f"{m} {p}" for m, p, op in OPERATIONS if "security" not in op]

    assert undeclared == []


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, op in OPERATIONS if op["security"] == [] and m == "GET"])
async def test_public_read_answers_without_a_token(client, method, path):
    response = await client.request(method, url(path))

    assert response.status_code != 401


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, op in OPERATIONS if any("OAuth2" in r for r in op["security"])]
)
async def test_protected_operation_answers_401_without_a_token(client, method, path):
    response = await client.request(method, url(path))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_partner_operations_declare_every_scope_the_app_grants():
    declared = {scope for _, _, scope in scoped_operations()}

    assert declared == {scope.value for scope in PartnerScope}


def test_every_partner_scope_is_described_in_the_client_credentials_flow():
    flows = SPEC["components"]["securitySchemes"]["OAuth2"]["flows"]

    assert set(flows["clientCredentials"]["scopes"]) == {scope.value for scope in PartnerScope}
    assert all(description.strip() for description in PARTNER_SCOPES.values())
    assert flows["password"]["refreshUrl"] == flows["password"]["tokenUrl"]


@pytest.mark.parametrize(("method", "path", "scope"), scoped_operations())
async def test_partner_token_without_the_declared_scope_is_refused(client, session, method, path, scope):
    partner = await make_partner_client(session, scopes=tuple(s.value for s in PartnerScope))
    others = tuple(s.value for s in PartnerScope if s.value != scope)

    response = await client.request(method, url(path), headers=partner_headers(partner, scopes=others))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert scope in response.json()["detail"]


def test_document_names_its_servers_licence_and_contact():
    assert SPEC["servers"] and all(server["url"] for server in SPEC["servers"])
    assert SPEC["info"]["license"]["identifier"] == "EUPL-1.2"
    assert SPEC["info"]["contact"]["name"]


def test_no_path_ends_with_a_slash():
    assert [path for path in SPEC["paths"] if path.endswith("/")] == []


def test_optional_query_parameters_are_never_typed_as_null():
    nullable = [
        f"{method} {path} {parameter['name']}"
        for method, path, operation in OPERATIONS
        for parameter in operation.get("parameters", [])
        if {"type": "null"} in parameter["schema"].get("anyOf", [])
    ]

    assert nullable == []


# --- problem codes: listed per operation, catalogued in docs/errors.md ------------------------------


def problem_responses():
    return [
        (method, path, status, response)
        for method, path, operation in OPERATIONS
        for status, response in operation["responses"].items()
        if PROBLEM_CODES in response
    ]


def test_committed_errors_doc_is_the_apps_catalogue():
    committed = ERRORS_DOC.read_text(encoding="utf-8")

    assert committed == render_errors_doc(SPEC), "docs/errors.md is out of date: run `make openapi`"


def test_every_code_and_title_the_api_can_send_keeps_to_the_problem_schemas_bounds():
    sent = {(p.code, p.title) for p in problem_catalogue().values()}
    sent |= {(error.code, error.title) for error in _subclasses(AppError)} | set(_HTTP_CODES.values())
    sent.add(("http_error", "HTTP Error"))  # app/error_handlers.py's answer to any other HTTP status

    def problem(code: str, title: str) -> dict[str, object]:
        body = {"type": PROBLEM_TYPE_PREFIX + code, "title": title, "status": 400, "detail": "", "instance": "/"}
        return body | {"code": code, "request_id": "r" * 64}

    for code, title in sent:
        Problem.model_validate(problem(code, title))  # a ValidationError names the code out of bounds
    assert len(sent) > 90


def test_every_problem_response_lists_codes_of_its_status_with_one_example_each():
    catalogue = problem_catalogue()

    wrong = [
        f"{method} {path} {status}: {code}"
        for method, path, status, response in problem_responses()
        for code in response[PROBLEM_CODES]
        if catalogue[code].status != int(status)
        or response["content"][PROBLEM_JSON]["examples"][code]["value"]["code"] != code
    ]

    assert problem_responses() and wrong == []


def test_codes_of_one_status_from_several_error_groups_are_all_listed():
    responses = SPEC["paths"]["/v1/requests/{request_id}/invitations"]["post"]["responses"]

    assert {"invalid_transition", "too_many_invitations"} <= set(responses["409"][PROBLEM_CODES])


def test_guards_and_dependencies_declare_what_they_raise_on_every_route_using_them():
    me = SPEC["paths"]["/v1/me"]["get"]["responses"]
    webhooks = SPEC["paths"]["/v1/webhooks"]["get"]["responses"]
    register = SPEC["paths"]["/v1/auth/register"]["post"]["responses"]

    assert me["401"][PROBLEM_CODES] == ["not_authenticated"]
    assert webhooks["403"][PROBLEM_CODES] == ["forbidden"]
    assert "invalid_cursor" in webhooks["400"][PROBLEM_CODES]
    assert register["429"][PROBLEM_CODES] == ["rate_limited"]


async def test_the_recorder_flags_a_code_its_operation_does_not_list():
    recorder = ProblemCodeRecorder(SPEC)
    request = httpx.Request("GET", "http://testserver/v1/me")
    body = b'{"code": "pool_full", "status": 401}'
    response = httpx.Response(401, content=body, headers={"content-type": PROBLEM_JSON}, request=request)

    await recorder.check(response)

    assert recorder.undeclared == ["GET /v1/me -> 401 pool_full"]


# --- response headers: declared where they are sent -------------------------------------------------


def test_every_response_declares_x_request_id_and_every_429_and_503_retry_after():
    responses = [(m, p, status, r) for m, p, op in OPERATIONS for status, r in op["responses"].items()]

    no_request_id = [f"{m} {p} {s}" for m, p, s, r in responses if "X-Request-ID" not in r.get("headers", {})]
    no_retry_after = [
        f"{m} {p} {s}" for m, p, s, r in responses if s in ("429", "503") and "Retry-After" not in r.get("headers", {})
    ]

    assert no_request_id == []
    assert no_retry_after == []


async def test_headers_sent_on_a_versioned_read_are_the_declared_ones(client, as_citizen_a):
    declared = SPEC["paths"]["/v1/me"]["get"]["responses"]["200"]["headers"]

    response = await client.get("/v1/me", headers=as_citizen_a)

    assert {"ETag", "X-Request-ID"} <= set(declared)
    assert response.headers["etag"] and response.headers["x-request-id"]


def test_idempotent_creations_declare_the_replay_header():
    hub_created = SPEC["paths"]["/v1/hubs"]["post"]["responses"]["201"]["headers"]

    assert {"Idempotent-Replayed", "RateLimit", "RateLimit-Policy", "ETag"} <= set(hub_created)


def test_every_tag_in_use_is_declared_with_a_description():
    used = {tag for _, _, operation in OPERATIONS for tag in operation["tags"]}

    declared = {tag["name"]: tag.get("description", "") for tag in SPEC["tags"]}

    assert set(declared) == used
    assert all(description.strip() for description in declared.values())
