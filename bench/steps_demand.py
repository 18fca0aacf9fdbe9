"""Steps: demand requests (a few years of history plus the open ones), invitations, offers.

Open requests respect the app's rules: at most 10 open per household, valid for 30 days from
opening (all still valid at generation time), start dates in the future. Historic requests are
expired, cancelled or fulfilled (no engagement rows are generated for the fulfilled ones).
Operator-mode requests are made by an operator of a hub serving the request's NIL.

About 30% of the open requests are open to sharing, in clusters (`plan_sharing`): one to six
households of one NIL living within ~1 km of each other want the same category on overlapping
weekly schedules, each with its home as the request's point, so pool suggestions find groups.
"""

from datetime import timedelta

from asyncpg import Range

from bench.load import Load, copy, weighted
from bench.world import STREETS, Variant

VALIDITY = timedelta(days=30)
MAX_OPEN_PER_HOUSEHOLD = 9  # the app allows 10; one slot stays free so the bench can open more
SHARING_SHARE = 0.30  # of the open requests
CLUSTER_SIZES = (1, 2, 2, 3, 3, 3, 4, 4, 5, 6)
CLUSTER_RADIUS_KM = 0.45  # from the first household: any two are within 0.9 km (the app's limit is 1 km)
HISTORY = (("expired", 0.54), ("cancelled", 0.25), ("fulfilled", 0.20), ("draft", 0.01))
NOTES = ("Bambini di 4 e 7 anni", "Persona anziana con ridotta mobilità", "Cane di taglia media", None, None)
COLUMNS = (
    "id", "citizen_id", "created_by_id", "consent_recorded_at", "consent_note", "category_id", "description",
    "address_street", "address_postcode", "lat", "lon", "nil_id", "schedule", "schedule_minutes", "start_date",
    "end_date", "budget_cents", "budget_model", "languages", "provider_kinds", "required_badges",
    "beneficiary_notes", "open_to_sharing", "mode", "status", "opened_at", "valid_until", "closed_reason",
    "created_at", "updated_at", "version",
)  # fmt: skip


def _overlap(a: Variant, b: Variant) -> int:
    return sum(max(0, min(x[1], y[1]) - max(x[0], y[0])) for x in a.ranges for y in b.ranges)


def plan_sharing(load: Load, rng, open_numbers: list[int], open_count: dict[int, int]) -> dict[int, tuple]:  # noqa: ANN001
    """Request number → (citizen, category index, need variant, (lat, lon)) for the open requests
    open to sharing: clusters of households of one NIL, close by, with overlapping schedules."""
    from bench.steps_sharing import _citizens_by_nil, _near

    world, by_nil = load.world, _citizens_by_nil(load)
    numbers = rng.sample(open_numbers, int(len(open_numbers) * SHARING_SHARE))
    plan: dict[int, tuple] = {}
    full: set[int] = set()  # households with MAX_OPEN_PER_HOUSEHOLD open requests already
    while numbers:
        size = min(rng.choice(CLUSTER_SIZES), len(numbers))
        batch, numbers = numbers[:size], numbers[size:]
        anchor = rng.randrange(load.scale.citizens)
        while open_count.get(anchor, 0) >= MAX_OPEN_PER_HOUSEHOLD:
            anchor = rng.randrange(load.scale.citizens)
        cat = world.categories[weighted(rng, world.category_weights, 1)[0]]
        need = rng.choice(cat.needs)
        households = [anchor, *_near(load, rng, anchor, CLUSTER_RADIUS_KM, size - 1, full | {anchor})]
        alat, alon = load.home_lat[anchor], load.home_lon[anchor]
        while len(households) < size:  # a sparse NIL (tiny scale): its households, with a point near the anchor
            pool = by_nil[load.home_nil[anchor]]
            c = pool[rng.randrange(len(pool))]
            if (c in households or c in full) and len(set(households) | full) < len(pool):
                continue
            households.append(c)
        for number, c in zip(batch, households, strict=True):
            lat, lon = load.home_lat[c], load.home_lon[c]
            if abs(lat - alat) > CLUSTER_RADIUS_KM / 111.2 or abs(lon - alon) > CLUSTER_RADIUS_KM / 78.0:
                # on the segment towards the anchor, inside the NIL (its disc is convex): within the radius
                t = rng.uniform(0.6, 0.95)
                lat, lon = round(lat + (alat - lat) * t, 6), round(lon + (alon - lon) * t, 6)
            own = need
            if c != anchor and rng.random() < 0.5:
                other = rng.choice(cat.needs)
                own = other if _overlap(other, need) >= 150 else need
            open_count[c] = open_count.get(c, 0) + 1
            if open_count[c] >= MAX_OPEN_PER_HOUSEHOLD:
                full.add(c)
            plan[number] = (c, cat.index, own, (lat, lon))
    return plan


async def demand_requests(load: Load) -> None:  # noqa: C901
    rng, world, scale = load.rng("demand_requests"), load.world, load.scale
    open_list = rng.sample(range(scale.requests), scale.open_requests)
    open_set = set(open_list)
    categories = weighted(rng, world.category_weights, scale.requests)
    open_count: dict[int, int] = {}
    sharing = plan_sharing(load, rng, sorted(open_list), open_count)
    today = load.now.date()

    def rows():  # noqa: ANN202
        for r in range(scale.requests):
            is_open, shared = r in open_set, sharing.get(r)
            if shared:
                c, category, need, point = shared
            else:
                c = rng.randrange(scale.citizens)
                while is_open and open_count.get(c, 0) >= MAX_OPEN_PER_HOUSEHOLD:
                    c = rng.randrange(scale.citizens)
                if is_open:
                    open_count[c] = open_count.get(c, 0) + 1
                category, point = categories[r], (load.home_lat[c], load.home_lon[c])
            cat, nil = world.categories[category], world.nils[load.home_nil[c]]
            need = need if shared else rng.choice(cat.needs)
            citizen = load.ids("citizen", c)
            roll = rng.random()
            mode = "quote" if roll < 0.65 else ("open" if roll < 0.95 else "operator")
            operators = load.nil_operators.get(nil.index)
            operator = load.ids("operator", rng.choice(operators)) if mode == "operator" and operators else None
            mode = "quote" if mode == "operator" and operator is None else mode
            with_point = shared is not None or rng.random() < 0.5
            budget = None
            if cat.price_cents is not None and rng.random() < 0.7:
                budget = int(round(cat.price_cents * rng.uniform(0.8, 1.3), -1))
            kinds = ["individual"] if rng.random() < 0.04 else (["cooperative"] if rng.random() < 0.02 else [])
            if is_open:
                status = "open"
                opened = load.now - timedelta(minutes=rng.randint(1, 28 * 1440))
                created = opened - timedelta(minutes=rng.randint(0, 30))
                start = today + timedelta(days=rng.randint(3, 60))
            else:
                status = rng.choices([s for s, _ in HISTORY], weights=[w for _, w in HISTORY])[0]
                created = load.now - timedelta(days=rng.randint(35, 900), minutes=rng.randint(0, 1439))
                opened = None if status == "draft" else created + timedelta(minutes=rng.randint(0, 30))
                start = created.date() + timedelta(days=rng.randint(7, 30))
            valid_until = opened + VALIDITY if opened else None
            updated = created if status in ("open", "draft") else min(load.now, valid_until or created)
            if is_open:
                load.open_requests.append((r, cat.index, nil.index, mode, need.json, kinds))
            yield (
                load.ids("request", r), citizen, operator or citizen,
                created if operator else None, "Consenso verbale raccolto allo Spazio WeMi" if operator else None,
                cat.id, f"Cerco {cat.slug.replace('-', ' ')} a {nil.name.title()}.",
                f"Via {rng.choice(STREETS)} {rng.randint(1, 150)}" if with_point else None,
                f"201{rng.randint(21, 62)}" if with_point else None,
                point[0] if with_point else None, point[1] if with_point else None, nil.id,
                need.json, [Range(lo, hi) for lo, hi in need.ranges], start,
                start + timedelta(days=rng.randint(30, 365)) if rng.random() < 0.2 else None,
                budget, cat.price_model if budget is not None else None,
                ["en"] if rng.random() < 0.1 else [], kinds,
                ["background_check"] if rng.random() < 0.05 else [], rng.choice(NOTES),
                shared is not None if is_open else rng.random() < 0.15, mode,
                status, opened, valid_until,
                "Non serve più" if status == "cancelled" else None, created, updated,
                1 if status == "draft" else 2,
            )  # fmt: skip

    load.counts["demand_request"] = await copy(load.conn, "demand_request", COLUMNS, rows())


def _matching_services(load: Load, rng, category: int, nil: int, kinds: list, want: int) -> list[int]:  # noqa: ANN001
    """Searchable services of the category covering the NIL (the match hard filters), one per provider."""
    pool = load.searchable_by_category.get(category)
    found: dict[int, int] = {}
    if not pool:
        return []
    bit = 1 << nil
    for _ in range(40):
        s = pool[rng.randrange(len(pool))]
        p = load.s_provider[s]
        if load.s_coverage[s] & bit and (not kinds or load.p_kind[p] in kinds) and p not in found:
            found[p] = s
            if len(found) >= want:
                break
    return list(found.values())


async def invitations(load: Load) -> None:
    """Quote and operator requests invite one to three matching providers."""
    rng = load.rng("invitations")

    def rows():  # noqa: ANN202
        for r, category, nil, mode, _, kinds in load.open_requests:
            if mode == "open":
                continue
            chosen = _matching_services(load, rng, category, nil, kinds, rng.randint(1, 3))
            load.invited[r] = chosen
            for s in chosen:
                yield (load.ids("request", r), load.ids("provider", load.s_provider[s]), load.ids("service", s), None,
                       load.now - timedelta(days=rng.randint(0, 20)))  # fmt: skip

    load.counts["request_invitation"] = await copy(
        load.conn,
        "request_invitation",
        ("request_id", "provider_id", "service_id", "invited_by_id", "invited_at"),
        rows(),
    )


async def offers(load: Load) -> None:
    """Pending offers on about 40% of the open requests: from invited providers, or any eligible one."""
    rng = load.rng("offers")
    columns = (
        "id", "request_id", "provider_id", "service_id", "created_by_id", "price_cents", "price_model", "schedule",
        "message", "contract_type", "valid_until", "status", "created_at", "updated_at", "version",
    )  # fmt: skip

    def rows():  # noqa: ANN202
        counter = 0
        for r, category, nil, mode, schedule, kinds in load.open_requests:
            if rng.random() >= 0.4:
                continue
            chosen = load.invited.get(r) if mode != "open" else _matching_services(load, rng, category, nil, kinds, 2)
            for s in (chosen or [])[: rng.randint(1, 2)]:
                p = load.s_provider[s]
                price = load.s_price[s]
                model = load.world.categories[load.s_category[s]].price_model
                contract = (
                    "volunteer"
                    if price is None
                    else ("libretto_famiglia" if load.p_kind[p] == "individual" else "organisation_purchase")
                )
                at = load.now - timedelta(minutes=rng.randint(1, 5 * 1440))
                yield (
                    load.ids("offer", counter), load.ids("request", r), load.ids("provider", p), load.ids("service", s),
                    load.p_staff[p], price or 0, "per_session" if price is None else model, schedule,
                    "Disponibili a partire dalla data indicata.", contract, load.now + timedelta(days=14), "pending",
                    at, at, 1,
                )  # fmt: skip
                counter += 1

    load.counts["offer"] = await copy(load.conn, "offer", columns, rows())
