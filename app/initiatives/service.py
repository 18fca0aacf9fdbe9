"""Volunteer initiatives at hubs, their volunteers and the volunteers' credentials.

* An initiative (e.g. retirees driving disabled people to appointments) is created by the hub's
  operators, or admins; they are its coordinators. Initiatives are public (they recruit).
* Citizens and workers join as volunteers (one active record per person and initiative). A
  volunteer declares a driving licence or an insurance; a coordinator looks at the document and
  marks it verified with its expiry (or rejected). Only the declaration's reference is stored,
  never the licence number. A volunteer "may drive" while a verified licence has not expired.
* Volunteer records are seen by the person and the coordinators (names and contacts); anyone else
  gets 404. Rides live in `rides.py`.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.hubs import service as hub_service
from app.initiatives import repository as repo
from app.initiatives.schemas import (
    CredentialCreate,
    CredentialDecision,
    InitiativeCreate,
)
from app.models import (
    CredentialStatus,
    Initiative,
    Role,
    User,
    VerificationKind,
    Volunteer,
    VolunteerCredential,
    VolunteerStatus,
)
from app.pagination import PageParams, Paginated, SortKey, paginate


class InitiativeNotFound(NotFound):
    code = "initiative_not_found"


class VolunteerNotFound(NotFound):
    code = "volunteer_not_found"


class CredentialNotFound(NotFound):
    code = "credential_not_found"


class AlreadyVolunteering(Conflict):
    code = "already_volunteering"


class InvalidVolunteerTransition(InvalidTransition):
    pass


class VolunteerHasRides(Conflict):
    code = "volunteer_has_rides"


def record(session: AsyncSession, actor: User, type_: str, aggregate: str, aggregate_id: uuid.UUID, **detail: object):
    """The audit entry and the outbox event of one state change (same transaction)."""
    payload = {k: str(v) for k, v in detail.items()}
    ledger.record(
        session, actor_id=actor.id, action=type_, target_type=aggregate, target_id=aggregate_id, payload=payload
    )


# --- initiatives -------------------------------------------------------------------------------------


async def get_initiative(session: AsyncSession, initiative_id: uuid.UUID) -> Initiative:
    initiative = await repo.get_initiative(session, initiative_id)
    if initiative is None:
        raise InitiativeNotFound("No initiative with this id.")
    return initiative


async def is_coordinator(session: AsyncSession, user: User, initiative: Initiative) -> bool:
    return user.role == Role.admin or await hub_service.is_operator(session, user, initiative.hub_id)


async def require_coordinator(session: AsyncSession, user: User, initiative: Initiative) -> None:
    if not await is_coordinator(session, user, initiative):
        raise Forbidden("Only the hub's operators (or an admin) coordinate this initiative.")


async def create_initiative(session: AsyncSession, user: User, data: InitiativeCreate) -> Initiative:
    await hub_service.require_operator(session, user, data.hub_id)
    initiative = Initiative(
        id=uuid.uuid4(), hub_id=data.hub_id, title=data.title, description=data.description, created_by_id=user.id
    )
    session.add(initiative)
    await session.flush()
    record(session, user, "initiative.created", "initiative", initiative.id, hub_id=data.hub_id)
    return initiative


async def list_initiatives(
    session: AsyncSession, page: PageParams, *, hub_id: uuid.UUID | None
) -> Paginated[Initiative]:
    return await paginate(
        session,
        repo.initiatives_query(hub_id=hub_id),
        page,
        scope="initiatives",
        order=[SortKey(Initiative.created_at), SortKey(Initiative.id)],
    )


# --- volunteers --------------------------------------------------------------------------------------


async def join(session: AsyncSession, user: User, initiative_id: uuid.UUID) -> Volunteer:
    initiative = await get_initiative(session, initiative_id)
    if not initiative.is_active:
        raise InitiativeNotFound("No initiative with this id.")
    if await repo.active_volunteer(session, initiative.id, user.id) is not None:
        raise AlreadyVolunteering("You already volunteer in this initiative.")
    volunteer = Volunteer(id=uuid.uuid4(), initiative_id=initiative.id, user_id=user.id, status=VolunteerStatus.active)
    session.add(volunteer)
    await session.flush()
    record(session, user, "volunteer.joined", "volunteer", volunteer.id, initiative_id=initiative.id)
    return volunteer


async def _visible_volunteer(session: AsyncSession, user: User, volunteer_id: uuid.UUID) -> tuple[Volunteer, bool]:
    """The volunteer record and whether the caller coordinates it; 404 unless theirs or coordinated."""
    volunteer = await repo.get_volunteer(session, volunteer_id)
    if volunteer is None:
        raise VolunteerNotFound("No volunteer with this id.")
    coordinates = await is_coordinator(session, user, await get_initiative(session, volunteer.initiative_id))
    if volunteer.user_id != user.id and not coordinates:
        raise VolunteerNotFound("No volunteer with this id.")
    return volunteer, coordinates


async def get_volunteer(session: AsyncSession, user: User, volunteer_id: uuid.UUID) -> Volunteer:
    volunteer, _ = await _visible_volunteer(session, user, volunteer_id)
    return volunteer


async def leave(session: AsyncSession, user: User, volunteer_id: uuid.UUID, *, if_match: list[int] | None) -> Volunteer:
    """The volunteer, or a coordinator; not while the person is booked on a ride of this initiative."""
    volunteer, _ = await _visible_volunteer(session, user, volunteer_id)
    await repo.lock_person(session, volunteer.user_id)  # no claim may slip in meanwhile
    ensure_version(volunteer, if_match)
    if volunteer.status != VolunteerStatus.active:
        raise InvalidVolunteerTransition("This volunteer has already left.", current_state=volunteer.status.value)
    if await repo.has_booking(session, volunteer.id):
        raise VolunteerHasRides("Assigned rides must be completed, cancelled or reassigned first.")
    volunteer.status, volunteer.left_at = VolunteerStatus.left, datetime.now(UTC)
    await session.flush()
    record(session, user, "volunteer.left", "volunteer", volunteer.id, initiative_id=volunteer.initiative_id)
    return volunteer


async def list_volunteers(
    session: AsyncSession, user: User, initiative_id: uuid.UUID, page: PageParams
) -> Paginated[tuple[Volunteer, User]]:
    initiative = await get_initiative(session, initiative_id)
    await require_coordinator(session, user, initiative)
    return await paginate(
        session,
        repo.volunteers_query(initiative.id),
        page,
        scope=f"volunteers:{initiative.id}",
        order=[SortKey(Volunteer.joined_at), SortKey(Volunteer.id)],
        item=lambda row: (row[0], row[1]),
    )


async def list_my_volunteering(session: AsyncSession, user: User, page: PageParams) -> Paginated[Volunteer]:
    return await paginate(
        session,
        repo.volunteers_of_user_query(user.id),
        page,
        scope="my-volunteering",
        order=[SortKey(Volunteer.joined_at, descending=True), SortKey(Volunteer.id, descending=True)],
    )


# --- credentials -------------------------------------------------------------------------------------


async def declare_credential(
    session: AsyncSession, user: User, volunteer_id: uuid.UUID, data: CredentialCreate
) -> Volunteer:
    volunteer, _ = await _visible_volunteer(session, user, volunteer_id)
    if volunteer.user_id != user.id:
        raise Forbidden("Volunteers declare their own documents.")
    if volunteer.status != VolunteerStatus.active:
        raise InvalidVolunteerTransition("This volunteer has left.", current_state=volunteer.status.value)
    credential = VolunteerCredential(
        id=uuid.uuid4(),
        volunteer_id=volunteer.id,
        kind=VerificationKind(data.kind),
        status=CredentialStatus.declared,
        evidence_ref=data.evidence_ref,
    )
    session.add(credential)
    await session.flush()
    record(session, user, "volunteer.credential_declared", "volunteer", volunteer.id, kind=data.kind)
    return volunteer


async def decide_credential(
    session: AsyncSession, user: User, volunteer_id: uuid.UUID, credential_id: uuid.UUID, data: CredentialDecision
) -> Volunteer:
    volunteer, coordinates = await _visible_volunteer(session, user, volunteer_id)
    if not coordinates:
        raise Forbidden("The hub's operators check volunteers' documents.")
    credential = await repo.get_credential(session, credential_id)
    if credential is None or credential.volunteer_id != volunteer.id:
        raise CredentialNotFound("No such credential on this volunteer.")
    if credential.status != CredentialStatus.declared:
        raise InvalidVolunteerTransition("This credential was already decided.", current_state=credential.status.value)
    now = datetime.now(UTC)
    if data.outcome == "verified":
        if data.expires_at is None or data.expires_at <= now:
            raise ValidationFailed("A verified document needs its future expiry date.", pointer="/expires_at")
        credential.status, credential.expires_at = CredentialStatus.verified, data.expires_at
    else:
        credential.status = CredentialStatus.rejected
    credential.decided_at, credential.decided_by_id = now, user.id
    await session.flush()
    record(session, user, f"volunteer.credential_{data.outcome}", "volunteer", volunteer.id, kind=credential.kind.value)
    return volunteer
