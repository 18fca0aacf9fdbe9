"""Funding programmes: written by admins, read by staff in every state and by everyone once open.

    draft ──open──▶ open ──close──▶ closed ──archive──▶ archived
      └────────────archive (never opened)───────────────▶ archived

* Opening funds the programme's budget account from its funder's account in the ledger
  (`programme.funded`, once: the transfer's key is the programme's), so a programme's money is
  never more than its budget. Terms (budget, rules, amount rule, window) change only while a draft;
  names and descriptions until archived. Every change sends If-Match (412 when stale).
* Closing stops new applications; grants already made stay spendable until they expire.
* Citizens and anyone else read open and closed programmes (public information); drafts and
  archived programmes are for hub operators and admins (404 for others).

Spending finds a household's wallets through `active_grants` (app/programmes/grants.py, re-exported).
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger, money
from app.catalog import service as catalog_service
from app.concurrency import ensure_version
from app.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from app.models import AccountKind, Programme, ProgrammeStatus, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.programmes import repository as repo
from app.programmes.grants import GrantFunding, active_grants, milan_today
from app.programmes.schemas import ProgrammeCreate, ProgrammeFields, ProgrammeUpdate
from app.zones import service as zone_service

__all__ = ["GrantFunding", "active_grants"]

STAFF = (Role.hub_operator, Role.admin)
PUBLIC_STATES = (ProgrammeStatus.open, ProgrammeStatus.closed)
# Fields that only a draft may change: a programme's terms once households apply under them.
TERMS = frozenset(ProgrammeFields.model_fields) - {"name_it", "name_en", "description_it", "description_en"}
TRANSITIONS: dict[str, tuple[tuple[ProgrammeStatus, ...], ProgrammeStatus]] = {
    "open": ((ProgrammeStatus.draft,), ProgrammeStatus.open),
    "close": ((ProgrammeStatus.open,), ProgrammeStatus.closed),
    "archive": ((ProgrammeStatus.draft, ProgrammeStatus.closed), ProgrammeStatus.archived),
}


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"


class InvalidProgrammeTransition(InvalidTransition):
    pass


class ProgrammeTermsLocked(Conflict):
    """A programme's terms (budget, rules, amounts, window) are fixed once it opens: households
    apply under them."""

    code, title = "programme_terms_locked", "Programme Terms Locked"


class ProgrammeWindowOver(Conflict):
    code, title = "programme_window_over", "Programme Window Over"


# --- reading ---------------------------------------------------------------------------------------


def _visible(user: User | None, programme: Programme) -> bool:
    return programme.status in PUBLIC_STATES or (user is not None and user.role in STAFF)


async def get_programme(session: AsyncSession, user: User | None, programme_id: uuid.UUID) -> Programme:
    programme = await repo.get_programme(session, programme_id)
    if programme is None or not _visible(user, programme):
        raise ProgrammeNotFound("No programme with this id.")
    return programme


async def list_programmes(
    session: AsyncSession,
    user: User | None,
    page: PageParams,
    *,
    status: ProgrammeStatus | None,
    category_id: uuid.UUID | None,
) -> Paginated[Programme]:
    visible = tuple(ProgrammeStatus) if user is not None and user.role in STAFF else PUBLIC_STATES
    statuses = [s for s in visible if status is None or s == status]
    stmt = repo.programmes_query(statuses=statuses, category_id=category_id)
    order = [SortKey(Programme.created_at, descending=True), SortKey(Programme.id, descending=True)]
    return await paginate(session, stmt, page, scope="programmes", order=order)


# --- admins: create, change, open, close, archive --------------------------------------------------


async def _check_terms(session: AsyncSession, programme: Programme) -> None:
    if programme.valid_until < programme.valid_from:
        raise ValidationFailed("valid_until is before valid_from.", pointer="/valid_until")
    for index, category_id in enumerate(programme.category_ids):
        await catalog_service.require_leaf_category(session, category_id, pointer=f"/category_ids/{index}")
    if programme.residence_nil_ids:
        nils = await zone_service.expand_to_nils(session, programme.residence_nil_ids, pointer="/residence_nil_ids")
        if sorted(nils) != sorted(set(programme.residence_nil_ids)):
            raise ValidationFailed("residence_nil_ids must name NILs, not Municipi.", pointer="/residence_nil_ids")
    low, high = programme.member_min_age, programme.member_max_age
    if low is not None and high is not None and high < low:
        raise ValidationFailed("member_max_age is below member_min_age.", pointer="/member_max_age")
    rule = programme.amount_rule
    # A wallet's share of each cost and its caps: what spending reads (the money contract).
    programme.coverage_percent = rule.get("coverage_percent", 100)
    programme.cap_per_hour_cents = rule.get("cap_per_hour_cents")
    programme.cap_per_grant_cents = rule.get("cap_per_grant_cents")
    largest = max([b["amount_cents"] for b in rule.get("bands", [])] + [rule.get("amount_cents") or 0])
    if max(largest, programme.cap_per_grant_cents or 0) > programme.budget_cents:
        raise ValidationFailed("A grant would be larger than the whole budget.", pointer="/amount_rule")


def _apply(programme: Programme, data: ProgrammeFields) -> None:
    for field in data.model_fields_set:
        value = getattr(data, field)
        if field == "amount_rule" and value is not None:
            value = value.model_dump(mode="json")
        if field in ("residence_nil_ids", "category_ids") and value is not None:
            value = list(dict.fromkeys(value))  # once each, in the order given
        if value is None and field not in ("isee_max_cents", "member_min_age", "member_max_age"):
            continue  # a required column: null leaves it as it is
        setattr(programme, field, value)


def _event(session: AsyncSession, actor: User, action: str, programme: Programme, **detail: object) -> None:
    payload = {"programme_id": str(programme.id), "status": programme.status.value, **detail}
    ledger.record(
        session, actor_id=actor.id, action=action, target_type="programme", target_id=programme.id, payload=payload
    )


async def create_programme(session: AsyncSession, user: User, data: ProgrammeCreate) -> Programme:
    programme = Programme(
        id=uuid.uuid4(),
        status=ProgrammeStatus.draft,
        description_it="",
        description_en="",
        residence_nil_ids=[],
        grant_period="programme",
        waitlist_when_exhausted=True,
        created_by_id=user.id,
    )
    _apply(programme, data)
    await _check_terms(session, programme)
    session.add(programme)
    _event(session, user, "programme.created", programme)
    await session.flush()
    return programme


async def update_programme(
    session: AsyncSession, user: User, programme_id: uuid.UUID, data: ProgrammeUpdate, *, if_match: list[int] | None
) -> Programme:
    programme = await _locked(session, programme_id)
    ensure_version(programme, if_match)
    if programme.status == ProgrammeStatus.archived:
        raise InvalidProgrammeTransition("An archived programme no longer changes.", current_state=programme.status)
    terms = sorted(TERMS & data.model_fields_set)
    if terms and programme.status != ProgrammeStatus.draft:
        raise ProgrammeTermsLocked(
            f"Only a draft's terms change; this programme is {programme.status}: {', '.join(terms)}."
        )
    _apply(programme, data)
    await _check_terms(session, programme)
    _event(session, user, "programme.updated", programme, fields=sorted(data.model_fields_set))
    await session.flush()
    return programme


async def _locked(session: AsyncSession, programme_id: uuid.UUID) -> Programme:
    programme = await repo.get_programme(session, programme_id, for_update=True)
    if programme is None:
        raise ProgrammeNotFound("No programme with this id.")
    return programme


async def change_status(
    session: AsyncSession, user: User, programme_id: uuid.UUID, action: str, *, if_match: list[int] | None
) -> Programme:
    """open, close or archive, under the programme's row lock (grants wait behind it)."""
    programme = await _locked(session, programme_id)
    ensure_version(programme, if_match)
    sources, target = TRANSITIONS[action]
    if programme.status not in sources:
        raise InvalidProgrammeTransition(
            f"A {programme.status} programme cannot {action}.", current_state=programme.status
        )
    now = datetime.now(UTC)
    if action == "open":
        if programme.valid_until < milan_today():
            raise ProgrammeWindowOver(f"The programme's window ended on {programme.valid_until}.")
        programme.budget_account_id = await _fund(session, user, programme)
        programme.opened_at = now
    elif action == "close":
        programme.closed_at = now
    else:
        programme.archived_at = now
    programme.status = target
    _event(session, user, f"programme.{target}", programme)
    await session.flush()
    return programme


async def _fund(session: AsyncSession, user: User, programme: Programme) -> uuid.UUID:
    """The budget moves from the funder's account (which goes negative by what the funder
    committed) to the programme's budget account; once, whatever retries (the key)."""
    funder = await money.account(session, AccountKind.funder, funder=programme.funder)
    budget = await money.account(session, AccountKind.programme_budget, programme_id=programme.id)
    await money.transfer(
        session,
        key=f"programme:{programme.id}:funded",
        kind="programme.funded",
        lines=[(funder, -programme.budget_cents), (budget, programme.budget_cents)],
        memo=f"Budget of {programme.name_it}",
        subject_type="programme",
        subject_id=programme.id,
        created_by_id=user.id,
    )
    return budget


def open_on(programme: Programme, day: date) -> bool:
    return programme.status == ProgrammeStatus.open and programme.valid_from <= day <= programme.valid_until
