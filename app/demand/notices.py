"""Who on each side of a request is told what happens to it (`ledger.notify`, in the transaction of
the change). The kinds are in the demand section of `app.notification_kinds`.

The household's side is the citizen, and the hub operator who made the request for them (on their
behalf, or in operator mode with their recorded consent) while that operator still works at a hub
serving the request's NIL: that operator is the household's contact and may act on the request.
Other operators of the NIL's hubs are not told: operator-mode requests sit in their hub's queue
(`GET /v1/requests`), and telling every operator of every hub serving a NIL would spread a
household's affairs wider than the one who holds the consent.

The provider's side is every active account on the provider's staff (admins and operators alike:
both answer the inbox and run engagements).

Whoever acted is not told of their own action; their colleagues on the same side are.

Data carries ids (and what the recipient may already see: the offering provider's public name and
the offer's price for the household), never the household's personal data: providers see requests
anonymised until acceptance. Category names come from `GET /v1/categories`, in the reader's
language.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.demand import repository as repo
from app.models import DemandRequest
from app.providers import access as provider_access


async def household(session: AsyncSession, request: DemandRequest) -> list[uuid.UUID]:
    """The citizen, and the operator acting for them (see the module's note)."""
    people = [request.citizen_id]
    creator = request.created_by_id
    if creator is None or creator == request.citizen_id or request.nil_id is None:
        return people
    if await repo.operates_in(session, creator, request.nil_id):
        people.append(creator)
    return people


async def staff_of(session: AsyncSession, provider_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each provider's staff, in one query."""
    return await provider_access.staff_user_ids(session, provider_ids)


def tell(
    session: AsyncSession,
    people: Iterable[uuid.UUID],
    kind: str,
    *,
    subject_type: str,
    subject_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    **data: Any,
) -> None:
    """Notify `people` but the actor; ids in `data` are written as strings."""
    recipients = [person for person in people if person != actor_id]
    if recipients:
        ledger.notify(
            session,
            recipients,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            data={key: str(value) if isinstance(value, uuid.UUID) else value for key, value in data.items()},
        )


async def offers_declined(
    session: AsyncSession,
    offers: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]],
    *,
    reason: str,
    staff: dict[uuid.UUID, list[uuid.UUID]] | None = None,
) -> None:
    """Each closed offer's (offer, provider, request) provider staff hear it was declined, and why
    (`declined` by the household, `another_offer_accepted`, `request_cancelled`, `request_expired`);
    `staff` when the caller has already fetched it."""
    if not offers:
        return
    if staff is None:
        staff = await staff_of(session, {provider_id for _, provider_id, _ in offers})
    for offer_id, provider_id, request_id in offers:
        tell(
            session,
            staff[provider_id],
            "offer.declined",
            subject_type="offer",
            subject_id=offer_id,
            actor_id=None,
            offer_id=offer_id,
            request_id=request_id,
            provider_id=provider_id,
            reason=reason,
        )
