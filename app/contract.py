"""The OpenAPI document as outside tools and generated clients read it.

FastAPI builds the document from the routes; this module then states what FastAPI cannot infer:
which operations are public, which OAuth2 scope a partner operation needs, and how problems are
sent. Everything here is derived from the routes' dependencies, never listed by hand, so the
document follows the code.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.auth import SCHEME_NAME, current_principal
from app.errors import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

SERVERS = [
    {
        # Relative: the document is served by the API itself, and the same file describes every
        # deployment (local `make run` at http://127.0.0.1:8000, staging, production).
        "url": "/",
        "description": "The server this document is served from (production, staging or local)",
        "x-internal": False,
    }
]
CONTACT = {"name": "Welfare di Tutti API team"}
# EUPL-1.2: the licence of the project's code (LICENSE); `identifier` is its SPDX id.
LICENSE = {"name": "EUPL-1.2", "identifier": "EUPL-1.2"}


def dependency_calls(dependant: Dependant) -> list[Any]:
    """Every callable a route depends on, directly or through other dependencies."""
    calls = [dependant.call]
    for sub in dependant.dependencies:
        calls += dependency_calls(sub)
    return calls


def security_of(route: RouteContext) -> list[dict[str, list[str]]]:
    """`[]` for a public operation (a token, when sent, may only widen what it shows); else the
    scheme, with the partner scopes the route's guards check."""
    calls = dependency_calls(route.dependant)
    if current_principal not in calls:
        return []
    scopes = sorted({call.oauth_scope for call in calls if hasattr(call, "oauth_scope")})
    return [{SCHEME_NAME: scopes}]


def declare_security(app: FastAPI, schema: dict[str, Any]) -> None:
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            schema["paths"][route.path_format][method.lower()]["security"] = security_of(route)


def drop_null_from_parameters(schema: dict[str, Any]) -> None:
    """An optional parameter is one that may be left out; it can never be sent as JSON null. FastAPI
    still types `x: UUID | None = None` as `anyOf: [uuid, null]`, which generators turn into a
    nullable argument and linters cannot read as an id: keep the one real type."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                param_schema = parameter.get("schema", {})
                variants = param_schema.get("anyOf", [])
                real = [v for v in variants if v != {"type": "null"}]
                if len(variants) == 2 and len(real) == 1:
                    del param_schema["anyOf"]
                    param_schema.update(real[0])


def problem_media_type(schema: dict[str, Any]) -> None:
    """Document Problem bodies as application/problem+json, which is what they are sent as, also on
    routes with another media type (/metrics: text/plain). Other error bodies (the /readyz report)
    keep the media type they are sent with."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                problem = next((body for body in content.values() if body.get("schema") == PROBLEM_REF), None)
                if status[0] in "45" and problem is not None:
                    response["content"] = {PROBLEM_JSON: problem}


def finish(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's document, completed: security per operation, parameters, problem media type."""
    declare_security(app, schema)
    drop_null_from_parameters(schema)
    problem_media_type(schema)
    return schema
