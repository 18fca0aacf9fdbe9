"""Rides: a citizen asks, a coordinator assigns or a volunteer claims, the volunteer drives.

    requested ──assign (coordinator) / claim (volunteer)──▶ assigned ──complete──▶ completed
        └────────────cancel (requester, coordinator)────────────┴──▶ cancelled

* Never double-booked: a person is never assigned two rides whose [starts_at, ends_at) overlap,
  across all their initiatives. An exclusion constraint would need btree_gist, an extension we may
  not use, so booking (assign and claim alike) first locks every volunteer row of that person
  (SELECT ... FOR UPDATE, in id order), then the ride row, then checks for an overlapping assigned
  ride and writes, all in one transaction. Two concurrent bookings of one person therefore run one
  after the other and the second sees the first. The ride row lock makes two volunteers claiming
  one ride end with one winner.
* A ride needing a car goes only to a volunteer with a verified driving licence valid until the
  ride ends.
* Visibility: the requester, the assigned volunteer and the coordinators see the ride; contacts
  (names, e-mail, phone) appear for requester and volunteer only while it is assigned or completed.
  The initiative's volunteers see waiting rides without names or addresses (`OpenRide`: times,
  NILs, assistance). Anyone else gets 404.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.initiatives import repository as repo
from app.initiatives.schemas import RideCreate, RideViewer
from app.initiatives.service import get_initiative, is_coordinator, record, require_coordinator
from app.models import Initiative, Ride, RideStatus, User, Volunteer, VolunteerStatus
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.zones import service as zone_service

SeenRide = tuple[Ride, RideViewer]  # a ride and who looks at it: what its response shows (views.ride_views)


class RideNotFound(NotFound):
    code = "ride_not_found"


class InvalidRideTransition(InvalidTransition):
    pass


class VolunteerBusy(Conflict):
    code = "volunteer_busy"


class VolunteerNotQualified(Conflict):
    code = "volunteer_not_qualified"


class NotAVolunteer(ValidationFailed):
    code = "not_a_volunteer"


# --- reading -------------------------------------------------------------------------------------------


async def _seen_as(session: AsyncSession, user: User, ride: Ride, initiative: Initiative) -> RideViewer | None:
    """Who the user is to this ride (what its response shows them), or None: not theirs to see."""
    if await is_coordinator(session, user, initiative):
        return "coordinator"
    if ride.requester_id == user.id:
        return "requester"
    if ride.volunteer_id is not None:
        volunteer = await repo.get_volunteer(session, ride.volunteer_id)
        if volunteer is not None and volunteer.user_id == user.id:
            return "volunteer"
    return None


async def _visible(session: AsyncSession, user: User, ride_id: uuid.UUID) -> tuple[Ride, Initiative, RideViewer]:
    ride = await repo.get_ride(session, ride_id)
    if ride is None:
        raise RideNotFound("No ride with this id.")
    initiative = await get_initiative(session, ride.initiative_id)
    viewer = await _seen_as(session, user, ride, initiative)
    if viewer is None:
        raise RideNotFound("No ride with this id.")  # someone else's ride does not exist for you
    return ride, initiative, viewer


async def _locked(session: AsyncSession, ride_id: uuid.UUID) -> Ride:
    """The ride, locked and reloaded; rides are never deleted while their initiative exists, but a
    missing row is a 404 rather than an assertion (asserts vanish under `python -O`)."""
    ride = await repo.get_ride(session, ride_id, for_update=True)
    if ride is None:
        raise RideNotFound("No ride with this id.")
    return ride


async def get_ride(session: AsyncSession, user: User, ride_id: uuid.UUID) -> SeenRide:
    ride, _, viewer = await _visible(session, user, ride_id)
    return ride, viewer


async def list_initiative_rides(
    session: AsyncSession, user: User, initiative_id: uuid.UUID, page: PageParams, *, status: RideStatus | None
) -> Paginated[SeenRide]:
    initiative = await get_initiative(session, initiative_id)
    await require_coordinator(session, user, initiative)
    return await paginate(
        session,
        repo.rides_of_initiative_query(initiative.id, status),
        page,
        scope=f"rides:{initiative.id}:{status}",
        order=[SortKey(Ride.starts_at), SortKey(Ride.id)],
        item=lambda row: (row[0], "coordinator"),
    )


async def list_open_rides(
    session: AsyncSession, user: User, initiative_id: uuid.UUID, page: PageParams
) -> Paginated[Ride]:
    initiative = await get_initiative(session, initiative_id)
    volunteering = await repo.active_volunteer(session, initiative.id, user.id)
    if volunteering is None and not await is_coordinator(session, user, initiative):
        raise Forbidden("Waiting rides are shown to this initiative's volunteers.")
    return await paginate(
        session,
        repo.open_rides_query(initiative.id, datetime.now(UTC)),
        page,
        scope=f"open-rides:{initiative.id}",
        order=[SortKey(Ride.starts_at), SortKey(Ride.id)],
    )


async def list_my_rides(session: AsyncSession, user: User, page: PageParams) -> Paginated[SeenRide]:
    """Rides the caller asked for (seen as their requester) or drives (seen as their volunteer)."""
    return await paginate(
        session,
        repo.my_rides_query(user.id),
        page,
        scope="my-rides",
        order=[SortKey(Ride.starts_at, descending=True), SortKey(Ride.id, descending=True)],
        item=lambda row: (row[0], "requester" if row[0].requester_id == user.id else "volunteer"),
    )


# --- requesting ----------------------------------------------------------------------------------------


async def request_ride(session: AsyncSession, user: User, initiative_id: uuid.UUID, data: RideCreate) -> SeenRide:
    initiative = await get_initiative(session, initiative_id)
    if not initiative.is_active:
        raise InvalidRideTransition("The initiative is closed.", current_state="inactive")
    if data.starts_at <= datetime.now(UTC):
        raise ValidationFailed("The ride must start in the future.", pointer="/starts_at")
    if data.ends_at <= data.starts_at:
        raise ValidationFailed("ends_at must be after starts_at.", pointer="/ends_at")
    ride = Ride(
        id=uuid.uuid4(),
        initiative_id=initiative.id,
        requester_id=user.id,
        status=RideStatus.requested,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        pickup_address=data.pickup_address,
        dropoff_address=data.dropoff_address,
        assistance=[str(a) for a in data.assistance],
        needs_car=data.needs_car,
        notes=data.notes or None,
    )
    for end, point in (("pickup", data.pickup_point), ("dropoff", data.dropoff_point)):
        if point is not None:  # a point outside Milan (a hospital beyond the city limit) has no NIL
            nil = await zone_service.nil_of_point(session, lat=point.lat, lon=point.lon)
            setattr(ride, f"{end}_lat", point.lat)
            setattr(ride, f"{end}_lon", point.lon)
            setattr(ride, f"{end}_nil_id", nil)
    session.add(ride)
    await session.flush()
    record(session, user, "ride.requested", "ride", ride.id, initiative_id=initiative.id)
    return ride, "requester"


# --- booking -------------------------------------------------------------------------------------------


async def _book(
    session: AsyncSession,
    actor: User,
    ride_id: uuid.UUID,
    volunteer: Volunteer,
    *,
    if_match: list[int] | None,
    event: str,
) -> Ride:
    """Assign `volunteer` to the ride; see the module docstring for the locking."""
    await repo.lock_person(session, volunteer.user_id)
    ride = await _locked(session, ride_id)
    ensure_version(ride, if_match)
    now = datetime.now(UTC)
    if ride.status != RideStatus.requested:
        raise InvalidRideTransition(f"The ride is {ride.status.value}.", current_state=ride.status.value)
    if ride.starts_at <= now:
        raise InvalidRideTransition("The ride has already started.", current_state="started")
    if volunteer.status != VolunteerStatus.active:
        raise VolunteerNotQualified("This volunteer has left the initiative.")
    if ride.needs_car and not await repo.has_valid_licence(session, volunteer.user_id, until=ride.ends_at):
        raise VolunteerNotQualified("This ride needs a car: a verified driving licence valid until it ends.")
    clash = await repo.overlapping_booking(session, volunteer.user_id, ride.starts_at, ride.ends_at)
    if clash is not None:
        raise VolunteerBusy(f"The volunteer is booked on another ride from {clash.starts_at.isoformat()}.")
    ride.status, ride.volunteer_id = RideStatus.assigned, volunteer.id
    ride.assigned_at, ride.assigned_by_id = now, actor.id
    await session.flush()
    record(session, actor, event, "ride", ride.id, volunteer_id=volunteer.id)
    # Assigned: the requester and the volunteer the coordinator chose; claimed: the requester (the
    # volunteer took it). The actor is left out either way: they know what they just did.
    _tell(session, actor, ride, event, [ride.requester_id, volunteer.user_id])
    return ride


def _tell(session: AsyncSession, actor: User, ride: Ride, kind: str, people: list[uuid.UUID]) -> None:
    """No names or addresses in the data: the ride's response shows them to whom it may."""
    ledger.notify(
        session,
        [person for person in people if person != actor.id],
        kind=kind,
        subject_type="ride",
        subject_id=ride.id,
        data={
            "initiative_id": str(ride.initiative_id),
            "status": ride.status.value,
            "starts_at": ride.starts_at.isoformat(),
            "ends_at": ride.ends_at.isoformat(),
        },
    )


async def assign(
    session: AsyncSession, user: User, ride_id: uuid.UUID, volunteer_id: uuid.UUID, *, if_match: list[int] | None
) -> SeenRide:
    ride, initiative, _ = await _visible(session, user, ride_id)
    await require_coordinator(session, user, initiative)
    volunteer = await repo.get_volunteer(session, volunteer_id)
    if volunteer is None or volunteer.initiative_id != initiative.id or volunteer.status != VolunteerStatus.active:
        raise NotAVolunteer("Not an active volunteer of this initiative.", pointer="/volunteer_id")
    ride = await _book(session, user, ride.id, volunteer, if_match=if_match, event="ride.assigned")
    return ride, "coordinator"


async def claim(session: AsyncSession, user: User, ride_id: uuid.UUID, *, if_match: list[int] | None) -> SeenRide:
    """An active volunteer of the ride's initiative takes a waiting ride; anyone else gets 404."""
    ride = await repo.get_ride(session, ride_id)
    volunteer = await repo.active_volunteer(session, ride.initiative_id, user.id) if ride else None
    if ride is None or volunteer is None:
        raise RideNotFound("No ride with this id.")
    ride = await _book(session, user, ride.id, volunteer, if_match=if_match, event="ride.claimed")
    return ride, "volunteer"


async def complete(session: AsyncSession, user: User, ride_id: uuid.UUID, *, if_match: list[int] | None) -> SeenRide:
    """The assigned volunteer or a coordinator, once the ride has started."""
    ride, _, viewer = await _visible(session, user, ride_id)
    if viewer == "requester":
        raise Forbidden("The volunteer or the coordinators mark a ride done.")
    ride = await _locked(session, ride.id)
    ensure_version(ride, if_match)
    now = datetime.now(UTC)
    if ride.status != RideStatus.assigned:
        raise InvalidRideTransition(f"The ride is {ride.status.value}.", current_state=ride.status.value)
    if ride.starts_at > now:
        raise InvalidRideTransition("The ride has not started yet.", current_state="assigned")
    ride.status, ride.completed_at = RideStatus.completed, now
    await session.flush()
    record(session, user, "ride.completed", "ride", ride.id, volunteer_id=ride.volunteer_id)
    return ride, viewer


async def cancel(
    session: AsyncSession, user: User, ride_id: uuid.UUID, *, reason: str | None, if_match: list[int] | None
) -> SeenRide:
    """The requester or a coordinator, while requested or assigned (the volunteer is freed)."""
    ride, _, viewer = await _visible(session, user, ride_id)
    if viewer == "volunteer":
        raise Forbidden("Ask the coordinators to reassign the ride.")
    ride = await _locked(session, ride.id)
    ensure_version(ride, if_match)
    if ride.status not in (RideStatus.requested, RideStatus.assigned):
        raise InvalidRideTransition(f"The ride is {ride.status.value}.", current_state=ride.status.value)
    was_assigned = ride.status == RideStatus.assigned
    ride.status, ride.cancelled_at, ride.cancel_reason = RideStatus.cancelled, datetime.now(UTC), reason
    await session.flush()
    record(session, user, "ride.cancelled", "ride", ride.id, by=viewer)
    people = [ride.requester_id]
    if was_assigned and ride.volunteer_id is not None:  # a volunteer who was booked is freed: tell them
        volunteer = await repo.get_volunteer(session, ride.volunteer_id)
        people += [volunteer.user_id] if volunteer is not None else []
    _tell(session, user, ride, "ride.cancelled", people)
    return ride, viewer
