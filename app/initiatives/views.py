"""Initiatives' responses (initiatives, volunteers, rides), built for a whole page at once: one query
per related table, whatever the page size (the query-count guard in tests/test_query_counts.py
holds lists to it)."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import views as account_views
from app.initiatives import repository as repo
from app.initiatives.schemas import (
    InitiativeRead,
    OpenRide,
    PersonContact,
    RideRead,
    RideViewer,
    VolunteerRead,
    VolunteerWithPerson,
)
from app.models import (
    CredentialStatus,
    Initiative,
    Ride,
    RideStatus,
    User,
    VerificationKind,
    Volunteer,
    VolunteerCredential,
)
from app.shared_schemas import PointIn, from_row

# Contacts of requester and volunteer show to each other only while a volunteer is on the ride.
CONTACT_STATES = (RideStatus.assigned, RideStatus.completed)


async def initiative_views(session: AsyncSession, initiatives: Sequence[Initiative]) -> list[InitiativeRead]:
    """Each initiative with how many volunteers it has."""
    counts = await repo.volunteer_counts(session, [i.id for i in initiatives])
    return [from_row(InitiativeRead, i, volunteers=counts[i.id]) for i in initiatives]


def _may_drive(credentials: list[VolunteerCredential], now: datetime) -> bool:
    return any(
        c.kind == VerificationKind.driving_licence
        and c.status == CredentialStatus.verified
        and c.expires_at is not None
        and c.expires_at > now
        for c in credentials
    )


async def volunteer_views(session: AsyncSession, volunteers: Sequence[Volunteer]) -> list[VolunteerRead]:
    """Each volunteer with the documents they declared and whether they may drive today."""
    credentials = await repo.credentials_of(session, [v.id for v in volunteers])
    now = datetime.now(UTC)
    return [
        from_row(VolunteerRead, v, may_drive=_may_drive(credentials[v.id], now), credentials=credentials[v.id])
        for v in volunteers
    ]


async def volunteer_with_person_views(
    session: AsyncSession, rows: Sequence[tuple[Volunteer, User]]
) -> list[VolunteerWithPerson]:
    """What the coordinators see: each volunteer with the person's name and contacts (the person
    comes joined with the volunteer by the listing query)."""
    credentials = await repo.credentials_of(session, [v.id for v, _ in rows])
    now = datetime.now(UTC)
    return [
        from_row(
            VolunteerWithPerson,
            volunteer,
            may_drive=_may_drive(credentials[volunteer.id], now),
            credentials=credentials[volunteer.id],
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
        )
        for volunteer, person in rows
    ]


def _contact(user: User | None) -> PersonContact | None:
    return PersonContact(full_name=user.full_name, email=user.email, phone=user.phone) if user else None


def _point(lat: float | None, lon: float | None) -> PointIn | None:
    return PointIn(lat=lat, lon=lon) if lat is not None and lon is not None else None


async def ride_views(session: AsyncSession, rides: Sequence[tuple[Ride, RideViewer]]) -> list[RideRead]:
    """Each ride as the one who asks sees it (the use case says who that is: its requester, its
    volunteer or a coordinator): contacts only as the rides.py docstring allows."""
    volunteers = await repo.volunteers_by_id(session, {r.volunteer_id for r, _ in rides if r.volunteer_id})
    people = await account_views.users_by_id(
        session, {r.requester_id for r, _ in rides} | {v.user_id for v in volunteers.values()}
    )
    views = []
    for ride, viewer in rides:
        shown = viewer == "coordinator" or ride.status in CONTACT_STATES
        volunteer = volunteers.get(ride.volunteer_id) if ride.volunteer_id else None
        views.append(
            from_row(
                RideRead,
                ride,
                pickup_point=_point(ride.pickup_lat, ride.pickup_lon),
                dropoff_point=_point(ride.dropoff_lat, ride.dropoff_lon),
                requester=_contact(people.get(ride.requester_id)) if shown or viewer == "requester" else None,
                volunteer=_contact(people.get(volunteer.user_id)) if volunteer and shown else None,
            )
        )
    return views


async def open_ride_views(session: AsyncSession, rides: Sequence[Ride]) -> list[OpenRide]:
    """Waiting rides as the initiative's volunteers see them: OpenRide holds no names or addresses."""
    return [from_row(OpenRide, ride) for ride in rides]
