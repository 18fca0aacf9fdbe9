"""Quote deadlines: by when the providers invited to a quote-mode request must answer.

Rules (decided for issue 12, item 4):

* Only quote mode carries `quotes_due_at` (the other modes have no invited set to hold to a date).
* When set, it is at least 24 h ahead (invited providers get a day at least) and before the
  request's `valid_until` (for a draft: before the validity it would get if opened now, so it is
  still before it whenever it opens: opening a draft whose deadline is less than 24 h away is
  refused until the deadline moves).
* While the request is a draft, PATCH sets, moves or clears it freely. Once it is open, providers
  may be working to it, so it only ever moves later (never earlier, never removed, never added
  where there was none), and every invited provider's staff is told. Sending the current value
  again changes nothing. Accepted, fulfilled, cancelled or expired requests are not edited at all
  (PATCH's own 409).
* From the deadline on, a new offer is a 409 `quotes_closed`; offers made before stay and may still
  be accepted. The request stays in the inbox, since the citizen may extend the deadline.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.demand import notices
from app.demand import repository as repo
from app.errors import Conflict, ValidationFailed
from app.models import DemandRequest, RequestMode, RequestStatus, User

NOTICE = timedelta(hours=24)  # the least time invited providers get, and when they are reminded
POINTER = "/quotes_due_at"


class QuotesDueNotQuoteMode(ValidationFailed):
    code, title = "quotes_due_not_quote_mode", "Quotes Deadline Needs Quote Mode"


class QuotesDueTooSoon(ValidationFailed):
    code, title = "quotes_due_too_soon", "Quotes Deadline Too Soon"


class QuotesDueAfterValidity(ValidationFailed):
    code, title = "quotes_due_after_validity", "Quotes Deadline After Validity"


class QuotesDueNotLater(ValidationFailed):
    code, title = "quotes_due_not_later", "Quotes Deadline Only Moves Later"


class QuotesClosed(Conflict):
    code, title = "quotes_closed", "Quotes Closed"


def _check(request: DemandRequest, due: datetime, now: datetime, *, horizon: datetime) -> None:
    if request.mode != RequestMode.quote:
        raise QuotesDueNotQuoteMode(
            f"Only quote-mode requests have a deadline for quotes; this one is in {request.mode.value} mode.",
            pointer=POINTER,
        )
    if due.tzinfo is None:
        raise ValidationFailed("quotes_due_at must be a time-zoned instant.", pointer=POINTER)
    if due < now + NOTICE:
        raise QuotesDueTooSoon(
            f"Quotes must be due at least 24 h ahead, at {(now + NOTICE).isoformat(timespec='seconds')} or later.",
            pointer=POINTER,
        )
    if due >= horizon:
        raise QuotesDueAfterValidity(
            f"Quotes must be due before the request's validity ends ({horizon.isoformat(timespec='seconds')}).",
            pointer=POINTER,
        )


def on_create(request: DemandRequest, due: datetime | None, *, horizon: datetime) -> None:
    """A new request's deadline (`horizon`: its valid_until, or what opening it now would give)."""
    if due is not None:
        _check(request, due, datetime.now(UTC), horizon=horizon)
        request.quotes_due_at = due


def on_open(request: DemandRequest) -> None:
    """A draft opening: its deadline must still leave invited providers a day."""
    now = datetime.now(UTC)
    if request.quotes_due_at is not None and request.quotes_due_at < now + NOTICE:
        raise QuotesDueTooSoon(
            "Quotes would be due in less than 24 h: move quotes_due_at later (PATCH) before opening.",
            pointer=POINTER,
        )


async def on_update(
    session: AsyncSession, user: User, request: DemandRequest, due: datetime | None, *, horizon: datetime
) -> None:
    """PATCH of quotes_due_at on a draft or open request (the caller checked who and which state)."""
    if due == request.quotes_due_at:
        return  # the value sent back unchanged: nothing moves, nobody is told
    now = datetime.now(UTC)
    if request.current_status == RequestStatus.draft:
        if due is not None:
            _check(request, due, now, horizon=horizon)
        request.quotes_due_at = due
        return
    if due is not None and request.mode != RequestMode.quote:
        _check(request, due, now, horizon=horizon)  # says which mode it is
    if due is None or request.quotes_due_at is None or due < request.quotes_due_at:
        raise QuotesDueNotLater(_not_later(request), pointer=POINTER)
    _check(request, due, now, horizon=horizon)
    previous, request.quotes_due_at = request.quotes_due_at, due
    payload = {"request_id": str(request.id), "quotes_due_at": due.isoformat(), "previous": previous.isoformat()}
    ledger.record(
        session,
        actor_id=user.id,
        action="request.quotes_extended",
        target_type="request",
        target_id=request.id,
        payload=payload,
    )
    invited = (await repo.invited_provider_ids(session, [request.id])).get(request.id, [])
    staff = await notices.staff_of(session, invited)
    notices.tell(
        session,
        [person for people in staff.values() for person in people],
        "request.quotes_extended",
        subject_type="request",
        subject_id=request.id,
        actor_id=user.id,
        **payload,
    )


def _not_later(request: DemandRequest) -> str:
    if request.quotes_due_at is None:
        return "This open request has no deadline for quotes; one cannot be added once providers may answer."
    return (
        "Once the request is open, its deadline for quotes only moves later than "
        f"{request.quotes_due_at.isoformat(timespec='seconds')}; it cannot move earlier or be removed."
    )


def check_accepting(request: DemandRequest, now: datetime) -> None:
    """A new offer on `request` at `now`: refused from the deadline on."""
    if request.quotes_due_at is not None and request.quotes_due_at <= now:
        raise QuotesClosed(
            f"Quotes on this request closed at {request.quotes_due_at.isoformat(timespec='seconds')}; "
            "the citizen may extend the deadline."
        )
