"""RFC 9457 problem details: one error type, one renderer, every failure goes through it.

Services raise `AppError` subclasses; the handlers below also turn framework errors (validation,
unknown route, wrong method, body too large, database unavailable) into the same shape, so a
client parses exactly one error format. Nothing internal (trace, SQL, path) is ever rendered.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import SECURITY_HEADERS, request_id_var

log = logging.getLogger("app.errors")
F = TypeVar("F", bound=Callable[..., Any])
PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    pointer: str = Field(description="JSON Pointer to the offending value within its location")
    location: str = Field(description="body, query, path, header or cookie")
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem: `code` is the stable string to branch on, `detail` is for people.

    Each operation's problem responses list the codes it can return (`x-problem-codes`, with one
    example each); docs/errors.md catalogues them all.
    """

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    request_id: str | None = None
    errors: list[FieldError] | None = None
    current_state: str | None = Field(default=None, description="For state conflicts: the current state")
    suggestions: list[str] | None = Field(
        default=None, description="weak_password: what to do instead, in the caller's language"
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
        "type": f"urn:welfare-di-tutti:problem:{code}",
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


# Problems the handlers below send for framework errors, which have no AppError class.
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

_HTTP_CODES = {
    400: ("malformed_request", "Bad Request"),
    401: ("not_authenticated", "Not Authenticated"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not Found"),
    405: ("method_not_allowed", "Method Not Allowed"),
    406: ("not_acceptable", "Not Acceptable"),
    413: ("body_too_large", "Content Too Large"),
    415: ("unsupported_media_type", "Unsupported Media Type"),
}


def _pointer(loc: tuple[Any, ...]) -> tuple[str, str]:
    location = str(loc[0]) if loc else "body"
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc[1:]]
    return location, "/" + "/".join(parts)


async def _app_error(request: Request, exc: AppError) -> JSONResponse:
    return problem_response(
        request,
        status=exc.status_code,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        **exc.extra,
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for err in exc.errors():
        location, pointer = _pointer(tuple(err.get("loc", ())))
        if err.get("type") == "json_invalid":
            pointer = ""
        # Only the message: never echo the submitted value (it may be personal data).
        errors.append({"pointer": pointer, "location": location, "detail": err.get("msg", "invalid")})
    return problem_response(
        request,
        status=422,
        code="validation_error",
        title="Unprocessable Content",
        detail="The request is not valid; see errors.",
        errors=errors,
    )


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, title = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP Error"))
    detail = {
        404: "No such resource.",
        405: f"Method {request.method} is not allowed here.",
        400: "The request body could not be parsed.",
    }.get(exc.status_code, str(exc.detail))
    return problem_response(request, status=exc.status_code, code=code, title=title, detail=detail, headers=exc.headers)


async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    log.warning("integrity error not handled by a service", extra={"error": type(exc.orig).__name__})
    return problem_response(
        request,
        status=409,
        code="conflict",
        title="Conflict",
        detail="The change conflicts with existing data.",
    )


async def _stale_data(request: Request, exc: StaleDataError) -> JSONResponse:
    return problem_response(
        request,
        status=409,
        code="concurrent_update",
        title="Conflict",
        detail="The resource was changed by another request; read it again and retry.",
    )


# SQLSTATEs that say "the database is not there right now": connection exceptions (class 08),
# admin/crash shutdown and "starting up" (57P01-57P03), too many connections (53300).
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}
# The statement itself was cut short under load: statement_timeout (57014), lock_timeout (55P03).
_BUSY_SQLSTATES = {"57014", "55P03"}


# Everything a failing database can raise into a service that probes it (readiness).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    SQLAlchemyError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


def database_failure(exc: BaseException) -> type[ServiceUnavailable] | None:
    """DatabaseUnavailable or ServiceBusy when `exc` (or what it wraps) is a connection/capacity failure.

    Looks through SQLAlchemy's wrapper (`.orig`) and the exception chain, because the same outage
    surfaces as a raw OSError (connection refused), a raw asyncpg error (at connect time), or a
    DBAPIError wrapping either (mid-query), depending on where it hits.
    """
    if isinstance(exc, PoolTimeout):
        return ServiceBusy
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return DatabaseUnavailable
        if isinstance(current, OSError):  # ConnectionRefusedError, TimeoutError (connect timeout), ...
            return DatabaseUnavailable
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str):
            if sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES:
                return DatabaseUnavailable
            if sqlstate in _BUSY_SQLSTATES:
                return ServiceBusy
        if isinstance(current, asyncpg.InterfaceError) and "closed" in str(current):
            return DatabaseUnavailable  # "connection is closed": the server went away under us
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    failure = database_failure(exc)
    if failure is None:
        return await _server_error(request, exc)
    log.error(
        "database unavailable" if failure is DatabaseUnavailable else "database busy",
        extra={"error": type(exc).__name__},
    )
    detail = {
        DatabaseUnavailable: "The database is temporarily unavailable; retry shortly.",
        ServiceBusy: "The service is busy; retry shortly.",
    }[failure]
    return problem_response(
        request,
        status=503,
        code=failure.code,
        title=failure.title,
        detail=detail,
        headers=dict(failure.headers or {}),
    )


async def _dbapi_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if database_failure(exc) is not None:
        return await _unavailable(request, exc)
    if getattr(exc.orig, "sqlstate", None) in UNSTORABLE_TEXT:
        return problem_response(
            request,
            status=422,
            code="validation_error",
            title="Unprocessable Content",
            detail="The request contains a character that cannot be stored (e.g. NUL, U+0000).",
        )
    return await _server_error(request, exc)


# PostgreSQL text cannot hold U+0000 (character_not_in_repertoire, untranslatable_character): a NUL
# in any string the client sends fails the statement; that is the client's input, not a 500.
UNSTORABLE_TEXT = {"22021", "22P05"}


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(
        request,
        status=500,
        code="internal_error",
        title="Internal Server Error",
        detail="An unexpected error occurred; it has been logged with this request_id.",
        # Rendered outside RequestContextMiddleware, so it adds that middleware's headers itself.
        headers={"X-Request-ID": request_id_var.get() or "", **SECURITY_HEADERS, "Cache-Control": "no-store"},
    )


class BodyLimitMiddleware:
    """Caps request bodies at `max_body_size` bytes with a 413 problem.

    Used instead of FastAPI's `max_body_size`, whose limiter replaces any response to an oversized
    Content-Length with a plain-text 413 that bypasses our handlers and headers.
    """

    def __init__(self, app: ASGIApp, max_body_size: int, larger_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.larger_limits = larger_limits or {}  # exact path → its own cap (bulk endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger_limits.get(scope["path"], self.max_body_size)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            error = StarletteHTTPException(413, self._detail(limit))
            await (await _http_error(Request(scope), error))(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:  # a chunked body: raised while the route reads it
                raise StarletteHTTPException(413, self._detail(limit))
            return message

        await self.app(scope, receive_within_limit, send)

    @staticmethod
    def _detail(limit: int) -> str:
        return f"The request body is larger than {limit} bytes."


# Starlette types every handler as taking any Exception; each of ours takes the class it is registered
# for, which Starlette guarantees, so the table types the handlers' second argument as Any.
_ExceptionHandler = Callable[[Request, Any], Awaitable[JSONResponse]]


def install_error_handlers(app: FastAPI) -> None:
    handlers: list[tuple[type[Exception], _ExceptionHandler]] = [
        (AppError, _app_error),
        (RequestValidationError, _validation_error),
        (StarletteHTTPException, _http_error),
        (IntegrityError, _integrity_error),
        (StaleDataError, _stale_data),
        (PoolTimeout, _unavailable),
        (OSError, _unavailable),  # includes ConnectionError and TimeoutError
        # Raised unwrapped when connecting: CannotConnectNowError (server starting), TooManyConnections…
        (asyncpg.PostgresError, _unavailable),
        (asyncpg.InterfaceError, _unavailable),
        (DBAPIError, _dbapi_error),
        (Exception, _server_error),
    ]
    for exception_class, handler in handlers:
        app.add_exception_handler(exception_class, handler)
