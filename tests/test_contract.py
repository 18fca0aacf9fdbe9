"""The contract's structure, checked against the running app: who may call what (public operations
declare `security: []`, partner operations the scope their guard checks), and the document's
servers, licence, contact and paths."""

import re

import pytest

from app.auth import PARTNER_SCOPES
from app.main import create_app
from app.models import PartnerScope
from tests.factories import make_partner_client, partner_headers

SOME_ID = "8d6f0c3e-2a52-4a8e-a8a8-64b1b5a2e0a1"
SPEC = create_app().openapi()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
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


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, op in OPERATIONS if op["security"] == [] and m == "GET"]
)
async def test_public_read_answers_without_a_token(client, method, path):
    response = await client.request(method, url(path))

    assert response.status_code != 401


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, op in OPERATIONS if op["security"] != []])
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
