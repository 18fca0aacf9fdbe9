"""Accreditation: the state machine by which the city admits a provider to the public catalogue.

    draft ──submit──▶ submitted ──accredit──▶ accredited ──suspend──▶ suspended
      ▲                  │  ▲                     ▲                      │
      │        request_changes  submit            └──────reinstate───────┘
      │                  ▼  │
      └──────────── changes_requested          withdraw: any state but withdrawn ─▶ withdrawn

Every transition carries a reason, is recorded in the history and the audit trail, and emits an
outbox event. Accrediting or reinstating makes the provider's published services searchable;
suspending or withdrawing hides them in the same transaction.
"""

import enum
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.errors import InvalidTransition
from app.models import AccreditationState, AccreditationTransition, Provider, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import repository as repo
from app.providers import search_columns
from app.providers.access import get_managed

S = AccreditationState


class Action(enum.StrEnum):
    submit = "submit"
    request_changes = "request_changes"
    accredit = "accredit"
    suspend = "suspend"
    reinstate = "reinstate"
    withdraw = "withdraw"


# action → (allowed from-states, to-state, who: "provider" = its admins, "city" = municipal admins,
# an `Admin`-only route)
TRANSITIONS: dict[Action, tuple[frozenset[AccreditationState], AccreditationState, str]] = {
    Action.submit: (frozenset({S.draft, S.changes_requested}), S.submitted, "provider"),
    Action.request_changes: (frozenset({S.submitted}), S.changes_requested, "city"),
    Action.accredit: (frozenset({S.submitted}), S.accredited, "city"),
    Action.suspend: (frozenset({S.accredited}), S.suspended, "city"),
    Action.reinstate: (frozenset({S.suspended}), S.accredited, "city"),
    Action.withdraw: (frozenset(set(S) - {S.withdrawn}), S.withdrawn, "provider"),
}

# The city's decisions, each told to the provider's staff (notification kind). Submitting and
# withdrawing are the provider's own acts: its staff made them and see them in the history.
DECISIONS: dict[Action, str] = {
    Action.request_changes: "provider.changes_requested",
    Action.accredit: "provider.accredited",
    Action.suspend: "provider.suspended",
    Action.reinstate: "provider.reinstated",
}


class InvalidAccreditationTransition(InvalidTransition):
    pass


async def transition(
    session: AsyncSession,
    user: User,
    provider_id: uuid.UUID,
    action: Action,
    *,
    reason: str,
    if_match: list[int] | None,
) -> Provider:
    allowed_from, to_state, _ = TRANSITIONS[action]  # who: checked by the route's guard
    provider: Provider = await get_managed(session, user, provider_id, admin_only=True, for_update=True)
    ensure_version(provider, if_match)
    if provider.accreditation_state not in allowed_from:
        raise InvalidAccreditationTransition(
            f"Cannot {action.value.replace('_', ' ')} a provider that is {provider.accreditation_state.value}.",
            current_state=provider.accreditation_state.value,
        )
    from_state = provider.accreditation_state
    now = datetime.now(UTC)
    provider.accreditation_state = to_state
    provider.accreditation_changed_at = now
    session.add(
        AccreditationTransition(
            provider_id=provider.id, from_state=from_state, to_state=to_state, reason=reason, actor_id=user.id, at=now
        )
    )
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action=f"provider.{action.value}",
        target_type="provider",
        target_id=provider.id,
        detail={"from": from_state.value, "to": to_state.value, "reason": reason},
    )
    ledger.emit(
        session,
        type=f"provider.{to_state.value}",
        aggregate_type="provider",
        aggregate_id=provider.id,
        payload={"provider_id": str(provider.id), "from": from_state.value, "to": to_state.value},
    )
    if action in DECISIONS:
        await _tell_staff(session, user, provider, DECISIONS[action], reason)
    await session.flush()
    await search_columns.reindex_services_of(session, provider)
    return provider


async def _tell_staff(session: AsyncSession, actor: User, provider: Provider, kind: str, reason: str) -> None:
    """The staff read the city's reason in the accreditation history too, so it travels with the
    notification (what to change, why suspended). The actor is never told of their own act."""
    staff = (await repo.staff_user_ids(session, [provider.id])).get(provider.id, [])
    ledger.notify(
        session,
        [user_id for user_id in staff if user_id != actor.id],
        kind=kind,
        subject_type="provider",
        subject_id=provider.id,
        data={"display_name": provider.display_name, "state": provider.accreditation_state.value, "reason": reason},
    )


async def history(
    session: AsyncSession, user: User, provider_id: uuid.UUID, page: PageParams
) -> Paginated[AccreditationTransition]:
    provider = await get_managed(session, user, provider_id)
    return await paginate(
        session,
        repo.transitions_query(provider.id),
        page,
        scope=f"accreditation:{provider.id}",
        order=[SortKey(AccreditationTransition.at), SortKey(AccreditationTransition.id)],
    )
