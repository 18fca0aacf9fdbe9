"""Who takes part in a thread, and on which side. Every thread is private: anyone else, whatever
their role (a municipal admin too), is told it does not exist (404).

* the household's side: the citizen whose request it is, and a hub operator acting for them (a
  request they made for an offline citizen, or an operator-mode request, in the NILs their hubs
  serve: demand's rule, asked through app.demand.parties). An operator's reads and writes are audited.
* the provider's side: the provider's staff (an individual worker is the staff of its own provider).

Admins read no thread; they read the messages people report (app/conversations/reports.py).
"""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import service as account_service
from app.conversations import repository as repo
from app.demand import parties
from app.errors import NotFound
from app.models import DemandRequest, Side, Thread, User
from app.providers import access as provider_access


class ThreadNotFound(NotFound):
    code = "thread_not_found"


@dataclass(frozen=True, slots=True)
class Participant:
    """The caller as a reader of threads: whose staff they are and which NILs they operate in."""

    user: User
    provider_ids: list[uuid.UUID]
    operated_nil_ids: list[uuid.UUID]

    def side_in(self, thread: Thread) -> Side:
        """The caller's side in a thread they take part in."""
        return Side.provider if thread.provider_id in self.provider_ids else Side.citizen


async def participant(session: AsyncSession, user: User) -> Participant:
    return Participant(
        user=user,
        provider_ids=await provider_access.staff_provider_ids(session, user.id),
        operated_nil_ids=await account_service.operated_nil_ids(session, user),
    )


async def side_for_request(
    session: AsyncSession, me: Participant, request: DemandRequest, provider_id: uuid.UUID
) -> Side | None:
    """The caller's side in a conversation between the request's household and the provider."""
    if request.citizen_id == me.user.id:
        return Side.citizen
    if provider_id in me.provider_ids:
        return Side.provider
    if me.operated_nil_ids and await parties.acts_for_household(session, me.user, request):
        return Side.citizen
    return None


@dataclass(frozen=True, slots=True)
class Seat:
    """A thread as one participant holds it: their side, and the request it is about."""

    me: Participant
    thread: Thread
    side: Side
    request: DemandRequest

    @property
    def by_operator(self) -> bool:
        """A hub operator acting for the household (not the household itself)."""
        return self.side == Side.citizen and self.request.citizen_id != self.me.user.id


async def seat(session: AsyncSession, user: User, thread_id: uuid.UUID, *, for_update: bool = False) -> Seat:
    """The caller's seat in a thread, or 404 for anyone who takes no part in it."""
    me = await participant(session, user)
    thread = await repo.get_thread(session, thread_id, for_update=for_update)
    request = await parties.request_by_id(session, thread.request_id) if thread is not None else None
    side = await side_for_request(session, me, request, thread.provider_id) if thread and request else None
    if thread is None or request is None or side is None:
        raise ThreadNotFound("No thread with this id.")
    return Seat(me=me, thread=thread, side=side, request=request)


def audit_operator(session: AsyncSession, held: Seat, action: str, **detail: object) -> None:
    """A hub operator reading or writing in a household's thread is an audited access (GDPR)."""
    if held.by_operator:
        ledger.audit(
            session,
            actor_id=held.me.user.id,
            actor_kind="user",
            action=action,
            target_type="thread",
            target_id=held.thread.id,
            detail={key: str(value) for key, value in detail.items()},
        )
