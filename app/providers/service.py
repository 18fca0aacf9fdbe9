"""Providers: registration of organisations and individual workers, profile, staff."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import service as account_service
from app.concurrency import ensure_version
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.models import Provider, ProviderKind, ProviderStaff, Role, StaffRole, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import repository as repo
from app.providers import search_columns
from app.providers.access import get_managed, get_visible
from app.providers.identifiers import is_valid_partita_iva, is_valid_tax_code
from app.providers.schemas import (
    ProviderCreate,
    ProviderFields,
    ProviderUpdate,
    StaffAdd,
)
from app.zones import service as zone_service


class IndividualProviderExists(Conflict):
    code = "individual_provider_exists"


class LastAdmin(Conflict):
    code = "last_provider_admin"


class AlreadyStaff(Conflict):
    code = "already_staff"


class StaffNotFound(NotFound):
    code = "staff_not_found"


ORGANISATION_ROLES = (Role.provider_staff, Role.admin)


def _check_identifiers(kind: ProviderKind, data: ProviderFields, *, creating: bool) -> None:
    if data.vat_number is not None and not is_valid_partita_iva(data.vat_number):
        raise ValidationFailed("The VAT number (partita IVA) has a wrong check digit.", pointer="/vat_number")
    if data.tax_code is not None:
        if kind == ProviderKind.individual and len(data.tax_code) != 16:
            raise ValidationFailed("A person's codice fiscale has 16 characters.", pointer="/tax_code")
        if not is_valid_tax_code(data.tax_code):
            raise ValidationFailed(
                "The codice fiscale is malformed or has a wrong check character.", pointer="/tax_code"
            )
    if creating and kind == ProviderKind.individual and data.tax_code is None:
        raise ValidationFailed("An individual worker needs a codice fiscale.", pointer="/tax_code")
    if creating and kind != ProviderKind.individual and data.vat_number is None and data.tax_code is None:
        raise ValidationFailed("An organisation needs a VAT number or a codice fiscale.", pointer="/vat_number")


def _check_identifiers_kept(provider: Provider, data: ProviderFields) -> None:
    """An edit may change the identifiers but not clear those creation requires."""
    sent = data.model_fields_set
    tax_code = data.tax_code if "tax_code" in sent else provider.tax_code
    vat_number = data.vat_number if "vat_number" in sent else provider.vat_number
    if provider.kind == ProviderKind.individual and tax_code is None:
        raise ValidationFailed("An individual worker needs a codice fiscale.", pointer="/tax_code")
    if provider.kind != ProviderKind.individual and vat_number is None and tax_code is None:
        raise ValidationFailed("An organisation needs a VAT number or a codice fiscale.", pointer="/vat_number")


async def _apply(session: AsyncSession, provider: Provider, data: ProviderFields) -> bool:
    """Copy the sent fields; return True when something affecting its services' coverage changed."""
    fields = data.model_fields_set
    simple = ("legal_name", "display_name", "tax_code", "vat_number", "description", "email", "phone", "languages")
    for name in fields & set(simple):
        value = getattr(data, name)
        if value is None and name in ("legal_name", "display_name", "description", "languages"):
            continue  # required values cannot be cleared
        setattr(provider, name, value)
    for name in fields & {"website", "logo_url"}:
        value = getattr(data, name)
        setattr(provider, name, str(value) if value is not None else None)
    if "address" in fields:
        address = data.address
        provider.address_street = address.street if address else None
        provider.address_postcode = address.postcode if address else None
        provider.address_city = address.city if address else "Milano"
    coverage_changed = False
    if "point" in fields:
        point = data.point
        provider.lat, provider.lon = (point.lat, point.lon) if point else (None, None)
        provider.nil_id = await zone_service.nil_of_point(session, lat=point.lat, lon=point.lon) if point else None
        coverage_changed = True
    if "zones_served" in fields:
        provider.zones_served = await zone_service.expand_to_nils(
            session, data.zones_served or [], pointer="/zones_served"
        )
        coverage_changed = True
    return coverage_changed


async def create_provider(session: AsyncSession, user: User, data: ProviderCreate) -> Provider:
    if data.kind == ProviderKind.individual:
        if user.role != Role.worker:
            raise Forbidden("Only worker accounts register as individual providers.")
        await repo.lock_user(session, user.id)  # serialise a worker's concurrent registrations
        if await repo.individual_provider_of(session, user.id) is not None:
            raise IndividualProviderExists("This worker already has an individual provider profile.")
    elif user.role not in ORGANISATION_ROLES:
        raise Forbidden("Organisations are registered by provider staff accounts.")
    _check_identifiers(data.kind, data, creating=True)
    provider = Provider(kind=data.kind, legal_name=data.legal_name, display_name=data.display_name)
    await _apply(session, provider, data)
    session.add(provider)
    await session.flush()
    session.add(ProviderStaff(provider_id=provider.id, user_id=user.id, role=StaffRole.admin))
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="provider.created",
        target_type="provider",
        target_id=provider.id,
        detail={"kind": provider.kind.value},
    )
    await session.flush()
    return provider


async def update_provider(
    session: AsyncSession, user: User, provider_id: uuid.UUID, data: ProviderUpdate, *, if_match: list[int] | None
) -> Provider:
    provider = await get_managed(session, user, provider_id, admin_only=True)
    ensure_version(provider, if_match)
    _check_identifiers(provider.kind, data, creating=False)
    _check_identifiers_kept(provider, data)
    if await _apply(session, provider, data):
        await search_columns.reindex_services_of(session, provider)
    provider.updated_at = datetime.now(UTC)
    await session.flush()
    return provider


async def get_provider(session: AsyncSession, user: User | None, provider_id: uuid.UUID) -> Provider:
    return await get_visible(session, user, provider_id)


async def list_staff(
    session: AsyncSession, user: User, provider_id: uuid.UUID, page: PageParams
) -> Paginated[tuple[ProviderStaff, User]]:
    provider = await get_managed(session, user, provider_id)
    return await paginate(
        session,
        repo.staff_query(provider.id),
        page,
        scope=f"staff:{provider.id}",
        order=[SortKey(ProviderStaff.created_at), SortKey(ProviderStaff.user_id)],
        item=lambda row: (row[0], row[1]),
    )


async def add_staff(
    session: AsyncSession, user: User, provider_id: uuid.UUID, data: StaffAdd
) -> tuple[ProviderStaff, User]:
    provider = await get_managed(session, user, provider_id, admin_only=True)
    if provider.kind == ProviderKind.individual:
        raise Forbidden("An individual worker's profile has no staff.")
    member = await account_service.find_by_email(session, data.email)
    if member is None or member.role != Role.provider_staff:
        raise ValidationFailed(
            "No provider-staff account with this e-mail; they must register first.", pointer="/email"
        )
    if await repo.get_staff(session, provider.id, member.id) is not None:
        raise AlreadyStaff("This person is already on the staff.")
    staff = ProviderStaff(provider_id=provider.id, user_id=member.id, role=data.role)
    session.add(staff)
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="provider.staff_added",
        target_type="provider",
        target_id=provider.id,
        detail={"user_id": str(member.id), "role": data.role.value},
    )
    await session.flush()
    return staff, member


async def remove_staff(session: AsyncSession, user: User, provider_id: uuid.UUID, member_id: uuid.UUID) -> None:
    provider = await get_managed(session, user, provider_id, admin_only=True, for_update=True)
    staff = await repo.get_staff(session, provider.id, member_id)
    if staff is None:
        raise StaffNotFound("This person is not on the staff.")
    if staff.role == StaffRole.admin and await repo.count_admins(session, provider.id) <= 1:
        raise LastAdmin("A provider keeps at least one admin; add another admin first.")
    await session.delete(staff)
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="provider.staff_removed",
        target_type="provider",
        target_id=provider.id,
        detail={"user_id": str(member_id)},
    )
    await session.flush()
