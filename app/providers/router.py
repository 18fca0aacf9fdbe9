import uuid
from typing import Annotated

from fastapi import Depends, status

from app.accounts.auth import CurrentUser, OptionalUser, require_roles
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import Role, User
from app.pagination import Page, PageParamsDep, Paginated
from app.providers import accreditation, verifications
from app.providers import service as provider_service
from app.providers.access import VERIFIERS, ProviderNotFound
from app.providers.schemas import (
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    StaffAdd,
    StaffRead,
    TransitionRead,
    TransitionRequest,
    VerificationCreate,
    VerificationRead,
)
from app.providers.views import provider_views, staff_views, transition_views, verification_views
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one
from app.zones.service import UnknownZones

router = api_router(prefix="/providers", tags=["providers"])
MANAGE = error_responses(NotAuthenticated, Forbidden, ProviderNotFound, PreconditionFailed)
# The city's accreditation decisions (request changes, accredit, suspend, reinstate).
CITY_DECIDES = Depends(require_roles(Role.admin, reason="Only municipal admins decide on accreditation."))
Verifier = Annotated[
    User,
    Depends(require_roles(*VERIFIERS, reason="Only municipal admins and hub operators record verifications.")),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProviderRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_provider", provider_id="id")],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        provider_service.IndividualProviderExists,
        RateLimited,
        IdempotencyInProgress,
        UnknownZones,
    ),
)
async def create_provider(data: ProviderCreate, session: SessionDep, user: CurrentUser) -> ProviderRead:
    """Register an organisation (provider staff) or one's own worker profile (workers), as a draft."""
    provider = await provider_service.create_provider(session, user, data)
    return await one(provider_views(session, [provider], viewer=user))


@router.get(
    "/{provider_id}", response_model=ProviderRead, responses=error_responses(NotAuthenticated, ProviderNotFound)
)
async def get_provider(provider_id: uuid.UUID, session: SessionDep, user: OptionalUser) -> ProviderRead:
    """One provider: public view, plus `private` details for its staff and municipal admins."""
    provider = await provider_service.get_provider(session, user, provider_id)
    return await one(provider_views(session, [provider], viewer=user))


@router.patch("/{provider_id}", response_model=ProviderRead, responses=MANAGE)
async def update_provider(
    provider_id: uuid.UUID, data: ProviderUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> ProviderRead:
    """Edit the profile (provider admins). Accreditation and badges are not editable here."""
    provider = await provider_service.update_provider(session, user, provider_id, data, if_match=if_match)
    return await one(provider_views(session, [provider], viewer=user))


def _transition_endpoint(action: accreditation.Action, summary: str):  # noqa: ANN202 - route factory
    async def endpoint(
        provider_id: uuid.UUID, data: TransitionRequest, session: SessionDep, user: CurrentUser, if_match: IfMatch
    ) -> ProviderRead:
        provider = await accreditation.transition(
            session, user, provider_id, action, reason=data.reason, if_match=if_match
        )
        return await one(provider_views(session, [provider], viewer=user))

    endpoint.__name__ = f"{action.value}_provider"
    endpoint.__doc__ = summary
    by_city = accreditation.TRANSITIONS[action][2] == "city"
    router.post(
        f"/{{provider_id}}/{action.value.replace('_', '-')}",
        response_model=ProviderRead,
        dependencies=[CITY_DECIDES] if by_city else [],
        responses=error_responses(
            NotAuthenticated,
            Forbidden,
            ProviderNotFound,
            PreconditionFailed,
            accreditation.InvalidAccreditationTransition,
        ),
    )(endpoint)


for _action, _summary in (
    (accreditation.Action.submit, "Submit for accreditation (provider admins), from draft or changes requested."),
    (accreditation.Action.request_changes, "Ask the provider for changes (municipal admins)."),
    (accreditation.Action.accredit, "Accredit: the provider and its published services become public (admins)."),
    (accreditation.Action.suspend, "Suspend: its services vanish from search at once (municipal admins)."),
    (accreditation.Action.reinstate, "Reinstate a suspended provider (municipal admins)."),
    (accreditation.Action.withdraw, "Withdraw from the platform for good (provider admins)."),
):
    _transition_endpoint(_action, _summary)


@router.get(
    "/{provider_id}/accreditation-history",
    response_model=Page[TransitionRead],
    responses=error_responses(NotAuthenticated, Forbidden, ProviderNotFound),
)
async def list_accreditation_history(
    provider_id: uuid.UUID, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Paginated[TransitionRead]:
    """Every accreditation transition with its reason (staff and admins)."""
    found = await accreditation.history(session, user, provider_id, page)
    return found.with_items(await transition_views(session, found.items))


@router.get(
    "/{provider_id}/staff",
    response_model=Page[StaffRead],
    responses=error_responses(NotAuthenticated, Forbidden, ProviderNotFound),
)
async def list_provider_staff(
    provider_id: uuid.UUID, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Paginated[StaffRead]:
    """The provider's staff (its staff and admins)."""
    found = await provider_service.list_staff(session, user, provider_id, page)
    return found.with_items(await staff_views(session, found.items))


@router.post(
    "/{provider_id}/staff",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffRead,
    responses=error_responses(NotAuthenticated, Forbidden, ProviderNotFound, provider_service.AlreadyStaff),
)
async def add_provider_staff(
    provider_id: uuid.UUID, data: StaffAdd, session: SessionDep, user: CurrentUser
) -> StaffRead:
    """Add a registered provider-staff account as admin or operator (provider admins)."""
    return await one(staff_views(session, [await provider_service.add_staff(session, user, provider_id, data)]))


@router.delete(
    "/{provider_id}/staff/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(
        NotAuthenticated, Forbidden, ProviderNotFound, provider_service.StaffNotFound, provider_service.LastAdmin
    ),
)
async def remove_provider_staff(
    provider_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> None:
    """Remove someone from the staff (provider admins); the last admin cannot be removed."""
    await provider_service.remove_staff(session, user, provider_id, user_id)


@router.post(
    "/{provider_id}/verifications",
    status_code=status.HTTP_201_CREATED,
    response_model=VerificationRead,
    dependencies=[IdempotencyKeyDep],
    responses=error_responses(NotAuthenticated, Forbidden, ProviderNotFound, IdempotencyInProgress),
)
async def create_verification(
    provider_id: uuid.UUID, data: VerificationCreate, session: SessionDep, user: Verifier
) -> VerificationRead:
    """Record a check on a provider (municipal admins and hub operators)."""
    verification = await verifications.record(session, user, provider_id, data)
    return await one(verification_views(session, [verification], viewer=user))


@router.get(
    "/{provider_id}/verifications",
    response_model=Page[VerificationRead],
    responses=error_responses(NotAuthenticated, ProviderNotFound),
)
async def list_verifications(
    provider_id: uuid.UUID, session: SessionDep, user: OptionalUser, page: PageParamsDep
) -> Paginated[VerificationRead]:
    """What was verified about a provider, by whom and until when (evidence for staff and admins)."""
    found = await verifications.list_verifications(session, user, provider_id, page)
    return found.with_items(await verification_views(session, found.items, viewer=user))
