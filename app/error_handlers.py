"""Every exception a request can end in, rendered as one RFC 9457 problem (app.errors).

AppErrors carry their own status and code; validation, routing and body-size errors, database
outages (app.database_failures) and bugs get theirs here. Installed on the app by `main.py`.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.database_failures import UNSTORABLE_TEXT, database_failure
from app.errors import AppError, DatabaseUnavailable, ServiceBusy, problem_response
from app.observability import SECURITY_HEADERS, request_id_var

log = logging.getLogger("app.errors")  # the name these log lines have always carried

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


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
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


# Starlette types every handler as taking any Exception; each of ours takes the class it is registered
# for, which Starlette guarantees, so the table types the handlers' second argument as Any.
_ExceptionHandler = Callable[[Request, Any], Awaitable[JSONResponse]]


def install_error_handlers(app: FastAPI) -> None:
    handlers: list[tuple[type[Exception], _ExceptionHandler]] = [
        (AppError, _app_error),
        (RequestValidationError, _validation_error),
        (StarletteHTTPException, http_error),
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
