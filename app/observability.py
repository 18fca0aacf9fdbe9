"""Request ids, JSON logs, Prometheus metrics (app/metrics.py) and security headers, as one pure-ASGI
middleware."""

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import observe_request

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_MAX_LENGTH = 64  # a caller's X-Request-ID is kept only up to this length; ours are 32
_VALID_REQUEST_ID = re.compile(rf"^[A-Za-z0-9._\-]{{1,{REQUEST_ID_MAX_LENGTH}}}$")


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


class JsonFormatter(logging.Formatter):
    """One JSON object a line, carrying the request id and which process wrote it (`tutti serve`
    interleaves the API's and the worker's lines on one stream). Log ids, never personal data."""

    _SKIP = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def __init__(self, process: str = "api") -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "process": self.process,
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in self._SKIP})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, *, process: str = "api") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(process))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # our access log replaces it


access_log = logging.getLogger("app.access")


class RequestContextMiddleware:
    """Accepts or makes an X-Request-ID, echoes it, adds security headers, logs and measures."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        # When the request reached the app: app.admission counts its wait for the database from here.
        scope.setdefault("state", {})["arrived_at"] = time.monotonic()
        status, template = 500, None

        async def send_with_headers(message: Message) -> None:
            nonlocal status, template
            if message["type"] == "http.response.start":
                status = message["status"]
                template = route_template(scope)  # now: FastAPI clears its route context afterwards
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                # Responses may carry personal data: no caching unless a route says otherwise.
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except BaseException:
            # Keep the request id set: the outer error handler renders the 500 with it.
            self._record(scope, 500, template or route_template(scope), started)
            raise
        self._record(scope, status, template or route_template(scope), started)
        request_id_var.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, template: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        observe_request(scope["method"], template, status, elapsed)
        access_log.info(
            "request",
            extra={
                "method": scope["method"],
                "route": template,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )


def route_template(scope: Scope) -> str:
    """The matched route's full template (`/v1/zones/{zone_id}`). FastAPI mounts an included router
    lazily: `scope["route"]` is the route as declared in its router (`/zones/{zone_id}`, no prefix),
    while its effective context, present while the route runs, carries the path with the prefix."""
    fastapi_scope = scope.get("fastapi")
    context = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    for candidate in (context, scope.get("route")):
        template = getattr(candidate, "path_format", None)
        if template:
            return template
    return "unmatched"
