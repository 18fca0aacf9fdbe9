"""Grants: a programme's money credited to a wallet of the household's own, spent through spending's
holds, and what is left unspent returned when the grant expires.

* Crediting (`credit`) runs under the programme's row lock, taken by the caller
  (app/programmes/applications.py) before anything else: the budget's available balance is read
  and, when it holds the amount, moved programme_budget -> household_wallet (`grant.credited`) in the
  same transaction. Lock order: programme row, then the ledger's account rows (money.transfer
  locks those in id order). Two applications never both see the last room in the budget.
* Expiry (`expire_due`, the worker): a grant past `expires_at` becomes expired and its wallet's
  available balance moves household_wallet -> programme_expired (`grant.expired`). Money held by a
  hold at that moment is not touched: the work it pays for was agreed while the grant was valid,
  so the hold may still be posted; once no hold is pending any more, a later sweep returns what
  the released holds gave back (`held_at_expiry_cents` marks the grants still to finish). Each
  transfer's key is the grant's, so a sweep run twice moves nothing twice.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger, money
from app.errors import NotFound
from app.models import AccountKind, Grant, GrantStatus, Programme, ProgrammeApplication, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.programmes import repository as repo
from app.programmes.eligibility import period_of

MILAN = ZoneInfo("Europe/Rome")
EXPIRY_BATCH = 200


def milan_today() -> date:
    return datetime.now(MILAN).date()


class GrantNotFound(NotFound):
    code = "grant_not_found"


# A grant with its wallet's balance: (grant, available cents, held cents), what its view shows.
GrantWithBalance = tuple[Grant, int, int]


async def _with_balances(session: AsyncSession, grants: list[Grant]) -> list[GrantWithBalance]:
    """Each grant with its wallet's available and held money: one ledger read for the whole page."""
    found = await money.balances(session, [grant.wallet_account_id for grant in grants])
    return [(g, found[g.wallet_account_id].available_cents, found[g.wallet_account_id].pending_cents) for g in grants]


async def get_grant(session: AsyncSession, user: User, grant_id: uuid.UUID) -> GrantWithBalance:
    """The household's grant, or any for an admin; 404 for anyone else."""
    grant = await repo.get_grant(session, grant_id)
    if grant is None or (grant.household_id != user.id and user.role != Role.admin):
        raise GrantNotFound("No grant with this id.")
    [found] = await _with_balances(session, [grant])
    return found


async def list_grants(
    session: AsyncSession, user: User, page: PageParams, *, status: GrantStatus | None, programme_id: uuid.UUID | None
) -> Paginated[GrantWithBalance]:
    household_id = None if user.role == Role.admin else user.id
    stmt = repo.grants_query(household_id=household_id, programme_id=programme_id, status=status)
    order = [SortKey(Grant.expires_at), SortKey(Grant.id)]
    found = await paginate(session, stmt, page, scope="grants", order=order)
    return found.with_items(await _with_balances(session, found.items))


@dataclass(frozen=True, slots=True)
class GrantFunding:
    """What spending needs to know of a wallet that may pay for a category (the money contract)."""

    grant_id: uuid.UUID
    wallet_account_id: uuid.UUID
    programme_id: uuid.UUID
    programme_name_it: str
    programme_name_en: str
    coverage_percent: int
    cap_per_hour_cents: int | None
    cap_per_grant_cents: int | None
    expires_at: datetime
    available_cents: int


async def active_grants(
    session: AsyncSession, household_id: uuid.UUID, *, category_id: uuid.UUID, on: date
) -> list[GrantFunding]:
    """The household's active, unexpired grants from programmes paying for `category_id`, earliest
    expiry first, each with its wallet's available balance (posted minus pending holds)."""
    found = await repo.funding_grants(session, household_id, category_id=category_id, on=on, now=datetime.now(UTC))
    funding = []
    for grant, programme in found:
        balance = await money.balance(session, grant.wallet_account_id)
        funding.append(
            GrantFunding(
                grant_id=grant.id,
                wallet_account_id=grant.wallet_account_id,
                programme_id=programme.id,
                programme_name_it=programme.name_it,
                programme_name_en=programme.name_en,
                coverage_percent=programme.coverage_percent,
                cap_per_hour_cents=programme.cap_per_hour_cents,
                cap_per_grant_cents=programme.cap_per_grant_cents,
                expires_at=grant.expires_at,
                available_cents=balance.available_cents,
            )
        )
    return funding


async def budget_available(session: AsyncSession, programme: Programme) -> int:
    if programme.budget_account_id is None:
        return 0
    return (await money.balance(session, programme.budget_account_id)).available_cents


async def credit(
    session: AsyncSession,
    programme: Programme,
    application: ProgrammeApplication,
    amount_cents: int,
    *,
    actor_id: uuid.UUID | None,
) -> Grant:
    """Grant `amount_cents` to the application's household. The caller holds the programme's row
    lock and has checked the budget's room."""
    grant_id = uuid.uuid4()
    assert programme.budget_account_id is not None  # an open programme has been funded
    wallet = await money.account(
        session,
        AccountKind.household_wallet,
        programme_id=programme.id,
        household_id=application.household_id,
        grant_id=grant_id,
    )
    now = datetime.now(UTC)
    grant = Grant(
        id=grant_id,
        programme_id=programme.id,
        household_id=application.household_id,
        application_id=application.id,
        period=period_of(programme, milan_today()),
        amount_cents=amount_cents,
        expires_at=now + timedelta(days=programme.grant_validity_days),
        status=GrantStatus.active,
        wallet_account_id=wallet,
    )
    session.add(grant)
    await session.flush()  # the unique (programme, household, period) index answers here
    await money.transfer(
        session,
        key=f"grant:{grant.id}:credited",
        kind="grant.credited",
        lines=[(programme.budget_account_id, -amount_cents), (wallet, amount_cents)],
        memo=f"Grant of {programme.name_it}",
        subject_type="grant",
        subject_id=grant.id,
    )
    ledger.record(
        session,
        actor_id=actor_id,
        action="grant.credited",
        target_type="grant",
        target_id=grant.id,
        payload={
            "grant_id": str(grant.id),
            "programme_id": str(programme.id),
            "household_id": str(grant.household_id),
            "amount_cents": amount_cents,
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    ledger.notify(
        session,
        [grant.household_id],
        kind="grant.credited",
        subject_type="grant",
        subject_id=grant.id,
        data={
            "programme_id": str(programme.id),
            "amount_cents": amount_cents,
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    return grant


async def _return_unspent(session: AsyncSession, grant: Grant, *, key: str) -> tuple[int, int]:
    """Move the wallet's available balance to the programme's expired account; (moved, still held)."""
    balance = await money.balance(session, grant.wallet_account_id)
    if balance.available_cents > 0:
        expired = await money.account(session, AccountKind.programme_expired, programme_id=grant.programme_id)
        await money.transfer(
            session,
            key=key,
            kind="grant.expired",
            lines=[(grant.wallet_account_id, -balance.available_cents), (expired, balance.available_cents)],
            memo="Unspent grant expired",
            subject_type="grant",
            subject_id=grant.id,
        )
    return max(balance.available_cents, 0), balance.pending_cents


async def expire_due(session: AsyncSession, now: datetime | None = None) -> int:
    """Expire the grants past their date (the worker); returns how many changed state."""
    now = now or datetime.now(UTC)
    grants = await repo.claim_due_grants(session, now, limit=EXPIRY_BATCH)
    for grant in grants:
        moved, held = await _return_unspent(session, grant, key=f"grant:{grant.id}:expired")
        grant.status = GrantStatus.expired
        grant.expired_at = now
        grant.expired_cents = moved
        grant.held_at_expiry_cents = held or None
        payload = {"grant_id": str(grant.id), "programme_id": str(grant.programme_id), "expired_cents": moved}
        ledger.record(
            session, actor_id=None, action="grant.expired", target_type="grant", target_id=grant.id, payload=payload
        )
        ledger.notify(
            session,
            [grant.household_id],
            kind="grant.expired",
            subject_type="grant",
            subject_id=grant.id,
            data={"programme_id": str(grant.programme_id), "expired_cents": moved},
        )
    for grant in await repo.claim_expired_with_holds(session, limit=EXPIRY_BATCH):
        balance = await money.balance(session, grant.wallet_account_id)
        if balance.pending_cents > 0:
            continue  # a hold still reserves money: its work may still be confirmed
        moved, _ = await _return_unspent(session, grant, key=f"grant:{grant.id}:expired:rest")
        grant.expired_cents = (grant.expired_cents or 0) + moved
        grant.held_at_expiry_cents = None
    await session.flush()
    return len(grants)
