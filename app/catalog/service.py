"""Service listings: create, edit, publish, pause, archive, confirm."""

import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.catalog import repository as repo
from app.catalog.schemas import ServiceCreate, ServiceFields, ServiceUpdate
from app.categories import service as category_service
from app.categories.taxonomy import CategoryFacts
from app.concurrency import ensure_version
from app.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from app.income import rules as income_rules
from app.models import AccreditationState, Delivery, PriceModel, Provider, Service, ServiceStatus, User
from app.prices import first_rising_row
from app.providers import access as provider_access
from app.providers import search_columns
from app.schedules import WeeklySlot, first_overlap, to_multirange
from app.zones import service as zone_service


class ServiceNotFound(NotFound):
    code = "service_not_found"


class ProviderNotAccredited(Conflict):
    code, title = "provider_not_accredited", "Provider Not Accredited"


class InvalidServiceTransition(InvalidTransition):
    pass


SIMPLE_FIELDS = (
    "title",
    "description",
    "delivery",
    "min_persons",
    "max_persons",
    "price_model",
    "price_cents",
    "session_minutes",
    "income_based",
    "radius_km",
    "languages",
    "accessibility",
    "capacity",
)
REQUIRED = {"title", "description", "delivery", "price_model", "income_based", "languages"}


async def apply_fields(session: AsyncSession, service: Service, data: ServiceFields) -> None:
    fields = data.model_fields_set
    for name in fields & set(SIMPLE_FIELDS):
        value = getattr(data, name)
        if value is None and name in REQUIRED:
            continue
        setattr(service, name, value)
    if "weekly_hours" in fields:  # stored to the cent of an hour, as the column holds it
        service.weekly_hours = None if data.weekly_hours is None else round(Decimal(str(data.weekly_hours)), 2)
    if "category_id" in fields and data.category_id is not None:
        service.category_id = data.category_id
    if "shared_prices" in fields:
        service.shared_prices = [p.model_dump() for p in data.shared_prices or []]
    if "isee_bands" in fields:
        service.isee_bands = [band.model_dump() for band in data.isee_bands or []]
    if "availability" in fields:
        slots = data.availability or []
        service.availability = [s.model_dump() for s in slots]
        service.availability_minutes = to_multirange(slots)
    if "zones_served" in fields:
        service.zones_served = await zone_service.expand_to_nils(
            session, data.zones_served or [], pointer="/zones_served"
        )


async def require_leaf_category(session: AsyncSession, category_id: uuid.UUID, *, pointer: str) -> CategoryFacts:
    """Services and requests name a category, never an area (a node with children). Checked against
    the taxonomy the process keeps: no statement once it is read."""
    found = await category_service.category_and_leafness(session, category_id)
    if found is None:
        raise ValidationFailed("No category with this id.", pointer=pointer)
    category, is_leaf = found
    if not is_leaf:
        raise ValidationFailed(f"{category.slug!r} is an area; choose one of its categories.", pointer=pointer)
    return category


async def validate_listing(session: AsyncSession, service: Service, provider: Provider) -> None:
    """The rules on the merged result, so create, edit and partner sync share them."""
    await require_leaf_category(session, service.category_id, pointer="/category_id")
    if service.price_model == PriceModel.free and service.price_cents is not None:
        raise ValidationFailed("A free service has no price.", pointer="/price_cents")
    if service.price_model != PriceModel.free and service.price_cents is None:
        raise ValidationFailed(f"A {service.price_model.value} price needs price_cents.", pointer="/price_cents")
    _validate_comparability(service)
    if service.delivery == Delivery.shared:
        if service.min_persons is None or service.max_persons is None:
            raise ValidationFailed("Shared delivery needs min_persons and max_persons.", pointer="/min_persons")
        if service.min_persons < 2 or service.max_persons < service.min_persons:
            raise ValidationFailed("Shared delivery needs 2 <= min_persons <= max_persons.", pointer="/min_persons")
        sizes = [p["group_size"] for p in service.shared_prices]
        for index, size in enumerate(sizes):
            if not service.min_persons <= size <= service.max_persons or sizes.index(size) != index:
                raise ValidationFailed(
                    "Each group size must be unique and within min/max persons.",
                    pointer=f"/shared_prices/{index}/group_size",
                )
        rising = first_rising_row(service.price_cents, service.shared_prices)
        if rising is not None:
            raise ValidationFailed(
                "A larger group never pays more per person: this row is dearer than a smaller group's "
                "(or than price_cents, which a smaller group pays).",
                pointer=f"/shared_prices/{rising}/price_per_person_cents",
            )
    elif service.min_persons is not None or service.max_persons is not None or service.shared_prices:
        raise ValidationFailed("Persons and shared prices apply to shared delivery only.", pointer="/delivery")
    bands = income_rules.band_problems(service.isee_bands or [], list_price_cents=service.price_cents)
    if bands:
        pointer, problem = bands[0]
        raise ValidationFailed(problem, pointer=pointer)
    overlap = first_overlap([WeeklySlot(**slot) for slot in service.availability])
    if overlap is not None:
        raise ValidationFailed("This slot overlaps an earlier one.", pointer=f"/availability/{overlap}")
    if service.radius_km is not None and provider.lat is None:
        raise ValidationFailed(
            "A radius needs the provider's point; set it on the provider first.", pointer="/radius_km"
        )


def _validate_comparability(service: Service) -> None:
    """Weekly hours belong to a monthly price, session minutes to a price per session (app/prices.py)."""
    if service.weekly_hours is not None and service.price_model != PriceModel.monthly:
        raise ValidationFailed("weekly_hours applies to monthly prices only.", pointer="/weekly_hours")
    if service.weekly_hours is not None and service.weekly_hours <= 0:
        raise ValidationFailed("weekly_hours is at least 0.01 (it is kept to 2 decimals).", pointer="/weekly_hours")
    if service.session_minutes is not None and service.price_model != PriceModel.per_session:
        raise ValidationFailed("session_minutes applies to prices per session only.", pointer="/session_minutes")


async def create_service(session: AsyncSession, user: User, data: ServiceCreate) -> Service:
    provider = await provider_access.get_managed(session, user, data.provider_id)
    service = Service(
        provider_id=provider.id,
        category_id=data.category_id,
        title=data.title,
        delivery=data.delivery,
        price_model=data.price_model,
        availability=[],
        availability_minutes=[],
        shared_prices=[],
        isee_bands=[],
        zones_served=[],
        languages=provider.languages,
        description="",
        income_based=False,
    )
    await apply_fields(session, service, data)
    await validate_listing(session, service, provider)
    await search_columns.reindex(session, service, provider)
    session.add(service)
    await session.flush()
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="service.created",
        target_type="service",
        target_id=service.id,
    )
    return service


async def get_by_external_id(
    session: AsyncSession, provider_id: uuid.UUID, external_id: str, *, for_update: bool = False
) -> Service | None:
    return await repo.get_by_external_id(session, provider_id, external_id, for_update=for_update)


async def get_managed(
    session: AsyncSession, user: User, service_id: uuid.UUID, *, for_update: bool = True
) -> tuple[Service, Provider]:
    """A service the caller may edit: its provider's staff, or a municipal admin; else 404."""
    service = await repo.get_by_id(session, service_id, for_update=for_update)
    if service is None:
        raise ServiceNotFound("No service with this id.")
    provider = await provider_access.managed_or_none(session, user, service.provider_id)
    if provider is None:
        raise ServiceNotFound("No service with this id.")
    return service, provider


async def get_service(session: AsyncSession, user: User | None, service_id: uuid.UUID) -> Service:
    service = await repo.get_by_id(session, service_id)
    if service is None:
        raise ServiceNotFound("No service with this id.")
    if not service.searchable:
        if user is None:
            raise ServiceNotFound("No service with this id.")
        await get_managed(session, user, service_id, for_update=False)
    return service


async def update_service(
    session: AsyncSession, user: User, service_id: uuid.UUID, data: ServiceUpdate, *, if_match: list[int] | None
) -> Service:
    service, provider = await get_managed(session, user, service_id)
    ensure_version(service, if_match)
    if service.status == ServiceStatus.archived:
        raise InvalidServiceTransition("An archived service cannot be edited.", current_state="archived")
    with session.no_autoflush:  # one UPDATE: an edit moves the version (the ETag) by exactly one
        await apply_fields(session, service, data)
        await validate_listing(session, service, provider)
        await search_columns.reindex(session, service, provider)
    service.updated_at = datetime.now(UTC)
    service.content_hash = None  # staff changed it: the partner's next PUT applies in full
    await session.flush()
    return service


# action → (allowed from-states, to-state)
ACTIONS = {
    "publish": ({ServiceStatus.draft, ServiceStatus.paused}, ServiceStatus.published),
    "pause": ({ServiceStatus.published}, ServiceStatus.paused),
    "archive": ({ServiceStatus.draft, ServiceStatus.published, ServiceStatus.paused}, ServiceStatus.archived),
}


async def change_status(
    session: AsyncSession, user: User, service_id: uuid.UUID, action: str, *, if_match: list[int] | None
) -> Service:
    service, provider = await get_managed(session, user, service_id)
    ensure_version(service, if_match)
    allowed, target = ACTIONS[action]
    if service.status not in allowed:
        raise InvalidServiceTransition(
            f"Cannot {action} a service that is {service.status.value}.", current_state=service.status.value
        )
    if target == ServiceStatus.published and provider.accreditation_state != AccreditationState.accredited:
        raise ProviderNotAccredited(
            "Only an accredited provider's services can be published.", current_state=provider.accreditation_state.value
        )
    await set_status(session, service, provider, target, actor=user)
    return service


async def set_status(
    session: AsyncSession, service: Service, provider: Provider, target: ServiceStatus, *, actor: User | None
) -> None:
    now = datetime.now(UTC)
    service.status = target
    if target == ServiceStatus.published:
        service.published_at = now
        service.last_verified_at = service.last_verified_at or now
    service.updated_at = now
    await search_columns.reindex(session, service, provider)
    ledger.emit(
        session,
        type=f"service.{target.value}",
        aggregate_type="service",
        aggregate_id=service.id,
        payload={"service_id": str(service.id), "provider_id": str(provider.id)},
    )
    if actor is not None:
        service.content_hash = None  # as for edits: a person changed it, so the next partner PUT applies
        ledger.audit(
            session,
            actor_id=actor.id,
            actor_kind="user",
            action=f"service.{target.value}",
            target_type="service",
            target_id=service.id,
        )
    await session.flush()


async def confirm_service(
    session: AsyncSession, user: User, service_id: uuid.UUID, *, if_match: list[int] | None
) -> Service:
    """The provider confirms the listing is still accurate (shown as last_verified_at)."""
    service, _ = await get_managed(session, user, service_id)
    ensure_version(service, if_match)
    if service.status == ServiceStatus.archived:
        raise InvalidServiceTransition("An archived service cannot be confirmed.", current_state="archived")
    service.last_verified_at = datetime.now(UTC)
    await session.flush()
    return service


async def isee_bands_of(
    session: AsyncSession, service_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[dict[str, Any]], PriceModel]]:
    """The ISEE bands (and their price unit) of those of these listings that have some: what demand
    applies to offers and matches (app/demand/income_prices.py)."""
    return await repo.isee_bands_of(session, service_ids)
