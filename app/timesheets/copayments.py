"""Co-payments: the household's share of a confirmed week, paid to the provider directly (bank
transfer, card at the provider, PagoPA for public providers); the platform never holds it. The
provider's staff mark it received; both sides list what is outstanding."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.errors import InvalidTransition, NotFound
from app.models import Copayment, CopaymentStatus, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access
from app.timesheets import repository as repo
from app.timesheets.schemas import CopaymentReceived


class CopaymentNotFound(NotFound):
    code = "copayment_not_found"


class InvalidCopaymentTransition(InvalidTransition):
    pass


async def list_copayments(
    session: AsyncSession, user: User, page: PageParams, *, status: CopaymentStatus | None
) -> Paginated[Copayment]:
    """The caller's household's co-payments, and those owed to the providers they work for."""
    stmt = repo.copayments_query(
        household_id=user.id if user.role == Role.citizen else None,
        provider_ids=await provider_access.staff_provider_ids(session, user.id),
        status=status,
    )
    return await paginate(
        session,
        stmt,
        page,
        scope="copayments",
        order=[SortKey(Copayment.due_at, descending=True), SortKey(Copayment.id, descending=True)],
    )


async def mark_received(
    session: AsyncSession, user: User, copayment_id: uuid.UUID, data: CopaymentReceived, *, if_match: list[int] | None
) -> Copayment:
    copayment = await repo.get_copayment(session, copayment_id, for_update=True)
    staff_of = await provider_access.staff_provider_ids(session, user.id)
    if copayment is None or copayment.provider_id not in staff_of:
        raise CopaymentNotFound("No co-payment owed to your provider with this id.")
    ensure_version(copayment, if_match)
    if copayment.status != CopaymentStatus.due:
        raise InvalidCopaymentTransition(
            f"The co-payment was already marked received on {copayment.received_at:%Y-%m-%d}.",
            current_state=copayment.status.value,
        )
    copayment.status, copayment.method, copayment.reference = CopaymentStatus.received, data.method, data.reference
    copayment.received_at, copayment.received_by_id = datetime.now(UTC), user.id
    await session.flush()
    ledger.record(
        session,
        actor_id=user.id,
        action="copayment.received",
        target_type="copayment",
        target_id=copayment.id,
        payload={
            "copayment_id": str(copayment.id),
            "timesheet_id": str(copayment.timesheet_id),
            "provider_id": str(copayment.provider_id),
            "amount_cents": copayment.amount_cents,
            "method": data.method.value,
        },
    )
    ledger.notify(
        session,
        [copayment.household_id],
        kind="copayment.received",
        subject_type="copayment",
        subject_id=copayment.id,
        data={"copayment_id": str(copayment.id), "amount_cents": copayment.amount_cents, "method": data.method.value},
    )
    return copayment
