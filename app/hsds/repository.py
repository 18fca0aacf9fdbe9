"""Queries of the HSDS feed. Only public rows: searchable services, accredited providers.

HSDS pages are numbered, so lists use OFFSET with a COUNT (not our keyset cursors). The feed is
small (hundreds of providers, a few thousand services) and page numbers are the standard's
contract, so that is acceptable here; the order always ends with the id, so pages are stable.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AccreditationState, Category, Provider, ProviderKind, Service, Zone


@dataclass(frozen=True, slots=True)
class ServiceFilter:
    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    at_location_only: bool = False  # services that have a service_at_location


@dataclass(frozen=True, slots=True)
class TermFilter:
    search: str | None = None
    parent_id: uuid.UUID | None = None
    top_only: bool = False


def _tsquery(text: str) -> Any:
    return func.websearch_to_tsquery("italian", text)


def has_location_sql() -> ColumnElement[bool]:
    """SQL twin of `views.has_location`: an organisation with a point or a full address."""
    return and_(
        Provider.kind != ProviderKind.individual,
        or_(
            Provider.lat.is_not(None),
            and_(Provider.address_street.is_not(None), Provider.address_postcode.is_not(None)),
        ),
    )


def _services(f: ServiceFilter) -> Select[Service]:
    # `searchable` is true only for published services of accredited providers (providers.search_columns).
    conditions: list[ColumnElement[bool]] = [Service.searchable.expression]
    if f.search:
        conditions.append(Service.search_vector.op("@@")(_tsquery(f.search)))
    if f.taxonomy_term_id is not None:  # the term or, for an area, any of its categories
        term = f.taxonomy_term_id
        conditions.append(
            Service.category_id.in_(select(Category.id).where(or_(Category.id == term, Category.parent_id == term)))
        )
    if f.organization_id is not None:
        conditions.append(Service.provider_id == f.organization_id)
    if f.modified_after is not None:
        conditions.append(Service.updated_at >= f.modified_after)
    if f.at_location_only:
        conditions.append(Service.provider_id.in_(select(Provider.id).where(has_location_sql())))
    return select(Service).where(*conditions)


async def _count(session: AsyncSession, stmt: Select[*tuple[Any, ...]]) -> int:
    return await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


async def count_services(session: AsyncSession, f: ServiceFilter) -> int:
    return await _count(session, _services(f))


async def services_page(session: AsyncSession, f: ServiceFilter, *, offset: int, limit: int) -> list[Service]:
    stmt = _services(f)
    if f.search:
        stmt = stmt.order_by(func.ts_rank(Service.search_vector, _tsquery(f.search)).desc(), Service.id)
    else:
        stmt = stmt.order_by(Service.title, Service.id)
    return list((await session.scalars(stmt.offset(offset).limit(limit))).all())


async def get_public_service(session: AsyncSession, service_id: uuid.UUID) -> Service | None:
    return await session.scalar(select(Service).where(Service.id == service_id, Service.searchable))


async def public_services_of(session: AsyncSession, provider_ids: Iterable[uuid.UUID]) -> list[Service]:
    ids = list(provider_ids)
    if not ids:
        return []
    stmt = select(Service).where(Service.provider_id.in_(ids), Service.searchable)
    return list((await session.scalars(stmt.order_by(Service.title, Service.id))).all())


def _organizations(search: str | None) -> Select[Provider]:
    stmt = select(Provider).where(Provider.accreditation_state == AccreditationState.accredited)
    return stmt.where(Provider.search_vector.op("@@")(_tsquery(search))) if search else stmt


async def count_organizations(session: AsyncSession, *, search: str | None) -> int:
    return await _count(session, _organizations(search))


async def organizations_page(session: AsyncSession, *, search: str | None, offset: int, limit: int) -> list[Provider]:
    stmt = _organizations(search).order_by(Provider.display_name, Provider.id)
    return list((await session.scalars(stmt.offset(offset).limit(limit))).all())


async def get_accredited_provider(session: AsyncSession, provider_id: uuid.UUID) -> Provider | None:
    return await session.scalar(
        select(Provider).where(
            Provider.id == provider_id, Provider.accreditation_state == AccreditationState.accredited
        )
    )


def _terms(f: TermFilter) -> Select[Category]:
    stmt = select(Category)
    if f.search:
        stmt = stmt.where(
            or_(
                Category.name_it.icontains(f.search, autoescape=True),
                Category.name_en.icontains(f.search, autoescape=True),
                Category.slug.icontains(f.search, autoescape=True),
            )
        )
    if f.parent_id is not None:
        stmt = stmt.where(Category.parent_id == f.parent_id)
    if f.top_only:
        stmt = stmt.where(Category.parent_id.is_(None))
    return stmt


async def count_terms(session: AsyncSession, f: TermFilter) -> int:
    return await _count(session, _terms(f))


async def terms_page(session: AsyncSession, f: TermFilter, *, offset: int, limit: int) -> list[Category]:
    # Areas first, then categories, each in the taxonomy's own order.
    stmt = _terms(f).order_by(Category.parent_id.is_not(None), Category.position, Category.id)
    return list((await session.scalars(stmt.offset(offset).limit(limit))).all())


async def get_category(session: AsyncSession, category_id: uuid.UUID) -> Category | None:
    return await session.get(Category, category_id)


async def zones_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Zone]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {z.id: z for z in (await session.scalars(select(Zone).where(Zone.id.in_(wanted)))).all()}
