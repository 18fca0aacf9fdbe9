"""RFC 9457 problem details: one error type, and how the contract documents it.

Services raise `AppError` subclasses; app/error_handlers.py renders them, and the framework's and
the database's own failures (validation, unknown route, wrong method, body too large, database
unavailable), in this one shape with `problem_response`, so a client parses exactly one error
format. Nothing internal (trace, SQL, path) is ever rendered.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.observability import REQUEST_ID_MAX_LENGTH, request_id_var

F = TypeVar("F", bound=Callable[..., Any])
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:welfare-di-tutti:problem:"  # + the code: a problem's `type`

# What every problem's code and title keep to; tests/test_contract.py holds each AppError and each
# framework problem to these bounds, so the contract's lengths stay true as codes are added.
PROBLEM_CODE_MAX_LENGTH = 40
PROBLEM_TITLE_MAX_LENGTH = 40
CODE_GRAMMAR = "[a-z][a-z0-9_]*"
ProblemCode = Annotated[str, Field(pattern=f"^{CODE_GRAMMAR}$", max_length=PROBLEM_CODE_MAX_LENGTH)]


class FieldError(BaseModel):
    pointer: str = Field(description="JSON Pointer to the offending value within its location")
    location: str = Field(max_length=len("header"), description="body, query, path, header or cookie")
    detail: str
    code: ProblemCode | None = Field(
        default=None, description="When one request breaks several business rules: which rule this value breaks"
    )


class Problem(BaseModel):
    """An RFC 9457 problem: `code` is the stable string to branch on, `detail` is for people.

    Each operation's problem responses list the codes it can return (`x-problem-codes`, with one
    example each); docs/errors.md catalogues them all.
    """

    type: str = Field(
        pattern=f"^{PROBLEM_TYPE_PREFIX}{CODE_GRAMMAR}$", max_length=len(PROBLEM_TYPE_PREFIX) + PROBLEM_CODE_MAX_LENGTH
    )
    title: str = Field(max_length=PROBLEM_TITLE_MAX_LENGTH)
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str
    code: ProblemCode
    request_id: str | None = Field(default=None, max_length=REQUEST_ID_MAX_LENGTH)
    errors: list[FieldError] | None = None
    current_state: str | None = Field(default=None, description="For state conflicts: the current state")
    suggestions: list[str] | None = Field(
        default=None, max_length=10, description="weak_password: what to do instead, in the caller's language"
    )


class AppError(Exception):
    """A business or protocol error; subclasses fix status and code."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad Request"
    headers: dict[str, str] | None = None
    # True when the changes made before the error must still be committed (e.g. revoking a
    # refresh-token family on reuse); the default is to roll everything back.
    persist_changes: ClassVar[bool] = False

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotAuthenticated(AppError):
    status_code, code, title = 401, "not_authenticated", "Not Authenticated"
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class MissingCredentials(NotAuthenticated):
    headers = {"WWW-Authenticate": 'Bearer realm="welfare-di-tutti"'}


class Forbidden(AppError):
    status_code, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status_code, code, title = 404, "not_found", "Not Found"


class Conflict(AppError):
    status_code, code, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    """The resource's state does not allow this change; `current_state` says which state it is in.

    Each state machine raises its own subclass (InvalidOfferTransition, InvalidRideTransition...),
    so a route declares the machines it drives; they share the code, status and title.
    """

    # Not catalogued itself: the code's meaning in docs/errors.md and the contract's examples is
    # still the one its first subclass gives (app.contract.problem_catalogue).
    __abstract__ = True
    code, title = "invalid_transition", "Invalid State Transition"

    def __init__(self, detail: str, *, current_state: str) -> None:
        super().__init__(detail, current_state=current_state)


class PreconditionFailed(AppError):
    status_code, code, title = 412, "precondition_failed", "Precondition Failed"


class RateLimited(AppError):
    status_code, code, title = 429, "rate_limited", "Too Many Requests"

    def __init__(self, retry_after: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"Too many requests; retry in {retry_after} s.")
        self.headers = {"Retry-After": str(retry_after), **(headers or {})}


class ServiceUnavailable(AppError):
    """The base of the 503s: never sent itself, each subclass says why the service cannot answer."""

    __abstract__ = True
    status_code, code, title = 503, "service_unavailable", "Service Unavailable"
    headers = {"Retry-After": "5"}


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached (down, restarting, refusing connections)."""

    code = "database_unavailable"
    headers = {"Retry-After": "5"}


class ServiceBusy(ServiceUnavailable):
    """Every database connection is in use (pool timeout), or a statement ran past its timeout."""

    code = "service_busy"
    headers = {"Retry-After": "1"}


class InvalidCursor(AppError):
    status_code, code, title = 400, "invalid_cursor", "Invalid Cursor"


class ValidationFailed(AppError):
    """A business-rule violation on otherwise well-formed input, pointing at the field."""

    status_code, code, title = 422, "validation_error", "Unprocessable Content"

    def __init__(self, detail: str, *, pointer: str, location: str = "body") -> None:
        super().__init__(detail, errors=[{"pointer": pointer, "location": location, "detail": detail}])


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        "request_id": request_id_var.get(),
        **{k: v for k, v in extra.items() if v is not None},
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


PROBLEM_CODES = "x-problem-codes"  # on a problem response: the `code`s the operation can send with it


def _problem_response(codes: set[str]) -> dict[str, Any]:
    return {"model": Problem, "description": "Problem", PROBLEM_CODES: sorted(codes)}


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the AppErrors a route can raise (grouped by status, codes listed)."""
    by_status: dict[int, set[str]] = {}
    for error in errors:
        by_status.setdefault(error.status_code, set()).add(error.code)
    return {status: _problem_response(codes) for status, codes in by_status.items()}


def merge_responses(*groups: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """Several `error_responses` as one: codes of the same status are joined (`{**a, **b}` would keep
    only b's)."""
    merged: dict[int | str, dict[str, Any]] = {}
    for group in groups:
        for status, response in group.items():
            if status in merged and PROBLEM_CODES in response:
                codes = {*merged[status].get(PROBLEM_CODES, ()), *response[PROBLEM_CODES]}
                response = {**response, PROBLEM_CODES: sorted(codes)}
            merged[status] = response
    return merged


def raises(*errors: type[AppError]) -> Callable[[F], F]:
    """Mark a dependency with the AppErrors it raises: every route depending on it, directly or not,
    documents them (app/contract.py), so a guard or a header check is declared once, where it is."""

    def mark(dependency: F) -> F:
        dependency.problems = errors  # type: ignore[attr-defined]
        return dependency

    return mark


@dataclass(frozen=True)
class ProblemType:
    """One `code` of the catalogue (docs/errors.md): its status and what it means."""

    code: str
    status: int
    title: str
    meaning: str


# Problems app/error_handlers.py sends for framework errors, which have no AppError class.
FRAMEWORK_PROBLEMS = (
    ProblemType("malformed_request", 400, "Bad Request", "The body is not valid JSON or not UTF-8."),
    ProblemType("not_found", 404, "Not Found", "No such resource (also: an unknown path)."),
    ProblemType("method_not_allowed", 405, "Method Not Allowed", "The path does not answer this method; see `Allow`."),
    ProblemType("concurrent_update", 409, "Conflict", "Another request changed the resource meanwhile; read it again."),
    ProblemType("conflict", 409, "Conflict", "The change conflicts with existing data."),
    ProblemType("body_too_large", 413, "Content Too Large", "The request body is larger than the operation accepts."),
    ProblemType("validation_error", 422, "Unprocessable Content", "The request is invalid; see `errors`, per field."),
    ProblemType("internal_error", 500, "Internal Server Error", "A bug: logged with the problem's `request_id`."),
)

# Every route may answer these (malformed JSON, body limits, validation, a bug, overload).
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response({"malformed_request"}),
    413: _problem_response({"body_too_large"}),
    422: _problem_response({"validation_error"}),
    500: _problem_response({"internal_error"}),
    503: _problem_response({"database_unavailable", "service_busy"}),
}

# Every operation that changes data may also answer this: it updates versioned rows, and another
# request may change one of them between the read and the write (StaleDataError).
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {409: _problem_response({"concurrent_update"})}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Codes no operation can list, with where they come from (docs/errors.md says so).
GLOBAL_PROBLEMS = {
    "method_not_allowed": "any path, for a method it does not answer (no operation: `Allow` lists the methods)",
}
