"""Keeps each service's search columns in step with it and its provider.

Search reads only the service row; these derived columns must therefore change in the same
transaction as whatever they derive from (the service, its provider's point, zones or
accreditation). That is the whole job of this module.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import repository as repo
from app.models import AccreditationState, Provider, ProviderKind, Service, ServiceStatus
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


async def reindex(session: AsyncSession, service: Service, provider: Provider) -> None:
    service.coverage_nil_ids = await coverage_of(session, service, provider)
    service.lat, service.lon = await public_point_of(session, provider)
    service.searchable = (
        service.status == ServiceStatus.published and provider.accreditation_state == AccreditationState.accredited
    )


async def reindex_provider_services(session: AsyncSession, provider: Provider) -> None:
    """After a provider's point, zones or accreditation changed: suspension hides at once."""
    for service in await repo.services_of_provider(session, provider.id):
        await reindex(session, service, provider)
    await session.flush()
