"""Keeps each service's search columns in step with it and its provider.

Search reads only the service row; these derived columns (coverage, public point, searchable)
must therefore change in the same transaction as whatever they derive from: the service, or its
provider's point, zones or accreditation. They live here, with the provider they mostly derive
from, so that providers can refresh them without knowing the catalogue (which sits after them on
the map of contexts); the catalogue calls `reindex` when it writes a service, and its provider
search reads `public_point`.
"""

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AccreditationState, Provider, ProviderKind, Service, ServiceStatus, Zone
from app.providers import repository as repo
from app.zones import service as zone_service


async def coverage_of(session: AsyncSession, service: Service, provider: Provider) -> list:
    """NILs served: the service's zones (else the provider's), plus those within its radius."""
    nils = set(service.zones_served or provider.zones_served)
    if service.radius_km and provider.lat is not None and provider.lon is not None:
        nils |= set(
            await zone_service.nils_within(session, lat=provider.lat, lon=provider.lon, radius_km=service.radius_km)
        )
    return sorted(nils)


async def public_point_of(session: AsyncSession, provider: Provider) -> tuple[float | None, float | None]:
    """Where search may say the service is: the organisation's point, but for an individual worker
    only their NIL's centroid (search reveals distances, which must not locate a person's home)."""
    if provider.kind != ProviderKind.individual:
        return provider.lat, provider.lon
    if provider.nil_id is None:
        return None, None
    zone = await zone_service.get_zone(session, provider.nil_id)
    return zone.centroid_lat, zone.centroid_lon


def public_point() -> tuple[ColumnElement[float], ColumnElement[float]]:
    """`public_point_of` as SQL over the provider row, for provider search (GET /v1/providers):
    an organisation's own point, but only the centroid of an individual worker's NIL, so distances
    can never be used to triangulate a person's home."""
    centroid = select(Zone.centroid_lat, Zone.centroid_lon).where(Zone.id == Provider.nil_id)
    individual = Provider.kind == ProviderKind.individual
    lat = case((individual, centroid.with_only_columns(Zone.centroid_lat).scalar_subquery()), else_=Provider.lat)
    lon = case((individual, centroid.with_only_columns(Zone.centroid_lon).scalar_subquery()), else_=Provider.lon)
    return lat, lon


async def reindex(session: AsyncSession, service: Service, provider: Provider) -> None:
    service.coverage_nil_ids = await coverage_of(session, service, provider)
    service.lat, service.lon = await public_point_of(session, provider)
    service.searchable = (
        service.status == ServiceStatus.published and provider.accreditation_state == AccreditationState.accredited
    )


async def reindex_services_of(session: AsyncSession, provider: Provider) -> None:
    """After a provider's point, zones or accreditation changed: suspension hides at once."""
    for service in await repo.services_of(session, provider.id):
        await reindex(session, service, provider)
    await session.flush()
