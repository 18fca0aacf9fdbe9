import uuid

from fastapi import status

from app.accounts.auth import Citizen, CitizenOrWorker, CurrentUser
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses, merge_responses
from app.hubs.service import HubNotFound
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.initiatives import rides
from app.initiatives import service as initiative_service
from app.initiatives.schemas import (
    CredentialCreate,
    CredentialDecision,
    InitiativeCreate,
    InitiativeRead,
    OpenRide,
    RideAssign,
    RideCancel,
    RideCreate,
    RideRead,
    VolunteerRead,
    VolunteerWithPerson,
)
from app.initiatives.views import (
    initiative_views,
    open_ride_views,
    ride_views,
    volunteer_views,
    volunteer_with_person_views,
)
from app.models import RideStatus
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one

router = api_router(prefix="/initiatives", tags=["initiatives"])
volunteers_router = api_router(prefix="/volunteers", tags=["initiatives"])
rides_router = api_router(prefix="/rides", tags=["initiatives"])
CREATING = [IdempotencyKeyDep, CreationRateLimit]
NotFoundInitiative = initiative_service.InitiativeNotFound
ON_VOLUNTEER = error_responses(
    NotAuthenticated,
    Forbidden,
    initiative_service.VolunteerNotFound,
    initiative_service.CredentialNotFound,
    initiative_service.InvalidVolunteerTransition,
    initiative_service.VolunteerHasRides,
    PreconditionFailed,
)
ON_RIDE = error_responses(
    NotAuthenticated,
    Forbidden,
    rides.RideNotFound,
    rides.InvalidRideTransition,
    rides.VolunteerBusy,
    rides.VolunteerNotQualified,
    PreconditionFailed,
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InitiativeRead,
    dependencies=[*CREATING, created_at("get_initiative", initiative_id="id")],
    responses=error_responses(NotAuthenticated, Forbidden, HubNotFound, RateLimited, IdempotencyInProgress),
)
async def create_initiative(data: InitiativeCreate, session: SessionDep, user: CurrentUser) -> InitiativeRead:
    """Start a volunteer initiative at a hub (its operators, or admins), e.g. rides for disabled people."""
    initiative = await initiative_service.create_initiative(session, user, data)
    return await one(initiative_views(session, [initiative]))


@router.get("", response_model=Page[InitiativeRead])
async def list_initiatives(
    session: SessionDep, page: PageParamsDep, hub_id: uuid.UUID | None = None
) -> Paginated[InitiativeRead]:
    """Active initiatives, oldest first; public (they look for volunteers)."""
    found = await initiative_service.list_initiatives(session, page, hub_id=hub_id)
    return found.with_items(await initiative_views(session, found.items))


@router.get("/{initiative_id}", response_model=InitiativeRead, responses=error_responses(NotFoundInitiative))
async def get_initiative(initiative_id: uuid.UUID, session: SessionDep) -> InitiativeRead:
    """One initiative; public."""
    initiative = await initiative_service.get_initiative(session, initiative_id)
    return await one(initiative_views(session, [initiative]))


@router.post(
    "/{initiative_id}/volunteers",
    status_code=status.HTTP_201_CREATED,
    response_model=VolunteerRead,
    dependencies=[*CREATING, created_at("get_volunteer", volunteer_id="id")],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        NotFoundInitiative,
        initiative_service.AlreadyVolunteering,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def join_initiative(initiative_id: uuid.UUID, session: SessionDep, user: CitizenOrWorker) -> VolunteerRead:
    """Volunteer in an initiative (citizens, workers)."""
    volunteer = await initiative_service.join(session, user, initiative_id)
    return await one(volunteer_views(session, [volunteer]))


@router.get(
    "/{initiative_id}/volunteers",
    response_model=Page[VolunteerWithPerson],
    responses=error_responses(NotAuthenticated, Forbidden, NotFoundInitiative),
)
async def list_volunteers(
    initiative_id: uuid.UUID, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Paginated[VolunteerWithPerson]:
    """Active volunteers with contacts and documents (the hub's operators, admins)."""
    found = await initiative_service.list_volunteers(session, user, initiative_id, page)
    return found.with_items(await volunteer_with_person_views(session, found.items))


@router.post(
    "/{initiative_id}/rides",
    status_code=status.HTTP_201_CREATED,
    response_model=RideRead,
    dependencies=[*CREATING, created_at("get_ride", ride_id="id")],
    responses=error_responses(
        NotAuthenticated, Forbidden, NotFoundInitiative, rides.InvalidRideTransition, RateLimited, IdempotencyInProgress
    ),
)
async def request_ride(initiative_id: uuid.UUID, data: RideCreate, session: SessionDep, user: Citizen) -> RideRead:
    """Ask for a ride (citizens): when, from, to, the assistance needed."""
    seen = await rides.request_ride(session, user, initiative_id, data)
    return await one(ride_views(session, [seen]))


@router.get(
    "/{initiative_id}/rides",
    response_model=Page[RideRead],
    responses=error_responses(NotAuthenticated, Forbidden, NotFoundInitiative),
)
async def list_initiative_rides(
    initiative_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    status: RideStatus | None = None,
) -> Paginated[RideRead]:
    """Every ride of the initiative by start, with contacts (the hub's operators, admins)."""
    found = await rides.list_initiative_rides(session, user, initiative_id, page, status=status)
    return found.with_items(await ride_views(session, found.items))


@router.get(
    "/{initiative_id}/open-rides",
    response_model=Page[OpenRide],
    responses=error_responses(NotAuthenticated, Forbidden, NotFoundInitiative),
)
async def list_open_rides(
    initiative_id: uuid.UUID, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Paginated[OpenRide]:
    """Future rides waiting for a volunteer, without names or addresses (its volunteers, coordinators)."""
    found = await rides.list_open_rides(session, user, initiative_id, page)
    return found.with_items(await open_ride_views(session, found.items))


@volunteers_router.get("", response_model=Page[VolunteerRead], responses=error_responses(NotAuthenticated))
async def list_my_volunteering(session: SessionDep, user: CurrentUser, page: PageParamsDep) -> Paginated[VolunteerRead]:
    """Your own volunteer records, newest first."""
    found = await initiative_service.list_my_volunteering(session, user, page)
    return found.with_items(await volunteer_views(session, found.items))


@volunteers_router.get(
    "/{volunteer_id}",
    response_model=VolunteerRead,
    responses=error_responses(NotAuthenticated, initiative_service.VolunteerNotFound),
)
async def get_volunteer(volunteer_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> VolunteerRead:
    """One volunteer record (the person; the coordinators)."""
    volunteer = await initiative_service.get_volunteer(session, user, volunteer_id)
    return await one(volunteer_views(session, [volunteer]))


@volunteers_router.post("/{volunteer_id}/leave", response_model=VolunteerRead, responses=ON_VOLUNTEER)
async def leave_initiative(
    volunteer_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> VolunteerRead:
    """Stop volunteering (the person or a coordinator; send If-Match); not while booked on a ride."""
    volunteer = await initiative_service.leave(session, user, volunteer_id, if_match=if_match)
    return await one(volunteer_views(session, [volunteer]))


@volunteers_router.post(
    "/{volunteer_id}/credentials",
    status_code=status.HTTP_201_CREATED,
    dependencies=[created_at("get_volunteer", volunteer_id="id")],
    response_model=VolunteerRead,
    responses=ON_VOLUNTEER,
)
async def declare_credential(
    volunteer_id: uuid.UUID, data: CredentialCreate, session: SessionDep, user: CurrentUser
) -> VolunteerRead:
    """Declare your driving licence or insurance, for the hub to check."""
    volunteer = await initiative_service.declare_credential(session, user, volunteer_id, data)
    return await one(volunteer_views(session, [volunteer]))


@volunteers_router.post(
    "/{volunteer_id}/credentials/{credential_id}/decide", response_model=VolunteerRead, responses=ON_VOLUNTEER
)
async def decide_credential(
    volunteer_id: uuid.UUID, credential_id: uuid.UUID, data: CredentialDecision, session: SessionDep, user: CurrentUser
) -> VolunteerRead:
    """Mark a declared document verified (with its expiry) or rejected (the coordinators)."""
    volunteer = await initiative_service.decide_credential(session, user, volunteer_id, credential_id, data)
    return await one(volunteer_views(session, [volunteer]))


@rides_router.get("", response_model=Page[RideRead], responses=error_responses(NotAuthenticated))
async def list_my_rides(session: SessionDep, user: CurrentUser, page: PageParamsDep) -> Paginated[RideRead]:
    """Rides you asked for or drive, latest first."""
    found = await rides.list_my_rides(session, user, page)
    return found.with_items(await ride_views(session, found.items))


@rides_router.get(
    "/{ride_id}", response_model=RideRead, responses=error_responses(NotAuthenticated, rides.RideNotFound)
)
async def get_ride(ride_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> RideRead:
    """One ride (its requester, its volunteer, the coordinators)."""
    seen = await rides.get_ride(session, user, ride_id)
    return await one(ride_views(session, [seen]))


@rides_router.post(
    "/{ride_id}/assign",
    response_model=RideRead,
    responses=merge_responses(ON_RIDE, error_responses(rides.NotAVolunteer)),
)
async def assign_ride(
    ride_id: uuid.UUID, data: RideAssign, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> RideRead:
    """Give a waiting ride to a volunteer (the coordinators; send If-Match)."""
    seen = await rides.assign(session, user, ride_id, data.volunteer_id, if_match=if_match)
    return await one(ride_views(session, [seen]))


@rides_router.post("/{ride_id}/claim", response_model=RideRead, responses=ON_RIDE)
async def claim_ride(ride_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> RideRead:
    """Take a waiting ride yourself (the initiative's volunteers; send If-Match)."""
    seen = await rides.claim(session, user, ride_id, if_match=if_match)
    return await one(ride_views(session, [seen]))


@rides_router.post("/{ride_id}/complete", response_model=RideRead, responses=ON_RIDE)
async def complete_ride(ride_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> RideRead:
    """Mark a ride done (its volunteer or the coordinators, once it has started)."""
    seen = await rides.complete(session, user, ride_id, if_match=if_match)
    return await one(ride_views(session, [seen]))


@rides_router.post("/{ride_id}/cancel", response_model=RideRead, responses=ON_RIDE)
async def cancel_ride(
    ride_id: uuid.UUID, data: RideCancel, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> RideRead:
    """Cancel a ride (its requester or the coordinators); its volunteer is freed."""
    seen = await rides.cancel(session, user, ride_id, reason=data.reason, if_match=if_match)
    return await one(ride_views(session, [seen]))
