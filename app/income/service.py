"""ISEE declarations: a citizen declares their household's ISEE, city staff verify or reject it
against the attestation, and other domains read the verified value in force (`verified_isee`).

Who sees a declaration: its household; hub operators whose hubs serve its NIL; municipal admins.
Anyone else gets 404, as for another household's request. Each staff read of the value is an
audited access (`isee.read_by_staff`), the way staff reads of a household's request are.
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import service as account_service
from app.concurrency import ensure_version
from app.errors import InvalidTransition, NotFound, ValidationFailed
from app.income import repository as repo
from app.income import rules
from app.income.rules import IseeValue
from app.income.schemas import IseeDeclarationCreate, IseeRejectionCreate, IseeVerificationCreate
from app.models import IseeDeclaration, IseeStatus, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate


class IseeDeclarationNotFound(NotFound):
    code = "isee_declaration_not_found"


class IseeDeclarationNotPending(InvalidTransition):
    """Only a pending declaration is verified or rejected."""


class IseeProtocolMismatch(ValidationFailed):
    code = "isee_protocol_mismatch"


class IseeExpired(ValidationFailed):
    code = "isee_expired"


class IseeNotANil(ValidationFailed):
    code = "isee_nil_required"


async def verified_isee(session: AsyncSession, household_id: uuid.UUID, *, on: date) -> IseeValue | None:
    """The household's verified ISEE that counted on `on` (issued by then, not yet expired), or None."""
    return await repo.isee_value_on(session, household_id, on)


# --- the household ---------------------------------------------------------------------------------


async def declare(session: AsyncSession, user: User, data: IseeDeclarationCreate) -> IseeDeclaration:
    """A new declaration, pending verification. It supersedes the household's pending one at once;
    the verified one stays in force until this one is verified (then it is superseded)."""
    if not await repo.is_nil(session, data.nil_id):
        raise IseeNotANil(
            "nil_id must be a NIL (a neighbourhood), not a Municipio or an unknown zone.", pointer="/nil_id"
        )
    today = rules.today()
    if data.issue_date > today:
        raise ValidationFailed("issue_date cannot be in the future.", pointer="/issue_date")
    if data.issue_date < rules.earliest_issue_date(data.variant):
        raise IseeExpired("A DSU filed this long ago is no longer valid.", pointer="/issue_date")
    if rules.protocol_year(data.dsu_protocol) != data.issue_date.year:
        raise IseeProtocolMismatch(
            f"The protocol names the year a DSU was filed; it does not match issue_date ({data.issue_date.year}).",
            pointer="/dsu_protocol",
        )
    valid_until = rules.valid_until(data.variant, data.issue_date)
    if valid_until < today:
        raise IseeExpired(
            f"This ISEE expired on {valid_until.isoformat()}: file a new DSU and declare that one.",
            pointer="/issue_date",
        )
    await repo.lock_household(session, user.id)
    now = datetime.now(UTC)
    previous = await repo.live_of(session, user.id, IseeStatus.pending)
    if previous is not None:
        previous.status, previous.superseded_at = IseeStatus.superseded, now
        await session.flush()  # the unique index of pending ones sees one at a time
    declaration = IseeDeclaration(
        household_id=user.id,
        nil_id=data.nil_id,
        variant=data.variant,
        value_cents=data.value_cents,
        dsu_protocol=data.dsu_protocol,
        issue_date=data.issue_date,
        valid_until_date=valid_until,
    )
    session.add(declaration)
    await session.flush()
    # The value stays out of the audit and of the event: personal data, read through the API only.
    ledger.record(
        session,
        actor_id=user.id,
        action="isee.declared",
        target_type="isee_declaration",
        target_id=declaration.id,
        payload={"isee_declaration_id": str(declaration.id), "household_id": str(user.id)},
    )
    return declaration


async def mine(session: AsyncSession, user: User) -> tuple[IseeDeclaration | None, IseeDeclaration | None]:
    """(the declaration in force today, the latest declaration) of the caller's household."""
    value = await verified_isee(session, user.id, on=rules.today())
    in_force = None if value is None else await repo.get(session, value.declaration_id)
    return in_force, await repo.latest_of(session, user.id)


# --- staff -----------------------------------------------------------------------------------------


async def _staff_may_read(session: AsyncSession, user: User, declaration: IseeDeclaration) -> bool:
    if user.role == Role.admin:
        return True
    return user.role == Role.hub_operator and declaration.nil_id in await account_service.operated_nil_ids(
        session, user
    )


def audit_staff_reads(session: AsyncSession, user: User, declarations: list[IseeDeclaration]) -> None:
    """A household's ISEE seen by city staff is an audited access (GDPR accountability), one entry
    per declaration shown."""
    for declaration in declarations:
        if declaration.household_id != user.id:
            ledger.audit(
                session,
                actor_id=user.id,
                actor_kind="user",
                action="isee.read_by_staff",
                target_type="isee_declaration",
                target_id=declaration.id,
            )


async def get_visible(
    session: AsyncSession, user: User, declaration_id: uuid.UUID, *, for_update: bool = False
) -> IseeDeclaration:
    """A declaration the caller may see (its household, its NIL's operators, admins); else 404."""
    declaration = await repo.get(session, declaration_id, for_update=for_update)
    if declaration is None or not (
        declaration.household_id == user.id or await _staff_may_read(session, user, declaration)
    ):
        raise IseeDeclarationNotFound("No ISEE declaration with this id.")
    audit_staff_reads(session, user, [declaration])
    return declaration


async def list_for_staff(
    session: AsyncSession, user: User, page: PageParams, *, status: IseeStatus | None
) -> Paginated[IseeDeclaration]:
    """Declarations of the NILs the caller's hubs serve (admins: every NIL), oldest first: the queue
    to verify is `status=pending`."""
    nil_ids = None if user.role == Role.admin else await account_service.operated_nil_ids(session, user)
    found = await paginate(
        session,
        repo.declarations_query(status=status, nil_ids=nil_ids),
        page,
        scope=f"isee:{status}",
        order=[SortKey(IseeDeclaration.created_at), SortKey(IseeDeclaration.id)],
    )
    audit_staff_reads(session, user, found.items)
    return found


async def _pending_for_decision(
    session: AsyncSession, user: User, declaration_id: uuid.UUID, if_match: list[int] | None
) -> IseeDeclaration:
    declaration = await get_visible(session, user, declaration_id, for_update=True)
    if declaration.household_id == user.id:
        raise IseeDeclarationNotFound("No ISEE declaration with this id.")  # nobody verifies their own
    ensure_version(declaration, if_match)
    if declaration.status != IseeStatus.pending:
        raise IseeDeclarationNotPending(
            f"This declaration is {declaration.status.value}; only a pending one is verified or rejected.",
            current_state=declaration.status.value,
        )
    return declaration


async def verify(
    session: AsyncSession,
    user: User,
    declaration_id: uuid.UUID,
    data: IseeVerificationCreate,
    if_match: list[int] | None,
) -> IseeDeclaration:
    """Staff saw the attestation and it matches: the declaration is in force, the previous verified
    one superseded. Lock order: the household's account row, then its declarations (as declare)."""
    declaration = await _pending_for_decision(session, user, declaration_id, if_match)
    await repo.lock_household(session, declaration.household_id)
    now = datetime.now(UTC)
    previous = await repo.live_of(session, declaration.household_id, IseeStatus.verified)
    if previous is not None:
        previous.status, previous.superseded_at = IseeStatus.superseded, now
        await session.flush()  # the unique index of verified ones sees one at a time
    declaration.status = IseeStatus.verified
    declaration.verified_at, declaration.verified_by_id = now, user.id
    declaration.verifier_name = "Comune di Milano" if user.role == Role.admin else "Spazio WeMi"
    declaration.evidence_ref = data.evidence_ref
    await session.flush()
    ledger.record(
        session,
        actor_id=user.id,
        action="isee.verified",
        target_type="isee_declaration",
        target_id=declaration.id,
        payload={"isee_declaration_id": str(declaration.id), "household_id": str(declaration.household_id)},
        detail={"evidence_ref": data.evidence_ref},
    )
    ledger.notify(
        session,
        [declaration.household_id],
        kind="isee.verified",
        subject_type="isee_declaration",
        subject_id=declaration.id,
    )
    return declaration


async def reject(
    session: AsyncSession, user: User, declaration_id: uuid.UUID, data: IseeRejectionCreate, if_match: list[int] | None
) -> IseeDeclaration:
    """The attestation does not match (or was not shown): the household is told why; a verified
    declaration it had stays in force."""
    declaration = await _pending_for_decision(session, user, declaration_id, if_match)
    declaration.status = IseeStatus.rejected
    declaration.rejected_at, declaration.rejected_by_id = datetime.now(UTC), user.id
    declaration.rejection_reason = data.reason
    await session.flush()
    ledger.record(
        session,
        actor_id=user.id,
        action="isee.rejected",
        target_type="isee_declaration",
        target_id=declaration.id,
        payload={"isee_declaration_id": str(declaration.id), "household_id": str(declaration.household_id)},
        detail={"reason": data.reason},
    )
    ledger.notify(
        session,
        [declaration.household_id],
        kind="isee.rejected",
        subject_type="isee_declaration",
        subject_id=declaration.id,
        data={"reason": data.reason},
    )
    return declaration
