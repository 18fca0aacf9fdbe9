"""The Open Referral HSDS 3.0 feed under /hsds: public, read-only, open to any web origin.

Mounted outside /v1: its paths, parameters and page object are the standard's, not ours. Query
parameters follow the HSDS API (https://docs.openreferral.org/en/v3.0/); `format` (ndjson),
`postcode` and `proximity` are not supported.
"""

import uuid
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AwareDatetime, BeforeValidator
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.catalog.search_params import rfc3339_only
from app.db import ReadSessionDep
from app.errors import AppError, error_responses
from app.hsds import service as hsds_service
from app.hsds.schemas import (
    MAX_PER_PAGE,
    HsdsApiInfo,
    HsdsOrganization,
    HsdsPage,
    HsdsService,
    HsdsServiceAtLocation,
    HsdsTaxonomy,
    HsdsTaxonomyTerm,
)
from app.routing import api_router

PREFIX = "/hsds"
OPEN = {
    "headers": {
        "Access-Control-Allow-Origin": {
            "description": "`*`: any web page may read the feed (no preflight needed for a plain GET)",
            "schema": {"type": "string"},
        }
    }
}


def _hsds(*errors: type[AppError]) -> dict[str, Any]:
    """Route options shared by the feed: the CORS header documented, and the route's problems."""
    # Absent values are omitted, never null: HSDS types them as plain strings, numbers and arrays.
    return {"response_model_exclude_none": True, "responses": {200: OPEN, **error_responses(*errors)}}


router = api_router(prefix=PREFIX, tags=["hsds"])


Search = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Italian full-text search (names and descriptions)")
]
Page = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page (1-200, default 50)")]
Full = Annotated[bool, Query(description="Return fully nested objects")]
FullService = Annotated[bool, Query(description="Nest the organization's services fully")]
TermId = Annotated[
    uuid.UUID | None, Query(description="Only services with this taxonomy term (an area includes its categories)")
]
TaxonomyId = Annotated[uuid.UUID | None, Query(description="Only items with a term of this taxonomy")]
OrganizationId = Annotated[uuid.UUID | None, Query(description="Only this organization's services")]
ModifiedAfter = Annotated[
    AwareDatetime | None,
    BeforeValidator(rfc3339_only),
    Query(description="Only items modified at or after this instant (RFC 3339, with a time zone)"),
]


def _id(what: str) -> Any:
    return Path(description=f"The {what}'s id")


# At /hsds, not /hsds/: no path of the contract ends in a slash. HSDS clients that build the root
# as base + "/" still get here: /hsds/ answers 307 with `Location: .../hsds` (Starlette's slash
# redirect), as the description says, so no partner using the old path breaks.
@router.get("", response_model=HsdsApiInfo, **_hsds())
async def get_hsds_root() -> HsdsApiInfo:
    """The HSDS version and OpenAPI document this feed implements (the old `/hsds/` redirects here)."""
    return hsds_service.api_info()


@router.get("/services", response_model=HsdsPage[HsdsService], **_hsds())
async def list_hsds_services(
    session: ReadSessionDep,
    search: Search = None,
    taxonomy_term_id: TermId = None,
    taxonomy_id: TaxonomyId = None,
    organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None,
    minimal: Annotated[
        bool, Query(description="Only id, name, status and last_modified; excludes `full` (both true: 422)")
    ] = False,
    full: Annotated[
        bool, Query(description="Return fully nested objects; excludes `minimal` (both true: 422)")
    ] = False,
    page: Page = 1,
    per_page: PerPage = 50,
) -> HsdsPage[HsdsService]:
    """Published services of accredited providers, a page at a time."""
    return await hsds_service.list_services(
        session,
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        minimal=minimal,
        full=full,
        page=page,
        per_page=per_page,
    )


@router.get(
    "/services/{service_id}",
    response_model=HsdsService,
    **_hsds(hsds_service.HsdsServiceNotFound),
)
async def get_hsds_service(service_id: Annotated[uuid.UUID, _id("service")], session: ReadSessionDep) -> HsdsService:
    """One published service, fully nested."""
    return await hsds_service.get_service(session, service_id)


@router.get("/organizations", response_model=HsdsPage[HsdsOrganization], **_hsds())
async def list_hsds_organizations(
    session: ReadSessionDep,
    search: Search = None,
    full: Full = False,
    full_service: FullService = False,
    page: Page = 1,
    per_page: PerPage = 50,
) -> HsdsPage[HsdsOrganization]:
    """Accredited providers, a page at a time."""
    return await hsds_service.list_organizations(
        session, search=search, full=full, full_service=full_service, page=page, per_page=per_page
    )


@router.get(
    "/organizations/{organization_id}",
    response_model=HsdsOrganization,
    **_hsds(hsds_service.OrganizationNotFound),
)
async def get_hsds_organization(
    organization_id: Annotated[uuid.UUID, _id("organization")],
    session: ReadSessionDep,
    full_service: FullService = False,
) -> HsdsOrganization:
    """One accredited provider with its services."""
    return await hsds_service.get_organization(session, organization_id, full_service=full_service)


@router.get("/taxonomies", response_model=HsdsPage[HsdsTaxonomy], **_hsds())
async def list_hsds_taxonomies(search: Search = None, page: Page = 1, per_page: PerPage = 50) -> HsdsPage[HsdsTaxonomy]:
    """The taxonomies of the feed: one, `wemi`, the platform's areas and categories."""
    return hsds_service.list_taxonomies(search=search, page=page, per_page=per_page)


@router.get(
    "/taxonomies/{taxonomy_id}",
    response_model=HsdsTaxonomy,
    **_hsds(hsds_service.TaxonomyNotFound),
)
async def get_hsds_taxonomy(taxonomy_id: Annotated[uuid.UUID, _id("taxonomy")]) -> HsdsTaxonomy:
    """One taxonomy."""
    return hsds_service.get_taxonomy(taxonomy_id)


@router.get("/taxonomy_terms", response_model=HsdsPage[HsdsTaxonomyTerm], **_hsds())
async def list_hsds_taxonomy_terms(
    session: ReadSessionDep,
    search: Search = None,
    taxonomy_id: TaxonomyId = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="Only the terms under this one")] = None,
    top_only: Annotated[bool, Query(description="Only top-level terms (the areas)")] = False,
    page: Page = 1,
    per_page: PerPage = 50,
) -> HsdsPage[HsdsTaxonomyTerm]:
    """The taxonomy terms (areas, then categories), a page at a time."""
    return await hsds_service.list_taxonomy_terms(
        session,
        search=search,
        taxonomy_id=taxonomy_id,
        parent_id=parent_id,
        top_only=top_only,
        page=page,
        per_page=per_page,
    )


@router.get(
    "/taxonomy_terms/{term_id}",
    response_model=HsdsTaxonomyTerm,
    **_hsds(hsds_service.TaxonomyTermNotFound),
)
async def get_hsds_taxonomy_term(
    term_id: Annotated[uuid.UUID, _id("taxonomy term")], session: ReadSessionDep
) -> HsdsTaxonomyTerm:
    """One taxonomy term (its id is the category id)."""
    return await hsds_service.get_taxonomy_term(session, term_id)


@router.get("/service_at_locations", response_model=HsdsPage[HsdsServiceAtLocation], **_hsds())
async def list_hsds_service_at_locations(
    session: ReadSessionDep,
    search: Search = None,
    taxonomy_term_id: TermId = None,
    taxonomy_id: TaxonomyId = None,
    organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None,
    full: Full = False,
    page: Page = 1,
    per_page: PerPage = 50,
) -> HsdsPage[HsdsServiceAtLocation]:
    """Services at their organization's location (individual workers' services have none)."""
    return await hsds_service.list_service_at_locations(
        session,
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        full=full,
        page=page,
        per_page=per_page,
    )


@router.get(
    "/service_at_locations/{service_at_location_id}",
    response_model=HsdsServiceAtLocation,
    **_hsds(hsds_service.ServiceAtLocationNotFound),
)
async def get_hsds_service_at_location(
    service_at_location_id: Annotated[uuid.UUID, _id("service_at_location")],
    session: ReadSessionDep,
) -> HsdsServiceAtLocation:
    """One service at its location, fully nested."""
    return await hsds_service.get_service_at_location(session, service_at_location_id)


class AnyOriginReads:
    """`Access-Control-Allow-Origin: *` on every response under `prefix`, errors included.

    The app's CORS middleware admits only the configured /v1 origins; open data is for any web
    page. A plain GET needs no preflight; should a browser send one (custom headers), it is
    answered here for GET only.
    """

    def __init__(self, app: ASGIApp, prefix: str = PREFIX) -> None:
        self.app = app
        self.prefix = prefix

    def _applies(self, scope: Scope) -> bool:
        path = scope.get("path", "")
        return scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers:
            preflight = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": "GET",
                    "Access-Control-Allow-Headers": headers.get("access-control-request-headers", ""),
                    "Access-Control-Max-Age": "86400",
                },
            )
            await preflight(scope, receive, send)
            return

        async def send_open(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Access-Control-Allow-Origin"] = "*"
            await send(message)

        await self.app(scope, receive, send_open)
