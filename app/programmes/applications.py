"""Applications to a programme: the rule-by-rule check, the review queue, and the grant.

    submitted ──all rules pass──▶ granted | waitlisted (budget exhausted: programme_budget_exhausted)
        ├──a rule fails──▶ ineligible (status_code: the first failed rule, e.g. residence_failed)
        └──a rule needs a person──▶ needs_review ──approve──▶ granted | waitlisted
                                                  └─reject──▶ rejected
    waitlisted ──approve (the budget has room again)──▶ granted;  waitlisted ──reject──▶ rejected

* A citizen applies for their household; a hub operator may apply for a citizen living in the
  NILs their hubs serve (assisted mode), with the citizen's consent recorded (as operator-mode
  requests do: migration 0009; the database refuses an assisted application without consent).
* Who sees an application: the household; hub operators of the NIL it declared living in (the
  review queue); admins. Anyone else gets 404. Staff reads are audited (personal data).
* Never over-committed: every application and every approval of a programme first locks the
  programme's row (SELECT ... FOR UPDATE), then reads the budget's available balance and credits
  the grant in the same transaction (app/programmes/grants.py). Concurrent applications queue on
  the lock; those that find no room are waitlisted (or refused, as the programme says).
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import service as account_service
from app.concurrency import ensure_version
from app.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.income import service as income_service
from app.models import ApplicationStatus, Programme, ProgrammeApplication, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.programmes import eligibility, grants
from app.programmes import repository as repo
from app.programmes.grants import milan_today
from app.programmes.schemas import ApplicationCreate
from app.programmes.service import ProgrammeNotFound, open_on
from app.zones import service as zone_service

BUDGET_EXHAUSTED = "programme_budget_exhausted"


class ApplicationNotFound(NotFound):
    code = "programme_application_not_found"


class ProgrammeNotOpen(Conflict):
    code, title = "programme_not_open", "Programme Not Open"


class AlreadyApplied(Conflict):
    code, title = "programme_already_applied", "Already Applied"


class InvalidApplicationTransition(InvalidTransition):
    pass


class IseeNeededForAmount(Conflict):
    """The programme's amount depends on the ISEE band, and the household has no verified ISEE."""

    code, title = "isee_not_verified", "ISEE Not Verified"


# --- who may see and act ------------------------------------------------------------------------


async def _staff_reach(session: AsyncSession, user: User, application: ProgrammeApplication) -> bool:
    if user.role == Role.admin:
        return True
    if user.role != Role.hub_operator or application.residence_nil_id is None:
        return False
    return application.residence_nil_id in await account_service.operated_nil_ids(session, user)


async def get_application(session: AsyncSession, user: User, application_id: uuid.UUID) -> ProgrammeApplication:
    application = await repo.get_application(session, application_id)
    if application is None:
        raise ApplicationNotFound("No application with this id.")
    if application.household_id == user.id:
        return application
    if not await _staff_reach(session, user, application):
        raise ApplicationNotFound("No application with this id.")
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="programme_application.read_by_staff",
        target_type="programme_application",
        target_id=application.id,
    )
    return application


async def list_applications(
    session: AsyncSession,
    user: User,
    page: PageParams,
    *,
    status: ApplicationStatus | None,
    programme_id: uuid.UUID | None,
) -> Paginated[ProgrammeApplication]:
    """Citizens: their own. Hub operators: the households living in their hubs' NILs (the review
    queue is `status=needs_review`). Admins: all. Others: none."""
    household_id, nil_ids = None, None
    if user.role == Role.hub_operator:
        nil_ids = await account_service.operated_nil_ids(session, user)
    elif user.role != Role.admin:
        household_id = user.id
    stmt = repo.applications_query(household_id=household_id, nil_ids=nil_ids, status=status, programme_id=programme_id)
    order = [SortKey(ProgrammeApplication.created_at), SortKey(ProgrammeApplication.id)]
    return await paginate(session, stmt, page, scope=f"programme-applications:{status}", order=order)


# --- applying -----------------------------------------------------------------------------------


async def _for_whom(session: AsyncSession, user: User, data: ApplicationCreate) -> tuple[uuid.UUID, datetime | None]:
    if user.role == Role.citizen:
        if data.citizen_id not in (None, user.id) or data.consent_note is not None:
            raise Forbidden("Citizens apply for their own household.")
        return user.id, None
    if user.role == Role.hub_operator:
        if data.citizen_id is None or data.consent_note is None:
            raise ValidationFailed("Applying for a citizen needs citizen_id and consent_note.", pointer="/citizen_id")
        citizen = await account_service.find_by_id(session, data.citizen_id)
        if citizen is None or citizen.role != Role.citizen:
            raise ValidationFailed("citizen_id is not a citizen's account.", pointer="/citizen_id")
        if data.residence_nil_id not in await account_service.operated_nil_ids(session, user):
            raise Forbidden("Hub operators apply for households living in the NILs their hubs serve.")
        return citizen.id, datetime.now(UTC)
    raise Forbidden("Applications are made by citizens, or by hub operators for them.")


async def _check(
    session: AsyncSession, programme: Programme, application: ProgrammeApplication
) -> tuple[list[eligibility.Check], int | None]:
    today = milan_today()
    isee = await income_service.verified_isee(session, application.household_id, on=today)
    application.isee_cents = isee.value_cents if isee is not None else None
    nil_name = None
    if application.residence_nil_id is not None:
        nil_name = (await zone_service.get_zone(session, application.residence_nil_id)).name
    facts = eligibility.Facts(
        residence_nil_id=application.residence_nil_id,
        residence_nil_name=nil_name,
        member_birth_dates=list(application.member_birth_dates),
        isee_cents=application.isee_cents,
        granted_in_period=await repo.has_grant_in_period(
            session, programme.id, application.household_id, eligibility.period_of(programme, today)
        ),
        today=today,
    )
    return eligibility.check(programme, facts), eligibility.grant_amount(programme, application.isee_cents)


async def apply(
    session: AsyncSession, user: User, programme_id: uuid.UUID, data: ApplicationCreate
) -> ProgrammeApplication:
    household_id, consent_at = await _for_whom(session, user, data)
    if data.residence_nil_id is not None:
        nils = await zone_service.expand_to_nils(session, [data.residence_nil_id], pointer="/residence_nil_id")
        if nils != [data.residence_nil_id]:
            raise ValidationFailed("residence_nil_id must name a NIL, not a Municipio.", pointer="/residence_nil_id")
    programme = await repo.get_programme(session, programme_id, for_update=True)  # lock order: programme first
    if programme is None or programme.status.value in ("draft", "archived"):
        raise ProgrammeNotFound("No programme with this id.")
    if not open_on(programme, milan_today()):
        raise ProgrammeNotOpen(
            f"The programme takes applications while open, {programme.valid_from} to {programme.valid_until}; "
            f"it is {programme.status}."
        )
    if await repo.live_application(session, programme.id, household_id) is not None:
        raise AlreadyApplied("The household already has an application under review, waitlisted or granted here.")
    application = ProgrammeApplication(
        id=uuid.uuid4(),
        programme_id=programme.id,
        household_id=household_id,
        created_by_id=user.id,
        consent_recorded_at=consent_at,
        consent_note=data.consent_note if consent_at else None,
        residence_nil_id=data.residence_nil_id,
        member_birth_dates=sorted(data.member_birth_dates),
        status=ApplicationStatus.needs_review,
        checks=[],
    )
    checks, amount = await _check(session, programme, application)
    application.checks = [c.as_json() for c in checks]
    outcome, failed_code = eligibility.verdict(checks)
    session.add(application)
    await session.flush()
    if outcome == "fail":
        application.status, application.status_code = ApplicationStatus.ineligible, failed_code
    elif outcome == "needs_review":
        application.status = ApplicationStatus.needs_review
    else:
        assert amount is not None  # every rule passed, the band rule included
        await _grant_or_waitlist(session, programme, application, amount, actor_id=user.id)
    _decided(session, user, application, action="programme_application.submitted")
    await session.flush()
    return application


async def _grant_or_waitlist(
    session: AsyncSession, programme: Programme, application: ProgrammeApplication, amount: int, *, actor_id: uuid.UUID
) -> None:
    """Under the programme's row lock: credit the grant if the budget holds it, else waitlist."""
    if await grants.budget_available(session, programme) >= amount:
        await grants.credit(session, programme, application, amount, actor_id=actor_id)
        application.status, application.status_code = ApplicationStatus.granted, None
    elif programme.waitlist_when_exhausted:
        application.status, application.status_code = ApplicationStatus.waitlisted, BUDGET_EXHAUSTED
    else:
        application.status, application.status_code = ApplicationStatus.ineligible, BUDGET_EXHAUSTED


def _decided(session: AsyncSession, actor: User, application: ProgrammeApplication, *, action: str) -> None:
    payload = {
        "application_id": str(application.id),
        "programme_id": str(application.programme_id),
        "status": application.status.value,
        "status_code": application.status_code,
    }
    detail = {**payload, "reason": application.decision_reason, "on_behalf": application.household_id != actor.id}
    ledger.record(
        session,
        actor_id=actor.id,
        action=action,
        target_type="programme_application",
        target_id=application.id,
        payload=payload,
        detail=detail,
    )
    if application.status != ApplicationStatus.needs_review:
        ledger.notify(
            session,
            [application.household_id],
            kind="programme_application.decided",
            subject_type="programme_application",
            subject_id=application.id,
            data={"programme_id": str(application.programme_id), "status": application.status.value},
        )


# --- review: approve or reject ------------------------------------------------------------------


async def _for_review(
    session: AsyncSession, user: User, application_id: uuid.UUID, *, if_match: list[int] | None
) -> tuple[Programme, ProgrammeApplication]:
    found = await repo.get_application(session, application_id)
    if found is None or not await _staff_reach(session, user, found):
        raise ApplicationNotFound("No application with this id.")
    programme = await repo.get_programme(session, found.programme_id, for_update=True)  # programme, then application
    application = await repo.get_application(session, application_id, for_update=True)
    assert programme is not None and application is not None  # a programme is never deleted under its applications
    ensure_version(application, if_match)
    if application.status not in (ApplicationStatus.needs_review, ApplicationStatus.waitlisted):
        raise InvalidApplicationTransition(
            f"Only applications under review or waitlisted are decided; this one is {application.status}.",
            current_state=application.status,
        )
    return programme, application


async def approve(
    session: AsyncSession, user: User, application_id: uuid.UUID, *, reason: str | None, if_match: list[int] | None
) -> ProgrammeApplication:
    """A reviewer found the rules met (the attestation seen at a hub): grant, budget permitting."""
    programme, application = await _for_review(session, user, application_id, if_match=if_match)
    if not open_on(programme, milan_today()):
        raise ProgrammeNotOpen(f"The programme is {programme.status}: no new grants.")
    checks, amount = await _check(session, programme, application)
    failed = next((c for c in checks if c.outcome == "fail"), None)
    if failed is not None:
        raise InvalidApplicationTransition(f"A rule fails now: {failed.reason}", current_state=application.status)
    if amount is None:
        raise IseeNeededForAmount(
            "The grant's amount depends on the ISEE band: have the household's ISEE verified first."
        )
    application.checks = [c.as_json() for c in checks]
    application.decided_by_id, application.decided_at = user.id, datetime.now(UTC)
    application.decision_reason = reason
    await _grant_or_waitlist(session, programme, application, amount, actor_id=user.id)
    _decided(session, user, application, action="programme_application.approved")
    await session.flush()
    return application


async def reject(
    session: AsyncSession, user: User, application_id: uuid.UUID, *, reason: str, if_match: list[int] | None
) -> ProgrammeApplication:
    _, application = await _for_review(session, user, application_id, if_match=if_match)
    application.status, application.status_code = ApplicationStatus.rejected, "rejected_by_reviewer"
    application.decided_by_id, application.decided_at = user.id, datetime.now(UTC)
    application.decision_reason = reason
    _decided(session, user, application, action="programme_application.rejected")
    await session.flush()
    return application
