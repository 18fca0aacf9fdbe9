"""HTTP methods as RFC 9110 describes them, across routes: HEAD, OPTIONS and 405's `Allow`.

FastAPI routes answer only the methods they declare, one route per method, and Starlette's 405
names the methods of the first route that matches the path only (`OPTIONS /v1/me` -> `Allow:
GET`, without PATCH). This middleware, inside the CORS one (so preflights never reach it):

* answers HEAD wherever GET is served (RFC 9110 §9.3.2: the GET's status and headers, no body);
* answers OPTIONS with 204 and `Allow` listing the path's methods (§9.3.7);
* makes every 405's `Allow` list every method of the path (§15.5.6).
"""

from fastapi.routing import iter_route_contexts
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route serves at this path (plus HEAD with GET, and OPTIONS); [] if none."""
    by_path: dict[str, set[str]] = {}
    for route in iter_route_contexts(scope["app"].router.routes):  # every route, routers included
        if route.methods and route.matches(scope)[0] is not Match.NONE:
            by_path.setdefault(route.path_format or "", set()).update(route.methods)
    if not by_path:
        return []
    # The resource is the most literal path that matches, as the contract lists it: /bulk is its own
    # path (POST), not one more `{external_id}` (PUT, DELETE) though the pattern would fit it.
    fewest = min(path.count("{") for path in by_path)
    methods = {method for path, found in by_path.items() if path.count("{") == fewest for method in found}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods | {"OPTIONS"})


class MethodsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            allowed = allowed_methods(scope)
            if allowed:
                await Response(status_code=204, headers={"Allow": ", ".join(allowed)})(scope, receive, send)
                return
        if method == "HEAD" and "GET" in allowed_methods(scope):
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        await self.app(scope, receive, _full_allow_on_405(scope, send))


def _without_body(send: Send) -> Send:
    """Send a GET's response as HEAD's: same status and headers (Content-Length included), no body."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head


def _full_allow_on_405(scope: Scope, send: Send) -> Send:
    async def send_with_allow(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 405:
            headers = MutableHeaders(scope=message)
            headers["Allow"] = ", ".join(allowed_methods(scope))
        await send(message)

    return send_with_allow
