"""The request-body cap, answered with the same 413 problem as every other error."""

from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.error_handlers import http_error


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
            await (await http_error(Request(scope), error))(scope, receive, send)
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
