"""Catalogue search: filters that combine with AND, five sorts, keyset pagination under each.

Every filter reads a column of the service row that an index serves (see models/catalog.py):
category (its descendants), coverage (GIN), availability (GiST on the minute multirange), the
provider's point (bounding box, then exact haversine), price, delivery, languages, badges
(EXISTS on verifications) and Italian full-text (GIN on a generated tsvector).

Price compares like with like (app/prices.py): `max_price_cents` and the price sorts read the
listing's hourly equivalent (the generated `price_order_cents`, indexed with the category), or with
`group_size` what each person of that group pays per hour, from the listing's per-person table. A
free listing counts as 0 (within any maximum, first when cheapest first). A listing without an
hourly equivalent (a fixed price, a monthly price without its weekly hours, a session without its
length) is never compared as a raw number: `max_price_cents` leaves it out, and both price sorts put
it after every listing that has one.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import ColumnElement, Float, and_, bindparam, case, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY, INT4MULTIRANGE, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import service as category_service
from app.errors import Forbidden, ValidationFailed
from app.geo import haversine_km_sql
from app.models import Delivery, PriceModel, Provider, ProviderKind, Service, ServiceStatus, User, VerificationKind
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.prices import INT4_MAX, hourly_equivalent_sql, per_person_sql
from app.providers import access as provider_access
from app.providers.badges import badge_condition
from app.schedules import WeeklySlot, to_multirange
from app.zones import service as zone_service

ServiceSort = Literal["relevance", "price", "-price", "distance", "rating", "newest"]
DEFAULT_RADIUS_KM = 5.0
KM_PER_DEGREE = 111.2


@dataclass(frozen=True)
class SearchFilters:
    category_id: uuid.UUID | None = None
    zone_id: uuid.UUID | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    available: list[WeeklySlot] | None = None
    max_price_cents: int | None = None
    free_only: bool = False
    shared_only: bool = False
    group_size: int | None = None
    language: str | None = None
    provider_kind: ProviderKind | None = None
    badges: list[VerificationKind] = field(default_factory=list)
    q: str | None = None
    modified_after: datetime | None = None


def within_radius(lat_col, lon_col, near: tuple[float, float], radius_km: float) -> ColumnElement[bool]:  # noqa: ANN001
    lat, lon = near
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return and_(  # the box lets an index narrow the rows; haversine then decides exactly
        lat_col.between(lat - dlat, lat + dlat),
        lon_col.between(lon - dlon, lon + dlon),
        haversine_km_sql(lat_col, lon_col, lat, lon) <= radius_km,
    )


def _tsquery(q: str):  # noqa: ANN202 - SQL expression
    return func.websearch_to_tsquery("italian", q)


async def service_conditions(session: AsyncSession, f: SearchFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses on the service table for the service-level filters."""
    now = datetime.now(UTC)
    conditions: list[ColumnElement[bool]] = []
    if f.category_id is not None:
        categories = await category_service.category_and_descendants(session, f.category_id)
        if categories is None:
            raise ValidationFailed("No category with this id.", pointer="/category_id", location="query")
        conditions.append(Service.category_id.in_(categories))
    if f.zone_id is not None:
        nils = await zone_service.expand_to_nils(session, [f.zone_id], pointer="/zone_id", location="query")
        conditions.append(Service.coverage_nil_ids.overlap(cast(nils, ARRAY(UUID(as_uuid=True)))))
    if f.near is not None:
        conditions.append(within_radius(Service.lat, Service.lon, f.near, f.radius_km or DEFAULT_RADIUS_KM))
    if f.available:
        wanted = bindparam("available", to_multirange(f.available), type_=INT4MULTIRANGE)
        conditions.append(Service.availability_minutes.op("&&")(wanted))
    if f.max_price_cents is not None:  # those without an equivalent order above any maximum
        conditions.append(price_order(f, descending=False) <= f.max_price_cents)
    if f.free_only:
        conditions.append(Service.price_model == PriceModel.free)
    if f.shared_only or f.group_size is not None:
        conditions.append(Service.delivery == Delivery.shared)
    if f.group_size is not None:
        conditions.append(and_(Service.min_persons <= f.group_size, Service.max_persons >= f.group_size))
    if f.language:
        conditions.append(Service.languages.contains([f.language]))
    if f.provider_kind is not None:
        conditions.append(Service.provider_id.in_(select(Provider.id).where(Provider.kind == f.provider_kind)))
    for kind in f.badges:
        conditions.append(badge_condition(Service.provider_id, kind, now))
    if f.q:
        conditions.append(Service.search_vector.op("@@")(_tsquery(f.q)))
    if f.modified_after is not None:
        conditions.append(Service.updated_at > f.modified_after)
    return conditions


def check_sort(sort: str, f: SearchFilters) -> None:
    """Distance needs a point and relevance a text query (services and providers alike)."""
    if sort == "distance" and f.near is None:
        raise ValidationFailed("Sorting by distance needs `near`.", pointer="/sort", location="query")
    if sort == "relevance" and not f.q:
        raise ValidationFailed("Sorting by relevance needs `q`.", pointer="/sort", location="query")


async def search_services(
    session: AsyncSession,
    user: User | None,
    f: SearchFilters,
    page: PageParams,
    *,
    sort: ServiceSort | None,
    provider_id: uuid.UUID | None = None,
    status: ServiceStatus | None = None,
) -> Paginated[tuple[Service, float | None]]:
    """Public search over searchable services, each with its distance from the `near` point (else
    None); a provider's staff listing their own see every status."""
    sort = sort or ("relevance" if f.q else "newest")
    check_sort(sort, f)
    conditions = await service_conditions(session, f)
    if provider_id is not None and user is not None and await _manages(session, user, provider_id):
        conditions.append(Service.provider_id == provider_id)
        if status is not None:
            conditions.append(Service.status == status)
    else:
        if status not in (None, ServiceStatus.published):
            raise Forbidden("Only a provider's staff may list its unpublished services.")
        # Plain `searchable`, the partial indexes' own predicate: `IS TRUE` would not match them.
        conditions.append(Service.searchable.expression)
        if provider_id is not None:
            conditions.append(Service.provider_id == provider_id)

    distance = (
        haversine_km_sql(Service.lat, Service.lon, *f.near).label("distance")
        if f.near is not None
        else cast(None, Float).label("distance")
    )
    stmt = select(Service, distance).where(*conditions)
    order = _service_order(sort, f)
    return await paginate(session, stmt, page, order=order, scope=f"services:{sort}", item=lambda row: (row[0], row[1]))


def _service_order(sort: str, f: SearchFilters) -> list[SortKey]:
    if sort == "relevance":
        rank = func.ts_rank(Service.search_vector, _tsquery(f.q or ""))
        return [SortKey(rank, descending=True), SortKey(Service.id)]
    if sort in ("price", "-price"):
        return [SortKey(price_order(f, descending=sort == "-price"), descending=sort == "-price"), SortKey(Service.id)]
    if sort == "distance" and f.near is not None:
        return [SortKey(haversine_km_sql(Service.lat, Service.lon, *f.near)), SortKey(Service.id)]
    if sort == "rating":
        rating = (
            select(func.coalesce(Provider.rating_average, 0.0))
            .where(Provider.id == Service.provider_id)
            .scalar_subquery()
        )
        return [SortKey(rating, descending=True), SortKey(Service.id)]
    return [
        SortKey(func.coalesce(Service.published_at, Service.created_at), descending=True),
        SortKey(Service.id, descending=True),
    ]


def price_order(f: SearchFilters, *, descending: bool):  # noqa: ANN201 - SQL
    """The price a listing is filtered and sorted by: its hourly equivalent (per person for the asked
    group size), free as 0, and one without an equivalent last in either direction."""
    if f.group_size is None and not descending:
        return Service.price_order_cents  # the generated column ix_service_search_price serves
    if f.group_size is None:
        hourly = Service.hourly_equivalent_cents
    else:
        each = per_person_sql(Service.price_cents, Service.shared_prices, f.group_size)
        hourly = hourly_equivalent_sql(
            Service.price_model, each, weekly_hours=Service.weekly_hours, session_minutes=Service.session_minutes
        )
    last = -1 if descending else INT4_MAX
    return func.coalesce(hourly, case((Service.price_model == PriceModel.free, 0), else_=last))


async def _manages(session: AsyncSession, user: User, provider_id: uuid.UUID) -> bool:
    return await provider_access.managed_or_none(session, user, provider_id) is not None
