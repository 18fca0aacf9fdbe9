"""Who may see and manage a provider. Used by the providers and catalogue services.

Another organisation's private object is a 404 (existence does not leak); a role that may never
do something is a 403.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Forbidden, NotFound
from app.models import AccreditationState, Provider, ProviderStaff, Role, StaffRole, User
from app.providers import repository as repo

# Who records checks on providers (the router's guard), and so sees their evidence as the
# provider's staff do (the view).
VERIFIERS = (Role.admin, Role.hub_operator)


class ProviderNotFound(NotFound):
    code = "provider_not_found"


async def get_provider_by_id(
    session: AsyncSession, provider_id: uuid.UUID, *, for_update: bool = False
) -> Provider | None:
    return await repo.get_by_id(session, provider_id, for_update=for_update)


async def staff_provider_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The providers this person works for, in any staff role (what they answer and see as staff)."""
    return await repo.staff_provider_ids(session, user_id)


async def staff_user_ids(session: AsyncSession, provider_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Who works for each provider (active accounts, any staff role): the people another domain tells
    about what happens to the provider (an invitation, an offer's fate), in one query."""
    return await repo.staff_user_ids(session, set(provider_ids))


async def providers_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Provider]:
    """Providers by id in one query, for another domain's page of rows (the HSDS feed)."""
    return await repo.providers_by_id(session, set(ids))


def is_public(provider: Provider) -> bool:
    return provider.accreditation_state == AccreditationState.accredited


async def staff_role(session: AsyncSession, user: User | None, provider: Provider) -> StaffRole | None:
    if user is None:
        return None
    membership: ProviderStaff | None = await repo.get_staff(session, provider.id, user.id)
    return membership.role if membership else None


async def get_visible(session: AsyncSession, user: User | None, provider_id: uuid.UUID) -> Provider:
    """A provider the caller may read: accredited ones for everyone, any state for staff/admins."""
    provider = await repo.get_by_id(session, provider_id)
    if provider is None:
        raise ProviderNotFound("No provider with this id.")
    if is_public(provider) or (user is not None and user.role == Role.admin):
        return provider
    if await staff_role(session, user, provider) is None:
        raise ProviderNotFound("No provider with this id.")
    return provider


async def get_managed(
    session: AsyncSession, user: User, provider_id: uuid.UUID, *, admin_only: bool = False, for_update: bool = False
) -> Provider:
    """A provider the caller works for (as admin when `admin_only`); municipal admins manage all."""
    provider = await repo.get_by_id(session, provider_id, for_update=for_update)
    if provider is None:
        raise ProviderNotFound("No provider with this id.")
    if user.role == Role.admin:
        return provider
    role = await staff_role(session, user, provider)
    if role is None:
        if is_public(provider):
            raise Forbidden("Only this provider's staff may do this.")
        raise ProviderNotFound("No provider with this id.")
    if admin_only and role != StaffRole.admin:
        raise Forbidden("Only this provider's admins may do this.")
    return provider


async def managed_or_none(session: AsyncSession, user: User, provider_id: uuid.UUID) -> Provider | None:
    """The provider when the caller manages it, else None (callers turn that into their own 404)."""
    try:
        return await get_managed(session, user, provider_id)
    except (ProviderNotFound, Forbidden):
        return None
