"""Steps: hubs (Spazi WeMi) with their NILs and operators, condominiums with residents, pools.

* Hubs: the 9 real Spazi WeMi of the demo (app/seed/sharing_demo.py), then synthetic ones until
  every Municipio has one and there are HUBS_TOTAL; each serves its Municipio's NILs (and its own
  NIL), with 1-3 hub-operator accounts (made by the users step, see `hub_plan`).
* Condominiums: one per CITIZENS_PER_CONDOMINIUM citizens, at a resident's home, looked after by a
  hub serving its NIL, with 2-10 approved residents living within ~150 m (fewer at tiny scale).
* Pools: `scale.pools` in believable states (forming 30%, active 45%, closing 10%, closed 15%) and
  scopes (condominium, hub, NIL); schedule, schedule_minutes and weekly_minutes computed as
  app/pools/service.py `_schedule` does; members within min/max; active and closing pools have an
  accepted pool_offer from a provider whose searchable service covers the pool's NIL, and the
  pool's price columns copied from it (as app/pools/offers.py `accept_offer` does).
"""

import json
import random
from dataclasses import dataclass, field
from datetime import timedelta

from app.geo import haversine_km
from app.seed.reference import zone_rows
from app.seed.sharing_demo import HUBS as REAL_HUBS
from bench.load import Load, copy, weighted
from bench.steps_demand import _matching_services
from bench.world import STREETS, Nil, World, point_in

HUBS_TOTAL = 20
CITIZENS_PER_CONDOMINIUM = 100  # 2,000 buildings at city scale
POOL_STATES = (("forming", 0.30), ("active", 0.45), ("closing", 0.10), ("closed", 0.15))
POOL_SCOPES = (("condominium", 0.35), ("hub", 0.35), ("nil", 0.30))
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as app/condominiums/service.py
OFFICE_HOURS = json.dumps(
    [
        {"day": day, "opens": opens, "closes": closes}
        for day in ("mon", "tue", "wed", "thu", "fri")
        for opens, closes in (("09:00", "13:00"), ("14:00", "17:00"))
    ]
)
HUB_COLUMNS = (
    "id", "name", "description", "address_street", "address_postcode", "lat", "lon", "nil_id", "opening_hours",
    "phone", "email", "website", "is_active", "created_at", "updated_at", "version",
)  # fmt: skip


@dataclass
class HubPlan:
    index: int
    name: str
    street: str
    postcode: str
    lat: float
    lon: float
    nil: int  # NIL index where it stands
    municipio_code: int
    zones: list[int]  # NIL indexes served
    operators: list[int] = field(default_factory=list)  # operator numbers (load.ids("operator", n))


def nearest_nil(world: World, lat: float, lon: float) -> Nil:
    return min(world.nils, key=lambda n: haversine_km(n.lat, n.lon, lat, lon))


def hub_plan(load: Load) -> list[HubPlan]:
    """The hubs and their operators (deterministic; the users step creates the operator accounts)."""
    if load.hubs:
        return load.hubs
    rng, world = load.rng("hubs"), load.world
    municipio_code = {r["id"]: r["code"] for r in zone_rows() if r["parent_id"] is None}
    nils_of: dict = {}
    for nil in world.nils:
        nils_of.setdefault(nil.municipio, []).append(nil.index)
    hubs: list[HubPlan] = []

    def add(name: str, street: str, postcode: str, lat: float, lon: float, nil: Nil) -> None:
        zones = sorted(set(nils_of[nil.municipio]) | {nil.index})
        hubs.append(HubPlan(len(hubs), name, street, postcode, lat, lon, nil.index, municipio_code[nil.municipio],
                            zones))  # fmt: skip

    for name, street, postcode, lat, lon in REAL_HUBS:
        add(name, street, postcode, lat, lon, nearest_nil(world, lat, lon))
    covered = {world.nils[h.nil].municipio for h in hubs}
    wanted = [m for m in sorted(nils_of, key=lambda m: municipio_code[m]) if m not in covered]
    while len(hubs) < HUBS_TOTAL:
        municipio = wanted.pop(0) if wanted else rng.choice(sorted(nils_of, key=lambda m: municipio_code[m]))
        nil = world.nils[rng.choice(nils_of[municipio])]
        name = f"Spazio WeMi {nil.name.title()}"
        if any(h.name == name for h in hubs):
            continue
        lat, lon = point_in(nil, rng)
        add(name, f"via {rng.choice(STREETS)} {rng.randint(1, 150)}", f"201{rng.randint(21, 62)}", lat, lon, nil)
    counter = 0
    for hub in hubs:
        for _ in range(rng.randint(1, 3)):
            hub.operators.append(counter)
            counter += 1
    load.hubs = hubs
    for hub in hubs:
        for z in hub.zones:
            load.nil_operators.setdefault(z, []).extend(hub.operators)
    return hubs


def _hub_of_nil(load: Load, nil: int) -> HubPlan:
    """The hub that looks after a NIL: the first serving it by name (as app/pools/service.py)."""
    return min((h for h in load.hubs if nil in h.zones), key=lambda h: h.name)


async def hubs(load: Load) -> None:
    rng, world, plan = load.rng("hubs-rows"), load.world, hub_plan(load)
    created = load.now - timedelta(days=400)
    rows, zones, operators = [], [], []
    for h in plan:
        hub_id = load.ids("hub", h.index)
        rows.append((
            hub_id, h.name, f"Spazio WeMi: orientamento ai servizi di cura del Municipio {h.municipio_code}.",
            h.street, h.postcode, h.lat, h.lon, world.nils[h.nil].id, OFFICE_HOURS, "+39 02 8845 0000",
            "wemi@comune.milano.it", "https://wemi.comune.milano.it", True, created, created, 1,
        ))  # fmt: skip
        zones += [(hub_id, world.nils[z].id) for z in h.zones]
        operators += [
            (hub_id, load.ids("operator", n), created + timedelta(days=rng.randint(0, 30)), load.ids("admin", 0))
            for n in h.operators
        ]
    load.counts["hub"] = await copy(load.conn, "hub", HUB_COLUMNS, rows)
    load.counts["hub_zone"] = await copy(load.conn, "hub_zone", ("hub_id", "zone_id"), zones)
    load.counts["hub_operator"] = await copy(
        load.conn, "hub_operator", ("hub_id", "user_id", "added_at", "added_by_id"), operators
    )


def _citizens_by_nil(load: Load) -> dict[int, list[int]]:
    if not load.citizens_by_nil:
        for c, nil in enumerate(load.home_nil):
            load.citizens_by_nil.setdefault(nil, []).append(c)
    return load.citizens_by_nil


def _near(load: Load, rng: random.Random, anchor: int, radius_km: float, want: int, taken: set[int]) -> list[int]:
    """Up to `want` other citizens of the anchor's NIL living within radius_km of them (sampled)."""
    lat, lon = load.home_lat[anchor], load.home_lon[anchor]
    pool = _citizens_by_nil(load)[load.home_nil[anchor]]
    found: list[int] = []
    for _ in range(want * 12):
        c = pool[rng.randrange(len(pool))]
        if c == anchor or c in taken or c in found:
            continue
        if haversine_km(lat, lon, load.home_lat[c], load.home_lon[c]) <= radius_km:
            found.append(c)
            if len(found) >= want:
                break
    return found


async def condominiums(load: Load) -> None:
    rng, world = load.rng("condominiums"), load.world
    n = max(3, load.scale.citizens // CITIZENS_PER_CONDOMINIUM)
    anchors = weighted(rng, world.nil_weights, n)
    codes: set[str] = set()
    taken: set[int] = set()
    buildings, members = [], []
    pool = _citizens_by_nil(load)
    for b in range(n):
        nil = anchors[b]
        while not pool.get(nil):
            nil = rng.randrange(len(world.nils))
        anchor = pool[nil][rng.randrange(len(pool[nil]))]
        for _ in range(10):
            if anchor not in taken:
                break
            anchor = pool[nil][rng.randrange(len(pool[nil]))]
        residents = [anchor, *_near(load, rng, anchor, 0.15, rng.randint(1, 9), taken | {anchor})]
        if len(residents) < 2:  # sparse (tiny scale): the NIL's nearest households
            residents += _near(load, rng, anchor, 3.0, 2, taken | {anchor})
        residents = list(dict.fromkeys(residents))[:10]
        taken |= set(residents)
        hub = _hub_of_nil(load, nil)
        code = ""
        while not code or code in codes:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
        codes.add(code)
        cid = load.ids("condominium", b)
        street = f"via {rng.choice(STREETS)} {rng.randint(1, 150)}"
        created = load.now - timedelta(days=rng.randint(30, 365))
        operator = load.ids("operator", rng.choice(hub.operators))
        buildings.append((
            cid, f"Condominio {street[4:]}", street, f"201{rng.randint(21, 62)}", load.home_lat[anchor],
            load.home_lon[anchor], world.nils[nil].id, load.ids("hub", hub.index),
            f"Studio Amministrazioni {rng.choice(STREETS)}" if rng.random() < 0.8 else None,
            None, None, code, operator, created, created, 1,
        ))  # fmt: skip
        load.condos.append((b, nil, hub.index, residents))
        for c in residents:
            at = created + timedelta(days=rng.randint(0, 25), minutes=rng.randint(0, 1439))
            members.append((cid, load.ids("citizen", c), "approved", at, at, None))
    columns = (
        "id", "name", "address_street", "address_postcode", "lat", "lon", "nil_id", "hub_id", "administrator_name",
        "administrator_email", "administrator_phone", "join_code", "created_by_id", "created_at", "updated_at",
        "version",
    )  # fmt: skip
    load.counts["condominium"] = await copy(load.conn, "condominium", columns, buildings)
    load.counts["condominium_member"] = await copy(
        load.conn,
        "condominium_member",
        ("condominium_id", "citizen_id", "status", "requested_at", "decided_at", "decided_by_id"),
        members,
    )


def _non_overlapping(ranges: tuple[tuple[int, int], ...]) -> bool:
    spans = sorted(ranges)
    return all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def _covering(load: Load, rng: random.Random, searchable: list[int], nil: int) -> list[int]:
    """A searchable service (any category) covering the NIL, sampled."""
    bit = 1 << nil
    for _ in range(200):
        s = searchable[rng.randrange(len(searchable))]
        if load.s_coverage[s] & bit:
            return [s]
    return []


POOL_COLUMNS = (
    "id", "title", "description", "category_id", "scope", "condominium_id", "hub_id", "nil_id", "schedule",
    "schedule_minutes", "weekly_minutes", "min_members", "max_members", "split_rule", "notice_days", "state",
    "service_id", "provider_id", "accepted_offer_id", "weekly_cost_cents", "individual_hourly_cents",
    "created_by_id", "activated_at", "closes_at", "closed_at", "created_at", "updated_at", "version",
)  # fmt: skip
MEMBER_COLUMNS = (
    "id", "pool_id", "citizen_id", "request_id", "status", "weekly_minutes", "invited_at", "joined_at", "leaves_at",
    "left_at", "created_at",
)  # fmt: skip
OFFER_COLUMNS = (
    "id", "pool_id", "provider_id", "service_id", "created_by_id", "weekly_price_cents", "individual_hourly_cents",
    "message", "valid_until", "status", "decided_at", "created_at", "updated_at", "version",
)  # fmt: skip


async def pools(load: Load) -> None:  # noqa: C901, PLR0915 - one pool's believable story, in order
    from asyncpg import Range

    rng, world, now = load.rng("pools"), load.world, load.now
    by_nil = _citizens_by_nil(load)
    hubs_ = hub_plan(load)
    states = rng.choices([s for s, _ in POOL_STATES], weights=[w for _, w in POOL_STATES], k=load.scale.pools)
    scopes = rng.choices([s for s, _ in POOL_SCOPES], weights=[w for _, w in POOL_SCOPES], k=load.scale.pools)
    categories = weighted(rng, world.category_weights, load.scale.pools)
    searchable = [s for s, ok in enumerate(load.s_searchable) if ok]
    pool_rows, member_rows, offer_rows = [], [], []
    member_n = offer_n = 0
    for p in range(load.scale.pools):
        pid, state, scope, cat = load.ids("pool", p), states[p], scopes[p], world.categories[categories[p]]
        condo = None
        if scope == "condominium":
            condo = load.condos[rng.randrange(len(load.condos))]
            _, nil, hub_index, candidates = condo
        elif scope == "hub":
            hub_index = rng.randrange(len(hubs_))
            nil = hubs_[hub_index].nil
            candidates = [c for z in hubs_[hub_index].zones for c in rng.sample(by_nil.get(z, []),
                          min(3, len(by_nil.get(z, []))))]  # fmt: skip
        else:
            nil = weighted(rng, world.nil_weights, 1)[0]
            hub_index = _hub_of_nil(load, nil).index
            candidates = rng.sample(by_nil.get(nil, []), min(12, len(by_nil.get(nil, []))))
        if len(candidates) < 2:
            scope, nil = "hub", hubs_[hub_index].nil
            candidates = [c for z in hubs_[hub_index].zones for c in by_nil.get(z, [])[:3]]
        chosen = []
        if state != "forming":  # served: by a listing of the category covering the NIL, else of another category
            chosen = _matching_services(load, rng, cat.index, nil, [], 1) or _covering(load, rng, searchable, nil)
            if chosen:
                cat = world.categories[load.s_category[chosen[0]]]
            else:
                state = "forming"  # nobody serves this NIL: still looking
        variant = rng.choice(cat.needs)
        for _ in range(8):
            if _non_overlapping(variant.ranges):
                break
            variant = rng.choice(cat.needs)
        if not _non_overlapping(variant.ranges):  # the API refuses overlapping slots: keep the first one
            first = json.loads(variant.json)[0]
            schedule, ranges = json.dumps([first]), (min(variant.ranges),)
        else:
            schedule, ranges = variant.json, variant.ranges
        weekly = sum(hi - lo for lo, hi in ranges)
        min_members = min(rng.choice((2, 2, 3, 3, 4)), len(candidates))
        max_members = min(min_members + rng.randint(0, 3), len(candidates), 8)
        min_members = max(2, min(min_members, max_members))
        split = "by_hours" if rng.random() < 0.3 else "equal"
        notice = rng.choice((7, 14, 14, 30))
        created = now - timedelta(days=rng.randint(20, 400), minutes=rng.randint(0, 1439))
        hub = hubs_[hub_index]
        operator = load.ids("operator", rng.choice(hub.operators))
        priced = state in ("active", "closing") or (state == "closed" and rng.random() < 0.7)
        low, high = (1, max_members - 1) if state == "forming" else (min_members, max_members)
        count = rng.randint(low, high)
        people = rng.sample(candidates, count)
        creator = operator if scope == "hub" or rng.random() < 0.3 else load.ids("citizen", people[0])
        activated = created + timedelta(days=rng.randint(3, 15)) if priced else None
        closes = closed = None
        if state == "closing":
            closes = now + timedelta(days=rng.randint(1, notice))
        elif state == "closed":
            closed = (activated or created) + timedelta(days=rng.randint(5, 15))
            closes = closed if priced else None
        service_id = provider_id = offer_id = cost = hourly = None
        if chosen:
            s = chosen[0]
            provider = load.s_provider[s]
            service_id, provider_id = load.ids("service", s), load.ids("provider", provider)
            hourly = load.s_price[s] or cat.price_cents or 1200
            hourly = max(600, min(hourly, 3000))  # an hourly rate even for monthly or per-session listings
            weekly_price = int(round(hourly * weekly / 60 * rng.uniform(1.3, 1.8), -2))
            offer_status = "accepted" if priced else "withdrawn"
            offered = created + timedelta(days=rng.randint(1, 3))
            decided = activated or offered + timedelta(days=2)
            offer_id = load.ids("pool_offer", offer_n)
            offer_n += 1
            offer_rows.append((
                offer_id, pid, provider_id, service_id, load.p_staff[provider], weekly_price, hourly,
                "Una nostra operatrice per tutto il gruppo, sostituta garantita.", offered + timedelta(days=14),
                offer_status, decided, offered, decided, 2,
            ))  # fmt: skip
            if priced:
                cost = weekly_price
            else:
                service_id = provider_id = offer_id = hourly = None
        elif state == "forming" and rng.random() < 0.4:  # a pending offer waiting for the coordinator
            found = _matching_services(load, rng, cat.index, nil, [], 1)
            if found:
                s = found[0]
                provider = load.s_provider[s]
                at = now - timedelta(days=rng.randint(0, 10))
                hourly_offer = max(600, min(load.s_price[s] or cat.price_cents or 1200, 3000))
                offer_rows.append((
                    load.ids("pool_offer", offer_n), pid, load.ids("provider", provider), load.ids("service", s),
                    load.p_staff[provider], int(round(hourly_offer * weekly / 60 * rng.uniform(1.3, 1.8), -2)),
                    hourly_offer, "Disponibili da subito.", at + timedelta(days=14), "pending", None, at, at, 1,
                ))  # fmt: skip
                offer_n += 1
        for k, c in enumerate(people):
            joined = created + timedelta(days=k * rng.randint(0, 3), minutes=rng.randint(0, 600))
            status, leaves, left = "active", None, None
            if state == "closed":
                status, left = "left", closed
            elif state == "active" and k == count - 1 and count > min_members and rng.random() < 0.15:
                status, leaves = "leaving", now + timedelta(days=rng.randint(1, notice))
            elif state == "forming" and k > 0 and rng.random() < 0.15:
                status = "invited"
            minutes = None
            if split == "by_hours":
                minutes = max(60, min(weekly, 30 * rng.randint(2, max(2, weekly // 30))))
            member_rows.append((
                load.ids("pool_member", member_n), pid, load.ids("citizen", c), None, status,
                minutes if status != "invited" else None, joined if status == "invited" else None,
                None if status == "invited" else joined, leaves, left, joined,
            ))  # fmt: skip
            member_n += 1
        where = {"condominium": "nel condominio", "hub": f"con {hub.name}", "nil": f"a {world.nils[nil].name.title()}"}
        pool_rows.append((
            pid, f"{cat.slug.replace('-', ' ').capitalize()} condivisa {where[scope]}"[:200],
            "Più famiglie, una sola persona di fiducia: costi divisi.", cat.id, scope,
            load.ids("condominium", condo[0]) if scope == "condominium" else None, load.ids("hub", hub_index),
            world.nils[nil].id, schedule, [Range(lo, hi) for lo, hi in sorted(ranges)], weekly, min_members,
            max_members, split, notice, state, service_id, provider_id, offer_id, cost, hourly, creator, activated,
            closes, closed, created, closed or activated or created, 1 + (activated is not None) + (closes is not None),
        ))  # fmt: skip
    load.counts["pool"] = await copy(load.conn, "pool", POOL_COLUMNS, pool_rows)
    load.counts["pool_member"] = await copy(load.conn, "pool_member", MEMBER_COLUMNS, member_rows)
    load.counts["pool_offer"] = await copy(load.conn, "pool_offer", OFFER_COLUMNS, offer_rows)
