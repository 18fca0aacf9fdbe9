"""The route class every API router uses: one transaction per request, plus conditional requests.

* Admits the request to the database (app.admission: a slot per pooled connection, a short queue,
  503 service_busy within the pool timeout of arrival for the rest), then
* opens the request's AsyncSession, commits it when the endpoint succeeds (before the response is
  sent) and rolls it back on any error, so a client never sees a success that was not stored.
* Stores the response of an `Idempotency-Key` request in that same transaction.
* A create route marked `created_at(...)` sends, with its 201, `Location`: the created resource's
  GET URL, built from the response body.
* A route that takes `ReadSessionDep` gets its session from the read sessionmaker (a replica's,
  when configured), in a READ ONLY transaction that ends in a rollback: nothing to commit, and
  under the tests' savepoint the read-only mode ends with it.
* Routes whose response model has a `version` field send `ETag: "<version>"`, and a GET whose
  `If-None-Match` names it gets 304.
"""

import json
import time
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.concurrency import etag_of, parse_if_match
from app.db import begin_read_only, get_read_session
from app.errors import COMMON_RESPONSES, AppError, PreconditionFailed, raises
from app.idempotency import IdempotentReplay, store_response


def has_version_field(model: Any) -> bool:
    """A response model with a `version` field: its route sends `ETag`."""
    fields = getattr(model, "model_fields", None) or {}
    return "version" in fields


class ApiRoute(APIRoute):
    def get_route_handler(self):  # noqa: ANN201 - Starlette's handler type
        handler = super().get_route_handler()
        sends_etag = has_version_field(self.response_model)
        reads_only = _depends_on(self.dependant, get_read_session)
        location = next((call.location for call in _calls(self.dependant) if hasattr(call, "location")), None)

        async def route_handler(request: Request) -> Response:
            arrived = getattr(request.state, "arrived_at", None) or time.monotonic()
            async with request.app.state.admission.slot(arrived=arrived):
                return await run_in_session(request)

        async def run_in_session(request: Request) -> Response:
            sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
            if reads_only:
                sessionmaker = getattr(request.app.state, "read_sessionmaker", sessionmaker)
            async with sessionmaker() as session:
                request.state.session = session
                try:
                    if reads_only:
                        await begin_read_only(session)
                    response = await handler(request)
                except IdempotentReplay as replay:
                    await session.rollback()
                    return replay.response
                except AppError as error:
                    await (session.commit() if error.persist_changes and not reads_only else session.rollback())
                    raise
                except BaseException:
                    await session.rollback()
                    raise
                if response.status_code >= 400:
                    await session.rollback()
                    return response
                pending = getattr(request.state, "idempotency", None)
                if sends_etag:
                    _set_etag(response)
                if location is not None and response.status_code == 201:
                    _set_location(request, response, *location)
                if reads_only:
                    await session.rollback()  # a READ ONLY transaction has nothing to commit
                else:
                    if pending is not None:
                        await store_response(session, pending, response)
                    await session.commit()
            return _not_modified_if_current(request, response)

        return route_handler


def _calls(dependant: Dependant) -> list[Any]:
    return [dependant.call] + [call for sub in dependant.dependencies for call in _calls(sub)]


def _depends_on(dependant: Dependant, call: Any) -> bool:
    return call in _calls(dependant)


def created_at(route_name: str, **params: str) -> Any:
    """Marks a create route: its 201 sends `Location`, the URL of the GET route `route_name`, each of
    whose path parameters is the named field of the response body
    (`created_at("get_service", service_id="id")`). The contract declares the header (app.contract)."""

    async def created() -> None:
        """A marker: ApiRoute reads `location` when it builds the route, the contract `response_headers`."""

    created.location = (route_name, params)  # type: ignore[attr-defined]
    created.response_headers = {"201": {"Location"}}  # type: ignore[attr-defined]
    return Depends(created)


def _set_location(request: Request, response: Response, route_name: str, params: dict[str, str]) -> None:
    body = json.loads(getattr(response, "body", b"") or b"{}")
    path = request.app.url_path_for(route_name, **{param: str(body[field]) for param, field in params.items()})
    response.headers["Location"] = str(path)


def _set_etag(response: Response) -> None:
    body = getattr(response, "body", b"")
    if not body or not response.headers.get("content-type", "").startswith("application/json"):
        return
    version = json.loads(body).get("version")
    if isinstance(version, int):
        response.headers["ETag"] = etag_of(version)


def _not_modified_if_current(request: Request, response: Response) -> Response:
    etag = response.headers.get("etag")
    if request.method != "GET" or etag is None or response.status_code != 200:
        return response
    wanted = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return response


def api_router(*, prefix: str, tags: list[str | Enum], **kwargs: Any) -> APIRouter:
    """An APIRouter using ApiRoute and documenting the problems every route may return."""
    return APIRouter(prefix=prefix, tags=tags, route_class=ApiRoute, responses=COMMON_RESPONSES, **kwargs)


@raises(PreconditionFailed)  # checked by the service against the current version
async def if_match_versions(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", max_length=200, description='ETag from a previous read, e.g. "3"'),
    ] = None,
) -> list[int] | None:
    return None if if_match is None else parse_if_match(if_match)


IfMatch = Annotated[list[int] | None, Depends(if_match_versions)]


async def _reference_data_cache(response: Response) -> None:
    # Zones and categories change only with a release: let browsers and CDNs keep them an hour.
    response.headers["Cache-Control"] = "public, max-age=3600"


ReferenceDataCache = Depends(_reference_data_cache)
