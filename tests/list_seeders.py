"""Data for the query-count guard (tests/test_query_counts.py): one seeder per list operation.

A seeder is called twice on the same `Scope`: first to add 1 row, then 19 more, to the same list;
each call returns the request that lists them (URL and headers). The first call makes the list's
owner (a citizen, a provider, a hub...) and keeps it in `scope.state` for the second. Rows are made
with tests/factories.py where a row stands alone, and through the API where a row is the outcome
of a use case (an engagement, an offer), so that they are what the app itself would have written.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import literal_column, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import money
from app.models import (
    AccreditationState,
    AccreditationTransition,
    Condominium,
    CondominiumMember,
    CourseEnrolment,
    Engagement,
    EnrolmentStatus,
    HubOperator,
    MembershipStatus,
    Notification,
    OutboxEvent,
    PoolMember,
    PoolMemberStatus,
    Review,
    ReviewStatus,
    Role,
    User,
    Volunteer,
    VolunteerStatus,
    WebhookAttempt,
    WebhookDelivery,
)
from app.models import ZoneKind as K
from app.seed.reference import zone_id
from tests.courses.conftest import post_course
from tests.demand.conftest import DEFAULT_SCHEDULE, NIL_22, in_days, post_request
from tests.factories import (
    add_provider_staff,
    auth_headers,
    make_hub,
    make_hub_operator,
    make_partner_client,
    make_provider,
    make_provider_staff_user,
    make_service,
    make_user,
    make_verification,
    partner_headers,
)
from tests.income.conftest import make_isee_declaration
from tests.initiatives.conftest import request_ride
from tests.money.conftest import open_accounts
from tests.pools.conftest import create_pool
from tests.programmes.conftest import application_body, programme_body
from tests.webhooks.conftest import PARTNER_SCOPES, make_event, make_subscription

Headers = dict[str, str]


@dataclass
class Scope:
    client: httpx.AsyncClient
    session: AsyncSession
    state: dict[str, Any] = field(default_factory=dict)

    async def once(self, key: str, make: Callable[[], Awaitable[Any]]) -> Any:
        """The scope's `key` object, made on the first call."""
        if key not in self.state:
            self.state[key] = await make()
        return self.state[key]

    async def post(self, url: str, headers: Headers, json: Any = None, expect: int = 201) -> Any:
        response = await self.client.post(url, json=json, headers=headers)
        assert response.status_code == expect, f"{url}: {response.status_code} {response.text}"
        return response.json()


Seeder = Callable[[Scope, int], Awaitable[tuple[str, Headers]]]
SEEDERS: dict[str, Seeder] = {}


def seeds(operation_id: str) -> Callable[[Seeder], Seeder]:
    def register(seeder: Seeder) -> Seeder:
        SEEDERS[operation_id] = seeder
        return seeder

    return register


async def _admin(s: Scope) -> User:
    return await s.once("admin", lambda: make_user(s.session, role=Role.admin))


# --- reference data: the rows exist; the page size makes 1 or 20 of them ---------------------------


@seeds("list_zones")
async def _zones(s: Scope, n: int) -> tuple[str, Headers]:
    s.state["shown"] = s.state.get("shown", 0) + n
    return f"/v1/zones?kind=nil&limit={s.state['shown']}", {}


@seeds("list_hsds_taxonomy_terms")
async def _terms(s: Scope, n: int) -> tuple[str, Headers]:
    s.state["shown"] = s.state.get("shown", 0) + n
    return f"/hsds/taxonomy_terms?per_page={s.state['shown']}", {}


# --- identity --------------------------------------------------------------------------------------


@seeds("list_users")
async def _users(s: Scope, n: int) -> tuple[str, Headers]:
    admin = await _admin(s)
    for _ in range(n):
        await make_user(s.session, email=f"listed.{uuid.uuid4().hex[:10]}@example.org")
    return "/v1/users?email_prefix=listed.&limit=20", auth_headers(admin)


@seeds("list_partner_clients")
async def _partner_clients(s: Scope, n: int) -> tuple[str, Headers]:
    admin = await _admin(s)
    for _ in range(n):
        await make_partner_client(s.session)
    return "/v1/partner-clients?limit=20", auth_headers(admin)


@seeds("list_notifications")
async def _notifications(s: Scope, n: int) -> tuple[str, Headers]:
    user = await s.once("user", lambda: make_user(s.session))
    for _ in range(n):
        s.session.add(Notification(user_id=user.id, kind="pool.invited", subject_type="pool", subject_id=uuid.uuid4()))
    await s.session.flush()
    return "/v1/me/notifications?limit=20", auth_headers(user)


# --- supply ----------------------------------------------------------------------------------------


async def _staffed_provider(s: Scope) -> tuple[Any, Any]:
    async def make() -> tuple[Any, Any]:
        staff = await make_provider_staff_user(s.session)
        return await make_provider(s.session, staff=staff, lat=45.4781, lon=9.2265), staff

    return await s.once("provider", make)


@seeds("list_providers")
async def _providers(s: Scope, n: int) -> tuple[str, Headers]:
    staff = await s.once("staff", lambda: make_provider_staff_user(s.session))
    for _ in range(n):
        await make_provider(s.session, staff=staff)
    return "/v1/providers?mine=true&limit=20", auth_headers(staff)


@seeds("list_accreditation_history")
async def _transitions(s: Scope, n: int) -> tuple[str, Headers]:
    provider, staff = await _staffed_provider(s)
    for i in range(n):
        s.session.add(
            AccreditationTransition(
                provider_id=provider.id,
                from_state=AccreditationState.submitted,
                to_state=AccreditationState.accredited,
                reason=f"check {i}",
                at=datetime.now(UTC) + timedelta(seconds=len(s.state) + i),
            )
        )
    await s.session.flush()
    return f"/v1/providers/{provider.id}/accreditation-history?limit=20", auth_headers(staff)


@seeds("list_provider_staff")
async def _staff(s: Scope, n: int) -> tuple[str, Headers]:
    provider, staff = await _staffed_provider(s)  # the first row is the admin staff member itself
    for _ in range(n - 1 if "staffed" not in s.state else n):
        await add_provider_staff(s.session, provider, await make_provider_staff_user(s.session))
    s.state["staffed"] = True
    return f"/v1/providers/{provider.id}/staff?limit=20", auth_headers(staff)


@seeds("list_verifications")
async def _verifications(s: Scope, n: int) -> tuple[str, Headers]:
    provider, staff = await _staffed_provider(s)
    for _ in range(n):
        await make_verification(s.session, provider)
    return f"/v1/providers/{provider.id}/verifications?limit=20", auth_headers(staff)


@seeds("list_isee_declarations")
async def _isee_declarations(s: Scope, n: int) -> tuple[str, Headers]:
    operator = await s.once("isee_operator", lambda: make_hub_operator(s.session, None))
    if "isee_hub" not in s.state:
        s.state["isee_hub"] = await make_hub(s.session, nil_codes=(22,))
        s.session.add(HubOperator(hub_id=s.state["isee_hub"].id, user_id=operator.id))
    for _ in range(n):
        await make_isee_declaration(s.session, await make_user(s.session), nil_id=NIL_22)
    return "/v1/isee-declarations?status=pending&limit=20", auth_headers(operator)


@seeds("list_services")
async def _services(s: Scope, n: int) -> tuple[str, Headers]:
    provider, _ = await _staffed_provider(s)
    for _ in range(n):
        await make_service(s.session, provider, zones_served=[NIL_22])
    return f"/v1/services?provider_id={provider.id}&limit=20", {}


@seeds("list_hsds_services")
async def _hsds_services(s: Scope, n: int) -> tuple[str, Headers]:
    provider, _ = await _staffed_provider(s)
    for _ in range(n):
        await make_service(s.session, provider, zones_served=[NIL_22])
    return "/hsds/services?per_page=20", {}


@seeds("list_hsds_service_at_locations")
async def _hsds_locations(s: Scope, n: int) -> tuple[str, Headers]:
    provider, _ = await _staffed_provider(s)  # organisations have a point: each service is at it
    for _ in range(n):
        await make_service(s.session, provider, zones_served=[NIL_22])
    return "/hsds/service_at_locations?per_page=20", {}


@seeds("list_hsds_organizations")
async def _hsds_organizations(s: Scope, n: int) -> tuple[str, Headers]:
    for _ in range(n):
        await make_provider(s.session, lat=45.4781, lon=9.2265)
    return "/hsds/organizations?per_page=20", {}


# --- demand ----------------------------------------------------------------------------------------


async def _tata_providers(s: Scope, count: int) -> list[tuple[Any, Any, Any]]:
    """`count` accredited providers (cumulative over calls), each with staff and a tata service
    covering NIL 22 on the default schedule."""
    made: list[tuple[Any, Any, Any]] = s.state.setdefault("tata", [])
    while len(made) < count:
        staff = await make_provider_staff_user(s.session)
        provider = await make_provider(s.session, staff=staff, lat=45.4773, lon=9.2308)
        service = await make_service(
            s.session, provider, category="tata-babysitter", zones_served=[NIL_22], availability=DEFAULT_SCHEDULE
        )
        made.append((provider, staff, service))
    return made[:count]


def _offer_body(provider_id: Any) -> dict[str, Any]:
    return {
        "provider_id": str(provider_id),
        "price_cents": 1200,
        "price_model": "hourly",
        "schedule": DEFAULT_SCHEDULE,
        "contract_type": "organisation_purchase",
    }


async def _engagement(s: Scope, citizen_headers: Headers) -> dict[str, Any]:
    """An open request of the citizen, answered by the scope's provider and accepted."""
    ((provider, staff, _),) = await _tata_providers(s, 1)
    request = await post_request(s.client, citizen_headers, mode="open")
    offer = await s.post(f"/v1/requests/{request['id']}/offers", auth_headers(staff), _offer_body(provider.id))
    return await s.post(f"/v1/offers/{offer['id']}/accept", citizen_headers, expect=200)


@seeds("list_requests")
async def _requests(s: Scope, n: int) -> tuple[str, Headers]:
    citizen = await s.once("citizen", lambda: make_user(s.session))
    for _ in range(n):  # cancelled at once: a household may hold only 10 open requests
        request = await post_request(s.client, auth_headers(citizen))
        await s.post(f"/v1/requests/{request['id']}/cancel", auth_headers(citizen), {"reason": "trovato"}, expect=200)
    return "/v1/requests?limit=20", auth_headers(citizen)


@seeds("list_inbox")
async def _inbox(s: Scope, n: int) -> tuple[str, Headers]:
    ((_, staff, _),) = await _tata_providers(s, 1)
    for _ in range(n):
        await post_request(s.client, auth_headers(await make_user(s.session)), mode="open")
    return "/v1/requests/inbox?limit=20", auth_headers(staff)


@seeds("list_matches")
async def _matches(s: Scope, n: int) -> tuple[str, Headers]:
    citizen = await s.once("citizen", lambda: make_user(s.session))
    await _tata_providers(s, len(s.state.get("tata", [])) + n)
    request = await s.once("request", lambda: post_request(s.client, auth_headers(citizen)))
    return f"/v1/requests/{request['id']}/matches?limit=20", auth_headers(citizen)


@seeds("list_offers")
async def _offers(s: Scope, n: int) -> tuple[str, Headers]:
    citizen = await s.once("citizen", lambda: make_user(s.session))
    request = await s.once("request", lambda: post_request(s.client, auth_headers(citizen), mode="open"))
    before = len(s.state.get("tata", []))
    for provider, staff, _ in (await _tata_providers(s, before + n))[before:]:
        await s.post(f"/v1/requests/{request['id']}/offers", auth_headers(staff), _offer_body(provider.id))
    return f"/v1/requests/{request['id']}/offers?limit=20", auth_headers(citizen)


@seeds("list_engagements")
async def _engagements(s: Scope, n: int) -> tuple[str, Headers]:
    citizen = await s.once("citizen", lambda: make_user(s.session))
    for _ in range(n):  # each with a substitute asked for: the engagement read lists its substitutions
        engagement = await _engagement(s, auth_headers(citizen))
        substitution = {"start_date": in_days(10), "end_date": in_days(12), "reason": "holiday"}
        asked = await s.post(f"/v1/engagements/{engagement['id']}/substitutions", auth_headers(citizen), substitution)
        # Then cancelled: a household holds at most 10 open requests, and a substitute request is one.
        await s.post(f"/v1/requests/{asked['id']}/cancel", auth_headers(citizen), {"reason": "rientrata"}, expect=200)
    return "/v1/engagements?limit=20", auth_headers(citizen)


async def _weeks(s: Scope, n: int, *, confirm: bool) -> tuple[Headers, Headers]:
    """`n` more timesheets (past ISO weeks) of one hourly engagement that began 30 weeks ago; with
    `confirm`, each confirmed by the household (a co-payment each). Returns (citizen, staff) headers."""
    citizen = await s.once("citizen", lambda: make_user(s.session))
    engagement = await s.once("engagement", lambda: _engagement(s, auth_headers(citizen)))
    row = await s.session.get(Engagement, uuid.UUID(engagement["id"]))
    assert row is not None
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    row.start_date = monday - timedelta(weeks=30)
    await s.session.flush()
    ((_, staff, _),) = await _tata_providers(s, 1)
    for _ in range(n):
        s.state["weeks"] = s.state.get("weeks", 0) + 1
        year, week, _ = (monday - timedelta(weeks=s.state["weeks"])).isocalendar()
        body = {"week": f"{year}-W{week:02d}", "hours": [2, 0, 0, 0, 0, 0, 0]}
        sheet = await s.post(f"/v1/engagements/{engagement['id']}/timesheets", auth_headers(staff), body)
        if confirm:
            await s.post(f"/v1/timesheets/{sheet['id']}/confirm", auth_headers(citizen), expect=200)
    return auth_headers(citizen), auth_headers(staff)


@seeds("list_timesheets")
async def _timesheets(s: Scope, n: int) -> tuple[str, Headers]:
    _, staff = await _weeks(s, n, confirm=False)
    return "/v1/timesheets?limit=20", staff


@seeds("list_copayments")
async def _copayments(s: Scope, n: int) -> tuple[str, Headers]:
    citizen, _ = await _weeks(s, n, confirm=True)
    return "/v1/copayments?limit=20", citizen


async def _reviews(s: Scope, n: int, status: ReviewStatus) -> Any:
    """`n` reviews in `status`, each of its own engagement with the scope's provider."""
    citizen = await s.once("citizen", lambda: make_user(s.session))
    for _ in range(n):
        engagement = await _engagement(s, auth_headers(citizen))
        s.session.add(
            Review(
                engagement_id=uuid.UUID(engagement["id"]),
                provider_id=uuid.UUID(engagement["provider_id"]),
                citizen_id=citizen.id,
                rating=4,
                text="Puntuale e gentile.",
                status=status,
            )
        )
    await s.session.flush()
    return s.state["tata"][0][0]


@seeds("list_reviews")
async def _pending_reviews(s: Scope, n: int) -> tuple[str, Headers]:
    await _reviews(s, n, ReviewStatus.pending)
    return "/v1/reviews?limit=20", auth_headers(await _admin(s))


@seeds("list_provider_reviews")
async def _provider_reviews(s: Scope, n: int) -> tuple[str, Headers]:
    provider = await _reviews(s, n, ReviewStatus.approved)
    return f"/v1/providers/{provider.id}/reviews?limit=20", {}


# --- sharing and community -------------------------------------------------------------------------


async def _hub_and_operator(s: Scope) -> tuple[Any, Any]:
    async def make() -> tuple[Any, Any]:
        hub = await make_hub(s.session, nil_codes=(22,))
        return hub, await make_hub_operator(s.session, hub)

    return await s.once("hub", make)


@seeds("list_hubs")
async def _hubs(s: Scope, n: int) -> tuple[str, Headers]:
    for _ in range(n):
        await make_hub(s.session, nil_codes=(22,))
    return f"/v1/hubs?zone_id={zone_id(K.nil, 22)}&limit=20", {}


@seeds("list_hub_operators")
async def _hub_operators(s: Scope, n: int) -> tuple[str, Headers]:
    hub = await s.once("hub", lambda: make_hub(s.session))
    for _ in range(n):
        await make_hub_operator(s.session, hub)
    return f"/v1/hubs/{hub.id}/operators", auth_headers(await _admin(s))


async def _building(s: Scope, hub: Any, number: int) -> Condominium:
    building = Condominium(
        name=f"Condominio {number}",
        address_street=f"via Pascoli {number}",
        address_postcode="20133",
        lat=45.4781,
        lon=9.2265,
        nil_id=NIL_22,
        hub_id=hub.id,
        join_code=uuid.uuid4().hex[:8].upper(),
    )
    s.session.add(building)
    await s.session.flush()
    return building


@seeds("list_condominiums")
async def _condominiums(s: Scope, n: int) -> tuple[str, Headers]:
    hub, operator = await _hub_and_operator(s)
    for _ in range(n):
        s.state["buildings"] = s.state.get("buildings", 0) + 1
        await _building(s, hub, s.state["buildings"])
    return f"/v1/condominiums?hub_id={hub.id}&limit=20", auth_headers(operator)


@seeds("list_condominium_residents")
async def _residents(s: Scope, n: int) -> tuple[str, Headers]:
    hub, operator = await _hub_and_operator(s)
    building = await s.once("building", lambda: _building(s, hub, 1))
    for _ in range(n):
        citizen = await make_user(s.session)
        s.session.add(
            CondominiumMember(condominium_id=building.id, citizen_id=citizen.id, status=MembershipStatus.approved)
        )
    await s.session.flush()
    return f"/v1/condominiums/{building.id}/residents", auth_headers(operator)


@seeds("list_pools")
async def _pools(s: Scope, n: int) -> tuple[str, Headers]:
    citizen = await s.once("citizen", lambda: make_user(s.session))
    for _ in range(n):
        await create_pool(s.client, auth_headers(citizen))
    return f"/v1/pools?nil_id={NIL_22}&limit=20", auth_headers(citizen)


async def _pool(s: Scope, **overrides: Any) -> tuple[dict[str, Any], Any]:
    async def make() -> tuple[dict[str, Any], Any]:
        founder = await make_user(s.session)
        return await create_pool(s.client, auth_headers(founder), **overrides), founder

    return await s.once("pool", make)


@seeds("list_pool_members")
async def _pool_members(s: Scope, n: int) -> tuple[str, Headers]:
    _, operator = await _hub_and_operator(s)  # the operators of the pool's hub see its members
    pool, _ = await _pool(s)  # the founder is the first member
    for _ in range(n if "joined" in s.state else n - 1):
        citizen = await make_user(s.session)
        s.session.add(PoolMember(pool_id=uuid.UUID(pool["id"]), citizen_id=citizen.id, status=PoolMemberStatus.active))
    s.state["joined"] = True
    await s.session.flush()
    return f"/v1/pools/{pool['id']}/members", auth_headers(operator)


@seeds("list_pool_offers")
async def _pool_offers(s: Scope, n: int) -> tuple[str, Headers]:
    pool, founder = await _pool(s)
    for _ in range(n):
        staff = await make_provider_staff_user(s.session)
        provider = await make_provider(s.session, staff=staff)
        body = {"provider_id": str(provider.id), "weekly_price_cents": 10000, "individual_hourly_cents": 1200}
        await s.post(f"/v1/pools/{pool['id']}/offers", auth_headers(staff), body)
    return f"/v1/pools/{pool['id']}/offers?limit=20", auth_headers(founder)


@seeds("list_pool_suggestions")
async def _pool_suggestions(s: Scope, n: int) -> tuple[str, Headers]:
    # A suggestion groups open requests whose schedules overlap: each pair of households here wants
    # its own two hours (a day and an hour of their own), so each pair is one suggestion.
    hub, operator = await _hub_and_operator(s)
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for _ in range(n):
        group = s.state["groups"] = s.state.get("groups", 0) + 1
        day, opens = days[group % 7], 8 + 3 * (group // 7)
        schedule = [{"day": day, "opens": f"{opens:02d}:00", "closes": f"{opens + 2:02d}:00"}]
        for _ in range(2):
            citizen = await make_user(s.session)
            await post_request(s.client, auth_headers(citizen), open_to_sharing=True, schedule=schedule)
    return f"/v1/pools/suggestions?hub_id={hub.id}&limit=20", auth_headers(operator)


@seeds("list_courses")
async def _courses(s: Scope, n: int) -> tuple[str, Headers]:
    hub, operator = await _hub_and_operator(s)
    for _ in range(n):
        await post_course(s.client, auth_headers(operator), hub.id)
    return f"/v1/courses?hub_id={hub.id}&limit=20", {}


async def _course(s: Scope) -> tuple[dict[str, Any], Any]:
    hub, operator = await _hub_and_operator(s)
    return await s.once("course", lambda: post_course(s.client, auth_headers(operator), hub.id)), operator


@seeds("list_course_enrolments")
async def _course_enrolments(s: Scope, n: int) -> tuple[str, Headers]:
    course, operator = await _course(s)
    for _ in range(n):
        citizen = await make_user(s.session)
        s.session.add(
            CourseEnrolment(course_id=uuid.UUID(course["id"]), citizen_id=citizen.id, status=EnrolmentStatus.enrolled)
        )
    await s.session.flush()
    return f"/v1/courses/{course['id']}/enrolments?limit=20", auth_headers(operator)


@seeds("list_my_enrolments")
async def _my_enrolments(s: Scope, n: int) -> tuple[str, Headers]:
    hub, operator = await _hub_and_operator(s)
    citizen = await s.once("citizen", lambda: make_user(s.session))
    for _ in range(n):
        course = await post_course(s.client, auth_headers(operator), hub.id)
        await s.post(f"/v1/courses/{course['id']}/enrolments", auth_headers(citizen))
    return "/v1/enrolments?limit=20", auth_headers(citizen)


async def _new_initiative(s: Scope) -> dict[str, Any]:
    hub, operator = await _hub_and_operator(s)
    body = {"hub_id": str(hub.id), "title": "Accompagnamento solidale", "description": "Pensionati al volante."}
    return await s.post("/v1/initiatives", auth_headers(operator), body)


async def _initiative(s: Scope) -> dict[str, Any]:
    return await s.once("initiative", lambda: _new_initiative(s))


@seeds("list_initiatives")
async def _initiatives(s: Scope, n: int) -> tuple[str, Headers]:
    hub, _ = await _hub_and_operator(s)
    for _ in range(n):
        await _new_initiative(s)
    return f"/v1/initiatives?hub_id={hub.id}&limit=20", {}


async def _volunteer(s: Scope, initiative: dict[str, Any], user: Any) -> None:
    s.session.add(Volunteer(initiative_id=uuid.UUID(initiative["id"]), user_id=user.id, status=VolunteerStatus.active))
    await s.session.flush()


@seeds("list_volunteers")
async def _volunteers(s: Scope, n: int) -> tuple[str, Headers]:
    initiative = await _initiative(s)
    for _ in range(n):
        await _volunteer(s, initiative, await make_user(s.session))
    return f"/v1/initiatives/{initiative['id']}/volunteers?limit=20", auth_headers(s.state["hub"][1])


@seeds("list_my_volunteering")
async def _my_volunteering(s: Scope, n: int) -> tuple[str, Headers]:
    user = await s.once("user", lambda: make_user(s.session))
    for _ in range(n):
        await _volunteer(s, await _new_initiative(s), user)
    return "/v1/volunteers?limit=20", auth_headers(user)


async def _rides(s: Scope, n: int, requester: Any) -> dict[str, Any]:
    initiative = await _initiative(s)
    for _ in range(n):
        s.state["rides"] = s.state.get("rides", 0) + 1
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3, hours=s.state["rides"])
        await request_ride(s.client, auth_headers(requester), initiative["id"], starts=start, hours=1)
    return initiative


@seeds("list_initiative_rides")
async def _initiative_rides(s: Scope, n: int) -> tuple[str, Headers]:
    requester = await s.once("requester", lambda: make_user(s.session))
    initiative = await _rides(s, n, requester)
    return f"/v1/initiatives/{initiative['id']}/rides?limit=20", auth_headers(s.state["hub"][1])


@seeds("list_open_rides")
async def _open_rides(s: Scope, n: int) -> tuple[str, Headers]:
    requester = await s.once("requester", lambda: make_user(s.session))
    initiative = await _rides(s, n, requester)
    driver = await s.once("driver", lambda: make_user(s.session))
    if "volunteered" not in s.state:
        await _volunteer(s, initiative, driver)
        s.state["volunteered"] = True
    return f"/v1/initiatives/{initiative['id']}/open-rides?limit=20", auth_headers(driver)


@seeds("list_my_rides")
async def _my_rides(s: Scope, n: int) -> tuple[str, Headers]:
    requester = await s.once("requester", lambda: make_user(s.session))
    await _rides(s, n, requester)
    return "/v1/rides?limit=20", auth_headers(requester)


# --- conversations ---------------------------------------------------------------------------------


async def _answered_threads(s: Scope, n: int) -> list[dict[str, Any]]:
    """`n` more threads of the scope's citizen, each with a provider that answered the citizen's open
    request and wrote one message (so each listed thread has a last message and an unread count)."""
    citizen = await s.once("citizen", lambda: make_user(s.session))
    request = await s.once("request", lambda: post_request(s.client, auth_headers(citizen), mode="open"))
    before = len(s.state.get("tata", []))
    threads = []
    for provider, staff, _ in (await _tata_providers(s, before + n))[before:]:
        await s.post(f"/v1/requests/{request['id']}/offers", auth_headers(staff), _offer_body(provider.id))
        body = {"request_id": request["id"], "provider_id": str(provider.id)}
        thread = await s.post("/v1/threads", auth_headers(citizen), body)
        await s.post(f"/v1/threads/{thread['id']}/messages", auth_headers(staff), {"text": "Disponibili da lunedì."})
        threads.append(thread)
    return threads


@seeds("list_threads")
async def _threads(s: Scope, n: int) -> tuple[str, Headers]:
    await _answered_threads(s, n)
    return "/v1/threads?limit=20", auth_headers(s.state["citizen"])


@seeds("list_messages")
async def _messages(s: Scope, n: int) -> tuple[str, Headers]:
    (thread,) = await s.once("thread", lambda: _answered_threads(s, 1))
    citizen, ((_, staff, _),) = s.state["citizen"], await _tata_providers(s, 1)
    rows = n - 1 if "written" not in s.state else n  # the thread came with the provider's message
    for i in range(rows):  # both sides write, each within their own per-person rate limit
        author = auth_headers(citizen) if i % 2 else auth_headers(staff)
        await s.post(f"/v1/threads/{thread['id']}/messages", author, {"text": f"Messaggio {i}"})
    s.state["written"] = True
    return f"/v1/threads/{thread['id']}/messages?limit=20", auth_headers(citizen)


@seeds("list_message_reports")
async def _message_reports(s: Scope, n: int) -> tuple[str, Headers]:
    for thread in await _answered_threads(s, n):  # the citizen reports each provider's message
        citizen = auth_headers(s.state["citizen"])
        (message,) = (await s.client.get(f"/v1/threads/{thread['id']}/messages", headers=citizen)).json()["items"]
        await s.post(f"/v1/messages/{message['id']}/reports", citizen, {"reason": "spam"})
    return "/v1/message-reports?limit=20", auth_headers(await _admin(s))


# --- money and integration -------------------------------------------------------------------------


async def _partner(s: Scope) -> Any:
    async def make() -> Any:
        provider = await make_provider(s.session)
        return await make_partner_client(s.session, scopes=PARTNER_SCOPES, provider_id=provider.id)

    return await s.once("partner", make)


@seeds("list_events")
async def _events(s: Scope, n: int) -> tuple[str, Headers]:
    partner = await _partner(s)
    ids = [(await make_event(s.session, "service.published", uuid.uuid4())).id for _ in range(n)]
    # The feed shows only events of transactions older than every running one; the test's own is
    # still running, so the rows are dated to an old transaction id (they still roll back with it).
    await s.session.execute(
        update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(xact_id=literal_column("'3'::xid8"))
    )
    return "/v1/events?limit=20", partner_headers(partner)


@seeds("list_webhooks")
async def _webhooks(s: Scope, n: int) -> tuple[str, Headers]:
    partner = await _partner(s)
    for i in range(n):
        await make_subscription(s.session, partner, f"https://hooks.example.org/{len(s.state)}/{i}")
    return "/v1/webhooks?limit=20", partner_headers(partner)


async def _subscription(s: Scope) -> Any:
    partner = await _partner(s)
    return await s.once("subscription", lambda: make_subscription(s.session, partner, "https://hooks.example.org/"))


async def _delivery(s: Scope, subscription: Any) -> WebhookDelivery:
    event = await make_event(s.session, "service.published", uuid.uuid4())
    delivery = WebhookDelivery(subscription_id=subscription.id, event_id=event.id, event_type=event.type)
    s.session.add(delivery)
    await s.session.flush()
    return delivery


@seeds("list_webhook_deliveries")
async def _webhook_deliveries(s: Scope, n: int) -> tuple[str, Headers]:
    subscription = await _subscription(s)
    for _ in range(n):
        await _delivery(s, subscription)
    return f"/v1/webhooks/{subscription.id}/deliveries?limit=20", partner_headers(s.state["partner"])


@seeds("list_webhook_attempts")
async def _webhook_attempts(s: Scope, n: int) -> tuple[str, Headers]:
    subscription = await _subscription(s)
    delivery = await s.once("delivery", lambda: _delivery(s, subscription))
    for i in range(n):
        s.session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=datetime.now(UTC) - timedelta(minutes=len(s.state) * 20 + i),
                succeeded=False,
                duration_ms=12,
                status_code=503,
            )
        )
    await s.session.flush()
    url = f"/v1/webhooks/{subscription.id}/deliveries/{delivery.id}/attempts?limit=20"
    return url, partner_headers(s.state["partner"])


# --- money: programmes, applications, grants -------------------------------------------------------


@seeds("list_programmes")
async def _programmes(s: Scope, n: int) -> tuple[str, Headers]:
    admin = auth_headers(await _admin(s))
    for _ in range(n):
        await s.post("/v1/programmes", admin, programme_body())
    return "/v1/programmes?status=draft&limit=20", admin


async def _open_programme(s: Scope, **terms: Any) -> dict[str, Any]:
    admin = auth_headers(await _admin(s))
    draft = await s.post("/v1/programmes", admin, programme_body(**terms))
    return await s.post(f"/v1/programmes/{draft['id']}/open", {**admin, "If-Match": '"1"'}, expect=200)


@seeds("list_programme_applications")
async def _programme_applications(s: Scope, n: int) -> tuple[str, Headers]:
    programme = await s.once("programme", lambda: _open_programme(s, budget_cents=10_000_000))
    for _ in range(n):
        citizen = await make_user(s.session)
        await s.post(f"/v1/programmes/{programme['id']}/applications", auth_headers(citizen), application_body())
    return f"/v1/programme-applications?programme_id={programme['id']}&limit=20", auth_headers(await _admin(s))


@seeds("list_grants")
async def _grants(s: Scope, n: int) -> tuple[str, Headers]:
    citizen = await s.once("citizen", lambda: make_user(s.session))
    for _ in range(n):
        programme = await _open_programme(s)
        await s.post(f"/v1/programmes/{programme['id']}/applications", auth_headers(citizen), application_body())
    return "/v1/grants?limit=20", auth_headers(citizen)


# --- money ---------------------------------------------------------------------------------------


@seeds("list_ledger_transactions")
async def _ledger_transactions(s: Scope, n: int) -> tuple[str, Headers]:
    admin = await _admin(s)
    accounts = await s.once("ledger_accounts", lambda: open_accounts(s.session, budget_cents=1_000_000))
    for _ in range(n):
        await money.transfer(
            s.session,
            key=f"listed:{uuid.uuid4()}",
            kind="test.listed",
            lines=[(accounts.budget, -1), (accounts.expired, 1)],
        )
    return f"/v1/ledger/transactions?account_id={accounts.expired}&limit=20", auth_headers(admin)


# Lists of fixed reference data: their length is not a page of rows the caller's data grows, so the
# guard checks them against a ceiling instead (see test_query_counts.py).
FIXED_LISTS = {
    "list_categories": ("/v1/categories", "the category tree, seeded reference data"),
    "list_event_types": ("/v1/events/types", "the event catalogue, a constant in app.events.catalogue"),
    "list_hsds_taxonomies": ("/hsds/taxonomies", "one taxonomy: the platform's own category tree"),
    "get_notification_preferences": (
        "/v1/me/notification-preferences",
        "one row per notification kind, a constant in app.notification_kinds",
    ),
    "list_notification_kinds": ("/v1/notification-kinds", "the kinds, a constant in app.notification_kinds"),
}
