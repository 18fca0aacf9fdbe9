"""Provider facts as other domains show them, built for a whole page at once (one query per table)."""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Provider, ProviderKind
from app.providers import repository as repo

# (name, e-mail, phone)
Contact = tuple[str, str | None, str | None]


async def engagement_contacts(session: AsyncSession, providers: Iterable[Provider]) -> dict[uuid.UUID, Contact]:
    """The contact a client sees once engaged, per provider: the organisation's own, or, for an
    individual worker, the worker's (an individual provider's only staff member)."""
    providers = list(providers)
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
