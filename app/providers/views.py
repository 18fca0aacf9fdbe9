"""Providers' responses, and provider facts as other domains show them, built for a whole page at
once: one query per related table, whatever the page size."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    AccreditationTransition,
    Provider,
    ProviderKind,
    ProviderStaff,
    Role,
    StaffRole,
    User,
    Verification,
)
from app.providers import repository as repo
from app.providers.access import VERIFIERS
from app.providers.badges import badge_kinds_by_provider, badges_by_provider, counts_as_badge, latest_by_kind
from app.providers.schemas import (
    AddressIn,
    ContactsRead,
    PointIn,
    PrivateDetails,
    ProviderRead,
    ServiceProvider,
    StaffRead,
    TransitionRead,
    VerificationRead,
)
from app.shared_schemas import from_row


async def provider_views(
    session: AsyncSession, providers: Sequence[Provider], *, viewer: User | None
) -> list[ProviderRead]:
    """Public views, plus private details where the viewer is staff or a municipal admin."""
    ids = [p.id for p in providers]
    badges = badges_by_provider(await repo.verifications_of(session, ids), datetime.now(UTC))
    roles = await repo.staff_roles_of(session, viewer.id, ids) if viewer is not None else {}
    is_admin = viewer is not None and viewer.role == Role.admin
    return [_provider_view(p, badges.get(p.id, []), roles.get(p.id), is_admin) for p in providers]


def _provider_view(
    provider: Provider, badges: list[Verification], role: StaffRole | None, is_admin: bool
) -> ProviderRead:
    organisation = provider.kind != ProviderKind.individual
    return from_row(
        ProviderRead,
        provider,
        legal_name=provider.legal_name if organisation else None,
        contacts=from_row(ContactsRead, provider) if organisation else None,
        badges=badges,
        private=_private(provider, role) if role is not None or is_admin else None,
    )


def _private(provider: Provider, role: StaffRole | None) -> PrivateDetails:
    street, postcode = provider.address_street, provider.address_postcode
    return from_row(
        PrivateDetails,
        provider,
        address=AddressIn(street=street, postcode=postcode, city=provider.address_city)
        if street and postcode
        else None,
        point=PointIn(lat=provider.lat, lon=provider.lon) if provider.lat is not None else None,
        staff_role=role,
    )


async def staff_views(session: AsyncSession, members: Sequence[tuple[ProviderStaff, User]]) -> list[StaffRead]:
    """Each staff membership with the person's name and e-mail (loaded with it: no query here)."""
    return [
        from_row(StaffRead, staff, user_id=user.id, full_name=user.full_name, email=user.email)
        for staff, user in members
    ]


async def transition_views(
    session: AsyncSession, transitions: Sequence[AccreditationTransition]
) -> list[TransitionRead]:
    return [from_row(TransitionRead, t) for t in transitions]


async def verification_views(
    session: AsyncSession, verifications: Sequence[Verification], *, viewer: User | None
) -> list[VerificationRead]:
    """Each check, whether it counts as a badge now, and its evidence for the provider's staff and
    the verifiers (null for everyone else)."""
    provider_ids = list({v.provider_id for v in verifications})
    latest = latest_by_kind(await repo.verifications_of(session, provider_ids))
    verifier = viewer is not None and viewer.role in VERIFIERS
    roles = await repo.staff_roles_of(session, viewer.id, provider_ids) if viewer and not verifier else {}
    now = datetime.now(UTC)
    views = []
    for v in verifications:
        private = verifier or v.provider_id in roles
        views.append(
            from_row(
                VerificationRead,
                v,
                counts_as_badge=counts_as_badge(v, latest[(v.provider_id, v.kind.value)], now),
                evidence_ref=v.evidence_ref if private else None,
                note=v.note if private else None,
            )
        )
    return views


async def service_providers(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ServiceProvider]:
    """The provider as a listing shows it (name, kind, rating and count, current badges), per id:
    two queries (the providers, their verifications) for any number of them."""
    providers = await repo.providers_by_id(session, set(ids))
    badges = await badge_kinds_by_provider(session, list(providers), datetime.now(UTC))
    return {
        provider_id: from_row(ServiceProvider, p, badges=badges.get(provider_id, []))
        for provider_id, p in providers.items()
    }


async def staffed_by(session: AsyncSession, user_id: uuid.UUID, provider_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The providers among `provider_ids` whose staff `user_id` belongs to (one query)."""
    return set(await repo.staff_roles_of(session, user_id, list(set(provider_ids))))


# (name, e-mail, phone)
Contact = tuple[str, str | None, str | None]


async def engagement_contacts(session: AsyncSession, provider_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Contact]:
    """The contact a client sees once engaged, per provider id: the organisation's own, or, for an
    individual worker, the worker's (an individual provider's only staff member)."""
    providers = list((await repo.providers_by_id(session, set(provider_ids))).values())
    individuals = [p.id for p in providers if p.kind == ProviderKind.individual]
    workers = await repo.individual_owners(session, individuals) if individuals else {}
    contacts: dict[uuid.UUID, Contact] = {}
    for provider in providers:
        worker = workers.get(provider.id)
        if provider.kind != ProviderKind.individual:
            contacts[provider.id] = (provider.display_name, provider.email, provider.phone)
        elif worker is not None:
            contacts[provider.id] = (provider.display_name, worker.email, worker.phone)
        else:
            contacts[provider.id] = (provider.display_name, None, None)
    return contacts
