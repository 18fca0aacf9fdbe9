"""Provider search: the catalogue's filters, applied to providers (GET /v1/providers).

A catalogue query: it searches providers by the services they offer, so it lives after providers
on the map of contexts, next to the service search whose filters it shares.

Provider-level filters (kind, language, badges, text, point) read the provider row; the
service-level ones (category, zone, availability, price, delivery) ask that the provider has at
least one searchable service matching all of them.
"""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import ColumnElement, Float, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.search import DEFAULT_RADIUS_KM, SearchFilters, check_sort, service_conditions, within_radius
from app.errors import ValidationFailed
from app.geo import haversine_km_sql
from app.models import AccreditationState, Provider, ProviderStaff, Role, Service, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers.badges import badge_condition
from app.providers.search_columns import public_point

ProviderSort = Literal["name", "relevance", "distance", "rating", "newest"]


async def search_providers(
    session: AsyncSession,
    user: User | None,
    f: SearchFilters,
    page: PageParams,
    *,
    sort: ProviderSort | None,
    mine: bool = False,
    accreditation_state: AccreditationState | None = None,
) -> Paginated[Provider]:
    sort = sort or ("relevance" if f.q else "name")
    check_sort(sort, f)
    now = datetime.now(UTC)
    conditions: list[ColumnElement[bool]] = [_visibility(user, mine=mine, state=accreditation_state)]
    if f.provider_kind is not None:
        conditions.append(Provider.kind == f.provider_kind)
    if f.language:
        conditions.append(Provider.languages.contains([f.language]))
    conditions += [badge_condition(Provider.id, kind, now) for kind in f.badges]
    if f.q:
        conditions.append(Provider.search_vector.op("@@")(func.websearch_to_tsquery("italian", f.q)))
    if f.near is not None:
        conditions.append(within_radius(*public_point(), f.near, f.radius_km or DEFAULT_RADIUS_KM))
    service_level = replace(f, provider_kind=None, language=None, badges=[], q=None, near=None, radius_km=None)
    if service_level != SearchFilters():
        matching = await service_conditions(session, service_level)
        conditions.append(exists().where(Service.provider_id == Provider.id, Service.searchable, *matching))

    distance = haversine_km_sql(*public_point(), *f.near) if f.near is not None else cast(None, Float)
    stmt = select(Provider).where(*conditions)
    return await paginate(session, stmt, page, order=_order(sort, f, distance), scope=f"providers:{sort}")


def _visibility(user: User | None, *, mine: bool, state: AccreditationState | None) -> ColumnElement[bool]:
    """Accredited providers for everyone; staff also see their own; admins see every state."""
    own = (
        Provider.id.in_(select(ProviderStaff.provider_id).where(ProviderStaff.user_id == user.id))
        if user is not None
        else None
    )
    visible: ColumnElement[bool]
    if mine:
        if own is None:
            raise ValidationFailed("`mine` needs a signed-in caller.", pointer="/mine", location="query")
        visible = own
    elif user is not None and user.role == Role.admin:
        visible = Provider.id.is_not(None)
    else:
        public = Provider.accreditation_state == AccreditationState.accredited
        visible = or_(public, own) if own is not None and state is not None else public
    return visible if state is None else visible & (Provider.accreditation_state == state)


def _order(sort: str, f: SearchFilters, distance) -> list[SortKey]:  # noqa: ANN001
    if sort == "relevance":
        rank = func.ts_rank(Provider.search_vector, func.websearch_to_tsquery("italian", f.q or ""))
        return [SortKey(rank, descending=True), SortKey(Provider.id)]
    if sort == "distance":
        return [SortKey(distance), SortKey(Provider.id)]
    if sort == "rating":
        return [SortKey(func.coalesce(Provider.rating_average, 0.0), descending=True), SortKey(Provider.id)]
    if sort == "newest":
        return [SortKey(Provider.created_at, descending=True), SortKey(Provider.id, descending=True)]
    return [SortKey(Provider.display_name), SortKey(Provider.id)]
