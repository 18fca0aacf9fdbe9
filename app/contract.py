"""The OpenAPI document as outside tools and generated clients read it.

FastAPI builds the document from the routes; this module then states what FastAPI cannot infer:
which operations are public, which OAuth2 scope a partner operation needs, and how problems are
sent. Everything here is derived from the routes' dependencies, never listed by hand, so the
document follows the code.
"""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.contract_bounds import declare_format_bounds
from app.errors import (
    COMMON_RESPONSES,
    FRAMEWORK_PROBLEMS,
    GLOBAL_PROBLEMS,
    PROBLEM_CODES,
    PROBLEM_JSON,
    PROBLEM_TYPE_PREFIX,
    WRITE_METHODS,
    WRITE_RESPONSES,
    AppError,
    ProblemType,
)
from app.principal import SCHEME_NAME, requires_caller
from app.routing import has_version_field

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# A service's problem that no route calling the service declares yet (a domain that other domains'
# operations will call, such as the ledger's app/money): catalogued all the same.
NOT_YET_SENT = "no operation yet (raised by a service that other domains' operations call)"

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


# The tags of the routers, in the order of the map of contexts (STYLE.md §1), each described once.
TAGS = [
    {"name": "operations", "description": "Health, readiness and metrics of the running service"},
    {"name": "auth", "description": "Registration, tokens (password, refresh, client credentials) and logout"},
    {"name": "me", "description": "The signed-in person's own account"},
    {"name": "users", "description": "Accounts, for administrators"},
    {"name": "partner clients", "description": "Partner systems' OAuth2 clients, for administrators"},
    {"name": "income", "description": "A household's ISEE: declared by the citizen, verified by city staff"},
    {"name": "zones", "description": "Milan's Municipi and NILs (reference data)"},
    {"name": "categories", "description": "Areas and categories of care services (reference data)"},
    {"name": "domestic-work", "description": "The family's cost of a CCNL domestic worker, line by line (public)"},
    {"name": "providers", "description": "Cooperatives, companies and individual workers, and their accreditation"},
    {"name": "services", "description": "The catalogue of services providers offer, and its search"},
    {"name": "partner sync", "description": "Partners' own listings, kept in step by external id"},
    {"name": "requests", "description": "Citizens' needs, their matches and invitations"},
    {"name": "offers", "description": "Providers' answers to requests"},
    {"name": "engagements", "description": "Accepted offers: who, what, when, price, contract"},
    {"name": "reviews", "description": "Reviews of completed engagements, and their moderation"},
    {"name": "hubs", "description": "Neighbourhood hubs, their operators and the needs they see"},
    {"name": "condominiums", "description": "Buildings and their residents, for sharing services"},
    {"name": "notifications", "description": "What happened that concerns the signed-in person"},
    {"name": "pools", "description": "Families sharing one service, and the offers for them"},
    {"name": "courses", "description": "Hubs' courses and enrolments"},
    {"name": "initiatives", "description": "Volunteer initiatives, volunteers and rides"},
    {"name": "conversations", "description": "Private threads between households and providers, and reports"},
    {"name": "spending", "description": "Which of a household's grants pay for what it accepts: proposal, holds"},
    {"name": "ledger", "description": "The money ledger's accounts, transactions and checks (admins)"},
    {"name": "timesheets", "description": "Weekly hours of hourly engagements, their confirmation, and co-payments"},
    {"name": "statements", "description": "Providers' monthly statements and programmes' spend, from the ledger"},
    {"name": "programmes", "description": "Funding programmes, households' applications and their grants"},
    {"name": "events", "description": "The partners' event feed (what changed)"},
    {"name": "webhooks", "description": "Partners' webhook subscriptions and deliveries"},
    {"name": "hsds", "description": "The open Human Services Data Specification 3.0 feed"},
]


def declare_tags(schema: dict[str, Any]) -> None:
    """Every tag an operation uses, listed with its description (known ones first, in map order)."""
    used = {
        tag for item in schema["paths"].values() for operation in item.values() for tag in operation.get("tags", [])
    }
    known = [tag for tag in TAGS if tag["name"] in used]
    unknown = sorted(used - {tag["name"] for tag in TAGS})
    schema["tags"] = known + [{"name": name} for name in unknown]


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
    if not requires_caller(calls):
        return []
    scopes = sorted({call.oauth_scope for call in calls if hasattr(call, "oauth_scope")})
    return [{SCHEME_NAME: scopes}]


def declare_security(app: FastAPI, schema: dict[str, Any]) -> None:
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            # Another scheme (the metrics token) is needed only when configured (API__METRICS_TOKEN):
            # optional, `{}` first, so clients and fuzzers call it without one too. OAuth2 is ours to state.
            others = [requirement for requirement in operation.get("security", []) if SCHEME_NAME not in requirement]
            operation["security"] = security_of(route) or ([{}, *others] if others else [])


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


def _subclasses(cls: type[AppError]) -> list[type[AppError]]:
    return [cls] + [sub for direct in cls.__subclasses__() for sub in _subclasses(direct)]


def problem_catalogue() -> dict[str, ProblemType]:
    """Every problem `code` the API sends: the handlers' own, then each AppError subclass's (its
    docstring's first line says what it means; else its title). Call once every domain is imported."""
    catalogue = {problem.code: problem for problem in FRAMEWORK_PROBLEMS}
    documented = set(catalogue)  # the handlers' own meanings come first
    for error in _subclasses(AppError)[1:]:  # AppError itself is no problem of its own
        if vars(error).get("__abstract__"):  # a base (InvalidTransition): its subclasses say what it means
            continue
        doc = (error.__doc__ or "").strip().split("\n\n")[0]
        if error.code in documented or (error.code in catalogue and not doc):
            continue
        meaning = " ".join(doc.split()) or _sentence(error.__name__)
        catalogue[error.code] = ProblemType(error.code, error.status_code, error.title, meaning)
        documented |= {error.code} if doc else set()
    return dict(sorted(catalogue.items()))


def _sentence(class_name: str) -> str:
    """`CourseNotOpen` -> "Course not open.": the error's name says what went wrong."""
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", class_name)
    return " ".join([words[0], *(word.lower() for word in words[1:])]) + "."


def _example(problem: ProblemType, path: str) -> dict[str, Any]:
    return {
        "summary": problem.meaning or problem.title,
        "value": {
            "type": f"{PROBLEM_TYPE_PREFIX}{problem.code}",
            "title": problem.title,
            "status": problem.status,
            "detail": problem.meaning or problem.title,
            "instance": path,
            "code": problem.code,
            "request_id": "4f1c2b9e0a7d4e21",
        },
    }


def declare_problems(app: FastAPI, schema: dict[str, Any]) -> None:
    """Each problem response lists the codes its operation can send (declared on the route, and on
    every dependency it goes through: guards, rate limits, cursors...), with one example each."""
    catalogue = problem_catalogue()
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema or route.path_format is None:
            continue
        from_dependencies = [error for call in dependency_calls(route.dependant) for error in _problems(call)]
        for method in route.methods or ():
            responses = schema["paths"][route.path_format][method.lower()]["responses"]
            # The router's common problems too: FastAPI lets a route's own 400 or 503 replace them.
            common = [(str(status), codes) for status, r in COMMON_RESPONSES.items() for codes in [r[PROBLEM_CODES]]]
            if method in WRITE_METHODS:
                common += [(str(status), r[PROBLEM_CODES]) for status, r in WRITE_RESPONSES.items()]
            declared = common + [(str(error.status_code), [error.code]) for error in from_dependencies]
            for status, codes in declared:
                response = responses.setdefault(status, {"description": "Problem"})
                if "content" in response and PROBLEM_CODES not in response:
                    continue  # not a problem (the /readyz report)
                response[PROBLEM_CODES] = sorted({*response.get(PROBLEM_CODES, ()), *codes})
            responses = dict(sorted(responses.items()))  # 2xx first, then each problem status in order
            schema["paths"][route.path_format][method.lower()]["responses"] = responses
            for response in responses.values():
                if PROBLEM_CODES in response:
                    response["content"] = {
                        PROBLEM_JSON: {
                            "schema": PROBLEM_REF,
                            "examples": {
                                code: _example(catalogue[code], route.path_format) for code in response[PROBLEM_CODES]
                            },
                        }
                    }
                    response["description"] = "Problem: " + ", ".join(f"`{c}`" for c in response[PROBLEM_CODES])


def _problems(dependency: Any) -> tuple[type[AppError], ...]:
    return getattr(dependency, "problems", ())


# Response headers, declared once (components/headers) and referenced where they are sent.
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (the caller's `X-Request-ID` if valid, else new); quote it when reporting",
        "schema": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9._-]{1,64}$"},
    },
    "ETag": {
        "description": "The resource's version: send it in `If-Match` to change it, `If-None-Match` to re-read it",
        "schema": {"type": "string", "maxLength": 22, "pattern": '^"[0-9]{1,20}"$'},
    },
    "WWW-Authenticate": {
        "description": "The Bearer challenge (RFC 6750 §3): a token is missing, invalid or expired",
        "schema": {"type": "string", "maxLength": 200},
    },
    "Access-Control-Allow-Origin": {
        "description": "CORS: the caller's origin when it is an allowed one (setting API__CORS_ORIGINS); `*` on /hsds",
        "schema": {"type": "string", "maxLength": 200},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 86400},
    },
    "Location": {
        "description": "The created resource's URL: GET it to read what was created",
        "schema": {"type": "string", "format": "uri-reference", "maxLength": 200},
    },
    "Idempotent-Replayed": {
        "description": "`true`: the stored response of an earlier request with this `Idempotency-Key`",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "RateLimit-Policy": {
        "description": 'The quota policies of this operation, e.g. `"create";q=60;w=60` (quota `q` per `w` '
        "seconds), as draft-ietf-httpapi-ratelimit-headers-10 §4 defines",
        "schema": {"type": "string", "maxLength": 200},
    },
    "RateLimit": {
        "description": 'What is left of each policy, e.g. `"create";r=59;t=60` (`r` remaining, reset in `t` '
        "seconds), as draft-ietf-httpapi-ratelimit-headers-10 §5 defines",
        "schema": {"type": "string", "maxLength": 200},
    },
}


def _header_refs(names: Any) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def declare_headers(app: FastAPI, schema: dict[str, Any]) -> None:
    """Each response lists the headers sent with it: X-Request-ID always, Retry-After with 429 and
    503, ETag where the body has a `version`, and what dependencies add (rate limits, idempotency)."""
    schema.setdefault("components", {})["headers"] = HEADERS
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        extra: dict[str, set[str]] = {}
        for call in dependency_calls(route.dependant):
            for status, names in getattr(call, "response_headers", {}).items():
                extra.setdefault(status, set()).update(names)
        for method in route.methods or ():
            for status, response in schema["paths"][route.path_format][method.lower()]["responses"].items():
                names = ["X-Request-ID", "Access-Control-Allow-Origin"]
                if status in ("429", "503"):
                    names.append("Retry-After")
                if status == "401":
                    names.append("WWW-Authenticate")
                if status.startswith("2") and has_version_field(route.response_model):
                    names.append("ETag")
                names += sorted(extra.get(status, set()) | (extra.get("2XX", set()) if status[0] == "2" else set()))
                response["headers"] = {**_header_refs(names), **response.get("headers", {})}


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
    """FastAPI's document, completed: security and problem codes per operation, parameters."""
    declare_security(app, schema)
    declare_problems(app, schema)
    declare_headers(app, schema)
    declare_tags(schema)
    drop_null_from_parameters(schema)
    problem_media_type(schema)
    declare_format_bounds(schema)
    return schema


ERRORS_DOC_HEADER = """# Problem codes

Generated from the app by `tutti openapi` (with openapi/openapi.json); do not edit by hand.

Every error is an RFC 9457 `application/problem+json` body: `type`, `title`, `status`, `detail`,
`instance`, `code`, `request_id` (and `errors` for validation). Branch on `code`: it is stable, the
`detail` is for people. In the contract, each operation's problem responses list the codes that
operation can send (`x-problem-codes`), with an example of each.
"""


def render_errors_doc(schema: dict[str, Any]) -> str:
    """docs/errors.md: every code with its status, meaning and the operations that can send it."""
    operations_by_code: dict[str, list[str]] = {}
    total = 0
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            total += 1
            codes = {code for response in operation["responses"].values() for code in response.get(PROBLEM_CODES, ())}
            for code in codes:
                operations_by_code.setdefault(code, []).append(operation["operationId"])
    lines = [ERRORS_DOC_HEADER, "| code | status | meaning | sent by |", "|---|---|---|---|"]
    for problem in problem_catalogue().values():
        operations = sorted(operations_by_code.get(problem.code, []))
        if len(operations) == total:
            sent_by = "every operation"
        elif len(operations) > 12:
            sent_by = f"{len(operations)} operations"
        else:
            sent_by = ", ".join(f"`{name}`" for name in operations) or GLOBAL_PROBLEMS.get(problem.code, NOT_YET_SENT)
        meaning = (problem.meaning or problem.title).replace("|", "\\|")
        lines.append(f"| `{problem.code}` | {problem.status} | {meaning} | {sent_by} |")
    return "\n".join(lines) + "\n"
