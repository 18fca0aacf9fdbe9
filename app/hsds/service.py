"""The HSDS 3.0 feed: public, read-only views of accredited providers and their published services.

Only what public search shows appears here (services whose `searchable` is true, providers that
are accredited); citizens' requests never do. Each page loads its related rows in a fixed number
of queries (providers, categories, zones), whatever its size.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import service as category_service
from app.errors import NotFound, ValidationFailed
from app.hsds import repository as repo
from app.hsds import views
from app.hsds.schemas import (
    HsdsApiInfo,
    HsdsOrganization,
    HsdsPage,
    HsdsService,
    HsdsServiceAtLocation,
    HsdsTaxonomy,
    HsdsTaxonomyTerm,
)
from app.models import Provider, Service
from app.providers import access as provider_access

T = TypeVar("T")
HSDS_VERSION = "3.0"
HSDS_OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"


class HsdsServiceNotFound(NotFound):
    code = "service_not_found"


class OrganizationNotFound(NotFound):
    code = "organization_not_found"


class TaxonomyNotFound(NotFound):
    code = "taxonomy_not_found"


class TaxonomyTermNotFound(NotFound):
    code = "taxonomy_term_not_found"


class ServiceAtLocationNotFound(NotFound):
    code = "service_at_location_not_found"


def api_info() -> HsdsApiInfo:
    return HsdsApiInfo(version=HSDS_VERSION, openapi_url=HSDS_OPENAPI_URL)


def _page(contents: Sequence[T], *, total: int, page: int, per_page: int) -> HsdsPage[T]:
    total_pages = -(-total // per_page)
    return HsdsPage(
        total_items=total,
        total_pages=total_pages,
        page_number=page,
        size=len(contents),
        first_page=page == 1,
        last_page=page >= total_pages,
        empty=not contents,
        contents=list(contents),
    )


def _offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


async def _related(session: AsyncSession, services: Sequence[Service], *, full: bool) -> views.Related:
    providers = await provider_access.providers_by_id(session, (s.provider_id for s in services))
    if not full:
        return views.Related(providers)
    categories = await category_service.categories_by_id(session, (s.category_id for s in services))
    zones = await repo.zones_by_id(session, (nil for s in services for nil in s.coverage_nil_ids))
    return views.Related(providers, categories, zones)


def _known_taxonomy(taxonomy_id: uuid.UUID | None) -> bool:
    return taxonomy_id is None or taxonomy_id == views.TAXONOMY_ID


async def list_services(
    session: AsyncSession,
    *,
    search: str | None,
    taxonomy_term_id: uuid.UUID | None,
    taxonomy_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    modified_after: datetime | None,
    minimal: bool,
    full: bool,
    page: int,
    per_page: int,
) -> HsdsPage[HsdsService]:
    if minimal and full:
        raise ValidationFailed("minimal and full exclude each other.", pointer="/minimal", location="query")
    if not _known_taxonomy(taxonomy_id):  # every service has a term of our one taxonomy
        return _page([], total=0, page=page, per_page=per_page)
    f = repo.ServiceFilter(
        search=search, taxonomy_term_id=taxonomy_term_id, organization_id=organization_id, modified_after=modified_after
    )
    total = await repo.count_services(session, f)
    services = await repo.services_page(session, f, offset=_offset(page, per_page), limit=per_page)
    if minimal:
        return _page([views.minimal_service(s) for s in services], total=total, page=page, per_page=per_page)
    related = await _related(session, services, full=full)
    contents = [views.service(s, related, full=full) for s in services]
    return _page(contents, total=total, page=page, per_page=per_page)


async def get_service(session: AsyncSession, service_id: uuid.UUID) -> HsdsService:
    service = await repo.get_public_service(session, service_id)
    if service is None:
        raise HsdsServiceNotFound("No published service with this id.")
    return views.service(service, await _related(session, [service], full=True), full=True)


async def _organizations(
    session: AsyncSession, providers: Sequence[Provider], *, full: bool, full_service: bool
) -> list[HsdsOrganization]:
    if not (full or full_service):
        return [views.organization(p) for p in providers]
    services = await repo.public_services_of(session, (p.id for p in providers))
    related = await _related(session, services, full=full_service)
    by_provider: dict[uuid.UUID, list[HsdsService]] = {p.id: [] for p in providers}
    for s in services:
        by_provider[s.provider_id].append(views.service(s, related, full=full_service, with_organization=False))
    return [views.organization(p, full=True).model_copy(update={"services": by_provider[p.id]}) for p in providers]


async def list_organizations(
    session: AsyncSession, *, search: str | None, full: bool, full_service: bool, page: int, per_page: int
) -> HsdsPage[HsdsOrganization]:
    total = await repo.count_organizations(session, search=search)
    providers = await repo.organizations_page(session, search=search, offset=_offset(page, per_page), limit=per_page)
    contents = await _organizations(session, providers, full=full, full_service=full_service)
    return _page(contents, total=total, page=page, per_page=per_page)


async def get_organization(
    session: AsyncSession, organization_id: uuid.UUID, *, full_service: bool
) -> HsdsOrganization:
    provider = await repo.get_accredited_provider(session, organization_id)
    if provider is None:
        raise OrganizationNotFound("No accredited organization with this id.")
    return (await _organizations(session, [provider], full=True, full_service=full_service))[0]


def _matches(taxonomy: HsdsTaxonomy, search: str | None) -> bool:
    return not search or search.casefold() in f"{taxonomy.name} {taxonomy.description}".casefold()


def list_taxonomies(*, search: str | None, page: int, per_page: int) -> HsdsPage[HsdsTaxonomy]:
    matching = [views.TAXONOMY] if _matches(views.TAXONOMY, search) else []
    return _page(matching[_offset(page, per_page) :][:per_page], total=len(matching), page=page, per_page=per_page)


def get_taxonomy(taxonomy_id: uuid.UUID) -> HsdsTaxonomy:
    if taxonomy_id != views.TAXONOMY_ID:
        raise TaxonomyNotFound("No taxonomy with this id.")
    return views.TAXONOMY


async def list_taxonomy_terms(
    session: AsyncSession,
    *,
    search: str | None,
    taxonomy_id: uuid.UUID | None,
    parent_id: uuid.UUID | None,
    top_only: bool,
    page: int,
    per_page: int,
) -> HsdsPage[HsdsTaxonomyTerm]:
    if not _known_taxonomy(taxonomy_id):
        return _page([], total=0, page=page, per_page=per_page)
    f = repo.TermFilter(search=search, parent_id=parent_id, top_only=top_only)
    total = await repo.count_terms(session, f)
    terms = await repo.terms_page(session, f, offset=_offset(page, per_page), limit=per_page)
    return _page([views.taxonomy_term(c) for c in terms], total=total, page=page, per_page=per_page)


async def get_taxonomy_term(session: AsyncSession, term_id: uuid.UUID) -> HsdsTaxonomyTerm:
    category = await repo.get_category(session, term_id)
    if category is None:
        raise TaxonomyTermNotFound("No taxonomy term with this id.")
    return views.taxonomy_term(category)


def _service_at_location(s: Service, related: views.Related, *, full: bool) -> HsdsServiceAtLocation:
    # The nested service leaves out its own service_at_locations: that is this object.
    nested = views.service(s, related, full=full).model_copy(update={"service_at_locations": None})
    return views.service_at_location(s, related.providers[s.provider_id], nested)


async def list_service_at_locations(
    session: AsyncSession,
    *,
    search: str | None,
    taxonomy_term_id: uuid.UUID | None,
    taxonomy_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    modified_after: datetime | None,
    full: bool,
    page: int,
    per_page: int,
) -> HsdsPage[HsdsServiceAtLocation]:
    if not _known_taxonomy(taxonomy_id):
        return _page([], total=0, page=page, per_page=per_page)
    f = repo.ServiceFilter(
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        organization_id=organization_id,
        modified_after=modified_after,
        at_location_only=True,
    )
    total = await repo.count_services(session, f)
    services = await repo.services_page(session, f, offset=_offset(page, per_page), limit=per_page)
    related = await _related(session, services, full=full)
    contents = [_service_at_location(s, related, full=full) for s in services]
    return _page(contents, total=total, page=page, per_page=per_page)


async def get_service_at_location(session: AsyncSession, service_at_location_id: uuid.UUID) -> HsdsServiceAtLocation:
    service = await repo.get_public_service(session, views.service_at_location_id(service_at_location_id))
    if service is None:
        raise ServiceAtLocationNotFound("No service_at_location with this id.")
    related = await _related(session, [service], full=True)
    if not views.has_location(related.providers[service.provider_id]):  # an individual worker's service
        raise ServiceAtLocationNotFound("No service_at_location with this id.")
    return _service_at_location(service, related, full=True)
