"""The demand side's lifecycle table: each event tells exactly these people, in their language, and
nobody else (every notification row the step wrote, for every user, is compared).

Cast (the demand conftest's catalogue, tata-babysitter in NIL 22):
  citizen      citizen_a, Italian
  aurora       two staff: `aurora` (Italian) and `aurora_en` (English); `aurora_gone`, deactivated
  dalia        one staff (an individual provider), Italian
  operator     a hub operator of NIL 22 who makes requests for citizen_a (with consent)
  bystander    another operator of the same hub (sees operator-mode requests in the hub's queue)
  admin        moderates reviews
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.demand import requests as demand_requests
from app.demand import tasks as demand_tasks
from app.models import HubOperator, Language, User
from tests.demand.conftest import (
    PRIVATE_NOTES,
    PRIVATE_STREET,
    Catalogue,
    fetch_request,
    milan_today,
    post_request,
)
from tests.demand.conftest import invite as invite_services
from tests.demand.offer_helpers import SERVICE_OF, engaged, invited_request, make_offer, offer_action
from tests.factories import add_provider_staff, auth_headers, make_hub, make_hub_operator, make_provider_staff_user
from tests.notifications.lifecycle import Told, watch


@dataclass
class World:
    client: httpx.AsyncClient
    session: AsyncSession
    catalogue: Catalogue
    citizen: User
    aurora_en: User
    aurora_gone: User
    operator: User
    bystander: User
    admin: User
    ctx: dict[str, Any] = field(default_factory=dict)

    @property
    def aurora(self) -> User:
        return self.catalogue.staff["aurora"]

    @property
    def dalia(self) -> User:
        return self.catalogue.staff["dalia"]

    def as_(self, user: User) -> dict[str, str]:
        return auth_headers(user)


@pytest.fixture
async def world(client, session, catalogue, citizen_a, admin) -> World:
    aurora = catalogue.providers["aurora"]
    aurora_en = await make_provider_staff_user(session, full_name="Aurora English", preferred_language=Language.en)
    await add_provider_staff(session, aurora, aurora_en)
    aurora_gone = await make_provider_staff_user(session, full_name="Aurora Former", is_active=False)
    await add_provider_staff(session, aurora, aurora_gone)
    hub = await make_hub(session, nil_codes=(22,))
    operator = await make_hub_operator(session, hub, full_name="Olga Operator")
    bystander = await make_hub_operator(session, hub, full_name="Bice Bystander")
    return World(client, session, catalogue, citizen_a, aurora_en, aurora_gone, operator, bystander, admin)


def to(who: User, kind: str, subject: Any) -> Told:
    """`who` is told `kind` about `subject`, titled in their account's language."""
    return Told(who, kind, subject_id=str(subject), language=who.preferred_language.value)


def aurora_staff(w: World, kind: str, subject: Any) -> list[Told]:
    """Both active staff of aurora (the deactivated one never)."""
    return [to(w.aurora, kind, subject), to(w.aurora_en, kind, subject)]


# --- arranging ------------------------------------------------------------------------------------


async def quote_request(w: World, **overrides: Any) -> dict[str, Any]:
    return await post_request(w.client, w.as_(w.citizen), **overrides)


async def operator_request(w: World, mode: str = "operator", **overrides: Any) -> dict[str, Any]:
    """A request `operator` makes for the citizen, with consent recorded."""
    body = {"citizen_id": str(w.citizen.id), "consent_note": "Consenso raccolto allo sportello"}
    return await post_request(w.client, w.as_(w.operator), mode=mode, **body, **overrides)


async def invited(w: World, headers: dict[str, str], request: dict[str, Any], *names: str) -> None:
    services = [w.catalogue.services[SERVICE_OF[name]] for name in names]
    response = await invite_services(w.client, headers, request["id"], *services)
    assert response.status_code == 200, response.text


async def offered(w: World, request: dict[str, Any], *names: str) -> list[dict[str, Any]]:
    return [await make_offer(w.client, w.catalogue, name, request["id"]) for name in names]


async def ok(response: Awaitable[httpx.Response], status: int = 200) -> dict[str, Any]:
    answered = await response
    assert answered.status_code == status, answered.text
    return answered.json()


# --- the table --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    event: str
    arrange: Callable[[World], Awaitable[None]]  # up to the step, keeping what it needs in w.ctx
    act: Callable[[World], Awaitable[None]]  # the step itself (inside the watch)
    expect: Callable[[World], list[Told]]


async def _quote(w: World) -> None:
    w.ctx["request"] = await quote_request(w)


async def _invite_by_citizen(w: World) -> None:
    await invited(w, w.as_(w.citizen), w.ctx["request"], "aurora", "dalia")


async def _operator_mode(w: World) -> None:
    w.ctx["request"] = await operator_request(w)


async def _invite_by_bystander(w: World) -> None:
    # Any operator of the NIL's hubs acts on an operator-mode request; this one did not make it.
    await invited(w, w.as_(w.bystander), w.ctx["request"], "aurora")


async def _invited_quote(w: World) -> None:
    w.ctx["request"] = await invited_request(w.client, w.as_(w.citizen), w.catalogue, "aurora", "dalia")


async def _invited_operator_mode(w: World) -> None:
    w.ctx["request"] = await operator_request(w)
    await invited(w, w.as_(w.operator), w.ctx["request"], "aurora", "dalia")


async def _invited_operator_mode_then_operator_leaves(w: World) -> None:
    await _invited_operator_mode(w)
    await w.session.execute(delete(HubOperator).where(HubOperator.user_id == w.operator.id))
    elsewhere = await make_hub(w.session, nil_codes=(76,))  # still an operator, no longer of NIL 22
    w.session.add(HubOperator(hub_id=elsewhere.id, user_id=w.operator.id))
    await w.session.flush()


async def _aurora_offers(w: World) -> None:
    [w.ctx["offer"]] = await offered(w, w.ctx["request"], "aurora")


async def _open_mode(w: World) -> None:
    w.ctx["request"] = await quote_request(w, mode="open")


async def _two_offers(w: World) -> None:
    await _invited_quote(w)
    w.ctx["offer"], w.ctx["other"] = await offered(w, w.ctx["request"], "aurora", "dalia")


async def _two_offers_operator_mode(w: World) -> None:
    await _invited_operator_mode(w)
    w.ctx["offer"], w.ctx["other"] = await offered(w, w.ctx["request"], "aurora", "dalia")


async def _accept_as(w: World, who: User) -> None:
    w.ctx["engagement"] = await ok(offer_action(w.client, w.as_(who), w.ctx["offer"]["id"], "accept"))


async def _expire(w: World) -> None:
    row = await fetch_request(w.session, w.ctx["request"]["id"])
    row.valid_until = datetime.now(UTC) - timedelta(minutes=1)
    await w.session.flush()
    assert await demand_requests.expire_due(w.session) == 1
    await w.session.flush()


async def _engaged_today(w: World) -> None:
    w.ctx["engagement"] = await engaged(w.client, w.as_(w.citizen), w.catalogue, "aurora", start_date=milan_today())


async def _engaged_by_operator(w: World) -> None:
    request = await operator_request(w, mode="quote", start_date=milan_today())
    await invited(w, w.as_(w.operator), request, "aurora")
    [offer] = await offered(w, request, "aurora")
    w.ctx["engagement"] = await ok(offer_action(w.client, w.as_(w.operator), offer["id"], "accept"))


async def _close(w: World, who: User, action: str) -> None:
    body = {"json": {"reason": "Ci siamo trasferiti"}} if action == "cancel" else {}
    url = f"/v1/engagements/{w.ctx['engagement']['id']}/{action}"
    await ok(w.client.post(url, headers=w.as_(who), **body))


async def _reviewed(w: World) -> None:
    await _engaged_today(w)
    await _close(w, w.citizen, "complete")
    url = f"/v1/engagements/{w.ctx['engagement']['id']}/review"
    w.ctx["review"] = await ok(w.client.post(url, json={"rating": 5, "text": "Brava"}, headers=w.as_(w.citizen)), 201)


async def _moderate(w: World, action: str) -> None:
    body = {"json": {"reason": "Contiene un numero di telefono"}} if action == "reject" else {}
    await ok(w.client.post(f"/v1/reviews/{w.ctx['review']['id']}/{action}", headers=w.as_(w.admin), **body))


async def _quotes_due(w: World, maker: str = "citizen") -> None:
    """A quote request due in 2 days, aurora and dalia invited (by the citizen, or an operator's)."""
    w.ctx["due"] = datetime.now(UTC) + timedelta(days=2)
    due = w.ctx["due"].isoformat()
    if maker == "operator":
        w.ctx["request"] = await operator_request(w, mode="quote", quotes_due_at=due)
        await invited(w, w.as_(w.operator), w.ctx["request"], "aurora", "dalia")
    else:
        w.ctx["request"] = await invited_request(
            w.client, w.as_(w.citizen), w.catalogue, "aurora", "dalia", quotes_due_at=due
        )


async def _extend_quotes(w: World, who: User) -> None:
    url = f"/v1/requests/{_request(w)}"
    version = (await ok(w.client.get(url, headers=w.as_(who))))["version"]
    later = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    await ok(w.client.patch(url, json={"quotes_due_at": later}, headers={**w.as_(who), "If-Match": f'"{version}"'}))


async def _quotes_due_dalia_offered(w: World) -> None:
    await _quotes_due(w)
    await offered(w, w.ctx["request"], "dalia")


async def _remind_quotes(w: World) -> None:
    assert await demand_tasks.remind_quotes_due(w.session, now=w.ctx["due"] - timedelta(hours=12)) == 1
    await w.session.flush()


def _request(w: World) -> str:
    return w.ctx["request"]["id"]


def _offer(w: World) -> str:
    return w.ctx["offer"]["id"]


def _engagement(w: World) -> str:
    return w.ctx["engagement"]["id"]


async def _substitute(w: World, who: User) -> None:
    """`who` asks for a substitute while the engagement's worker is away (app/demand/substitutions.py)."""
    body = {"start_date": (date.today() + timedelta(days=3)).isoformat(), "reason": "holiday"}
    body["end_date"] = body["start_date"]
    url = f"/v1/engagements/{_engagement(w)}/substitutions"
    w.ctx["substitution"] = await ok(w.client.post(url, json=body, headers=w.as_(who)), 201)


async def _substitute_offered(w: World) -> None:
    """An engagement with a substitute sought, and aurora's pending offer for it."""
    await _engaged_today(w)
    await _substitute(w, w.citizen)
    w.ctx["substitute_offer"] = await make_offer(w.client, w.catalogue, "aurora", w.ctx["substitution"]["id"])


ROWS = [
    Row(
        "invited to quote: each invited provider's active staff",
        _quote,
        _invite_by_citizen,
        lambda w: [*aurora_staff(w, "request.invited", _request(w)), to(w.dalia, "request.invited", _request(w))],
    ),
    Row(
        "invited on an operator-mode request: the provider's staff, not the operators",
        _operator_mode,
        _invite_by_bystander,
        lambda w: aurora_staff(w, "request.invited", _request(w)),
    ),
    Row(
        "new offer on a quote request: the citizen",
        _invited_quote,
        _aurora_offers,
        lambda w: [to(w.citizen, "offer.received", _offer(w))],
    ),
    Row(
        "new offer on an open-mode request: the citizen",
        _open_mode,
        _aurora_offers,
        lambda w: [to(w.citizen, "offer.received", _offer(w))],
    ),
    Row(
        "new offer on an operator-mode request: the citizen and the operator who made it, no other operator",
        _invited_operator_mode,
        _aurora_offers,
        lambda w: [to(w.citizen, "offer.received", _offer(w)), to(w.operator, "offer.received", _offer(w))],
    ),
    Row(
        "new offer after the operator left the NIL's hubs: the citizen only",
        _invited_operator_mode_then_operator_leaves,
        _aurora_offers,
        lambda w: [to(w.citizen, "offer.received", _offer(w))],
    ),
    Row(
        "offer declined by the citizen: the provider's staff",
        _two_offers,
        lambda w: ok(offer_action(w.client, w.as_(w.citizen), _offer(w), "decline")),
        lambda w: aurora_staff(w, "offer.declined", _offer(w)),
    ),
    Row(
        "offer withdrawn by its provider: nobody (the household sees it leave the list)",
        _two_offers,
        lambda w: ok(offer_action(w.client, w.as_(w.aurora), _offer(w), "withdraw")),
        lambda w: [],
    ),
    Row(
        "offer accepted by the citizen: its staff (accepted), the other's (declined); the engagement "
        "starts for nobody else on the household's side",
        _two_offers,
        lambda w: _accept_as(w, w.citizen),
        lambda w: [
            *aurora_staff(w, "offer.accepted", _offer(w)),
            to(w.dalia, "offer.declined", w.ctx["other"]["id"]),
        ],
    ),
    Row(
        "offer accepted by the operator: staff as above, and the citizen hears the engagement started",
        _two_offers_operator_mode,
        lambda w: _accept_as(w, w.operator),
        lambda w: [
            *aurora_staff(w, "offer.accepted", _offer(w)),
            to(w.dalia, "offer.declined", w.ctx["other"]["id"]),
            to(w.citizen, "engagement.started", _engagement(w)),
        ],
    ),
    Row(
        "offer accepted by the citizen of an operator-mode request: the operator hears it started",
        _two_offers_operator_mode,
        lambda w: _accept_as(w, w.citizen),
        lambda w: [
            *aurora_staff(w, "offer.accepted", _offer(w)),
            to(w.dalia, "offer.declined", w.ctx["other"]["id"]),
            to(w.operator, "engagement.started", _engagement(w)),
        ],
    ),
    Row(
        "request cancelled with pending offers: those providers' staff (declined)",
        _two_offers,
        lambda w: ok(
            w.client.post(
                f"/v1/requests/{_request(w)}/cancel", json={"reason": "Non serve più"}, headers=w.as_(w.citizen)
            )
        ),
        lambda w: [*aurora_staff(w, "offer.declined", _offer(w)), to(w.dalia, "offer.declined", w.ctx["other"]["id"])],
    ),
    Row(
        "request expired with pending offers (worker): those providers' staff (declined)",
        _two_offers,
        _expire,
        lambda w: [*aurora_staff(w, "offer.declined", _offer(w)), to(w.dalia, "offer.declined", w.ctx["other"]["id"])],
    ),
    Row(
        "quote deadline extended by the citizen: every invited provider's active staff",
        _quotes_due,
        lambda w: _extend_quotes(w, w.citizen),
        lambda w: [
            *aurora_staff(w, "request.quotes_extended", _request(w)),
            to(w.dalia, "request.quotes_extended", _request(w)),
        ],
    ),
    Row(
        "quote deadline extended by the operator who made the request: the invited staff, not the household",
        lambda w: _quotes_due(w, "operator"),
        lambda w: _extend_quotes(w, w.operator),
        lambda w: [
            *aurora_staff(w, "request.quotes_extended", _request(w)),
            to(w.dalia, "request.quotes_extended", _request(w)),
        ],
    ),
    Row(
        "quotes due within a day (worker): the staff of invited providers that have not offered",
        _quotes_due_dalia_offered,
        _remind_quotes,
        lambda w: aurora_staff(w, "request.quotes_due_soon", _request(w)),
    ),
    Row(
        "engagement completed by the citizen: the provider's staff",
        _engaged_today,
        lambda w: _close(w, w.citizen, "complete"),
        lambda w: aurora_staff(w, "engagement.completed", _engagement(w)),
    ),
    Row(
        "engagement completed by a staff member: the citizen and the other staff, not the actor",
        _engaged_today,
        lambda w: _close(w, w.aurora_en, "complete"),
        lambda w: [
            to(w.citizen, "engagement.completed", _engagement(w)),
            to(w.aurora, "engagement.completed", _engagement(w)),
        ],
    ),
    Row(
        "engagement cancelled by the citizen: the provider's staff",
        _engaged_today,
        lambda w: _close(w, w.citizen, "cancel"),
        lambda w: aurora_staff(w, "engagement.cancelled", _engagement(w)),
    ),
    Row(
        "engagement cancelled by a staff member: the citizen and the other staff",
        _engaged_today,
        lambda w: _close(w, w.aurora, "cancel"),
        lambda w: [
            to(w.citizen, "engagement.cancelled", _engagement(w)),
            to(w.aurora_en, "engagement.cancelled", _engagement(w)),
        ],
    ),
    Row(
        "engagement made by an operator, cancelled by the citizen: the operator and the staff",
        _engaged_by_operator,
        lambda w: _close(w, w.citizen, "cancel"),
        lambda w: [
            to(w.operator, "engagement.cancelled", _engagement(w)),
            *aurora_staff(w, "engagement.cancelled", _engagement(w)),
        ],
    ),
    Row(
        "substitute asked for by the citizen: the provider's staff (the invitation is this notice)",
        _engaged_today,
        lambda w: _substitute(w, w.citizen),
        lambda w: aurora_staff(w, "engagement.substitute_requested", _engagement(w)),
    ),
    Row(
        "substitute asked for by a staff member: the citizen and the other staff",
        _engaged_today,
        lambda w: _substitute(w, w.aurora),
        lambda w: [
            to(w.citizen, "engagement.substitute_requested", _engagement(w)),
            to(w.aurora_en, "engagement.substitute_requested", _engagement(w)),
        ],
    ),
    Row(
        "substitute asked for by staff on an engagement an operator made: the household (citizen, operator)",
        _engaged_by_operator,
        lambda w: _substitute(w, w.aurora_en),
        lambda w: [
            to(w.citizen, "engagement.substitute_requested", _engagement(w)),
            to(w.operator, "engagement.substitute_requested", _engagement(w)),
            to(w.aurora, "engagement.substitute_requested", _engagement(w)),
        ],
    ),
    Row(
        "engagement cancelled while a substitute is sought: the search ends, pending offers declined",
        _substitute_offered,
        lambda w: _close(w, w.citizen, "cancel"),
        lambda w: [
            *aurora_staff(w, "engagement.cancelled", _engagement(w)),
            *aurora_staff(w, "offer.declined", w.ctx["substitute_offer"]["id"]),
        ],
    ),
    Row(
        "review approved: its author and the provider's staff",
        _reviewed,
        lambda w: _moderate(w, "approve"),
        lambda w: [
            to(w.citizen, "review.approved", w.ctx["review"]["id"]),
            *aurora_staff(w, "review.approved", w.ctx["review"]["id"]),
        ],
    ),
    Row(
        "review rejected: its author only",
        _reviewed,
        lambda w: _moderate(w, "reject"),
        lambda w: [to(w.citizen, "review.rejected", w.ctx["review"]["id"])],
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.event for row in ROWS])
async def test_each_demand_event_tells_exactly_the_right_people(world: World, row: Row):
    await row.arrange(world)

    async with watch(world.session) as told:
        await row.act(world)

    await told.exactly(*row.expect(world), client=world.client)
    for notification in told.rows:  # ids and what the reader may see; never the household's details
        written = json.dumps(notification.data)
        for private in (PRIVATE_STREET, PRIVATE_NOTES, world.citizen.email, world.citizen.full_name):
            assert private not in written, (notification.kind, written)
