"""Step: services, with their search columns filled exactly as app/providers/search_columns.py would.

* coverage_nil_ids = sorted(zones served, else the provider's, ∪ NILs whose centroid is within the
  radius of the provider's real point);
* lat/lon = the provider's point, or for an individual worker their NIL's centroid;
* searchable = published and the provider accredited;
* availability_minutes = the weekly slots as minute ranges; search_vector, hourly_equivalent_cents and
  price_order_cents are generated columns.
"""

from array import array
from datetime import timedelta
from decimal import Decimal

from asyncpg import Range

from bench.load import Load, copy
from bench.world import FEATURES, nils_within

STATUSES = (("published", 0.85), ("draft", 0.07), ("paused", 0.05), ("archived", 0.03))
COLUMNS = (
    "id", "provider_id", "category_id", "title", "description", "delivery", "min_persons", "max_persons",
    "price_model", "price_cents", "weekly_hours", "session_minutes", "shared_prices", "income_based", "zones_served",
    "radius_km", "coverage_nil_ids",
    "lat", "lon", "availability", "availability_minutes", "languages", "accessibility", "capacity", "status",
    "searchable", "published_at", "last_verified_at", "created_at", "updated_at", "version",
)  # fmt: skip


def _mask(indexes) -> int:  # noqa: ANN001
    mask = 0
    for i in indexes:
        mask |= 1 << i
    return mask


async def services(load: Load) -> None:
    rng, world, n, providers = load.rng("services"), load.world, load.scale.services, load.scale.providers
    statuses = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES], k=n)
    nil_ids = [nil.id for nil in world.nils]
    radius_cache: dict[tuple[int, float], list[int]] = {}

    def rows():  # noqa: ANN202
        for j in range(n):
            p = j % providers  # every provider lists at least one service when n >= providers
            kind, specialties = load.p_kind[p], load.p_specialties[p]
            cat = world.categories[specialties[(j // providers) % len(specialties)]]
            lat, lon = load.p_lat[p], load.p_lon[p]
            if kind == "individual":
                zones_served, radius = [], float(rng.choice((2.0, 2.5, 3.0, 3.5, 4.0)))
                point = (world.nils[load.p_nil[p]].lat, world.nils[load.p_nil[p]].lon)
            else:
                own = load.p_zones[p]
                zones_served = sorted(rng.sample(own, max(1, len(own) // 2))) if rng.random() < 0.3 else []
                radius = 3.0 if rng.random() < 0.2 else None
                point = (lat, lon)
            covered = set(zones_served or load.p_zones[p])
            if radius:
                key = (p, radius)
                if key not in radius_cache:
                    radius_cache[key] = nils_within(world, lat, lon, radius)
                covered |= set(radius_cache[key])
            coverage = sorted(nil_ids[i] for i in covered)
            variant = rng.choice(cat.offers)
            price = None if cat.price_cents is None else int(round(cat.price_cents * rng.uniform(0.85, 1.25), -1))
            shared = "[]"
            if cat.delivery == "shared" and price is not None and cat.persons:
                low, high = cat.persons
                shared = ", ".join(
                    f'{{"group_size": {size}, "price_per_person_cents": {int(price * (0.9 - 0.1 * (size - 2)))}}}'
                    for size in range(low, min(high, low + 3) + 1)
                )
                shared = f"[{shared}]"
            hours = None if cat.weekly_hours is None else Decimal(str(cat.weekly_hours))  # numeric, for COPY
            status = statuses[j]
            searchable = status == "published" and load.p_state[p] == "accredited"
            created = load.now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
            published = created + timedelta(days=1) if status in ("published", "paused") else None
            if published is not None and published > load.now:
                published = load.now
            title = f"{cat.titles[j % len(cat.titles)]} — {load.p_name[p]}"[:160]
            description = (
                f"Servizio di {cat.slug.replace('-', ' ')} a {world.nils[load.p_nil[p]].name.title()}: "
                f"{rng.choice(FEATURES)}, {rng.choice(FEATURES)}."
            )
            load.s_provider.append(p)
            load.s_category.append(cat.index)
            load.s_coverage.append(_mask(covered))
            load.s_price.append(price)
            load.s_searchable.append(searchable)
            if searchable:
                load.searchable_by_category.setdefault(cat.index, array("I")).append(j)
            yield (
                load.ids("service", j), load.ids("provider", p), cat.id, title, description, cat.delivery,
                cat.persons[0] if cat.persons else None, cat.persons[1] if cat.persons else None, cat.price_model,
                price, hours, cat.session_minutes, shared, rng.random() < 0.3, sorted(nil_ids[i] for i in zones_served),
                radius, coverage,
                point[0], point[1], variant.json, [Range(lo, hi) for lo, hi in variant.ranges], load.p_langs[p],
                "Operatori formati per persone con disabilità motoria" if "trasporto" in cat.slug else None,
                cat.persons[1] if cat.persons else rng.choice((None, 2, 4)), status, searchable, published,
                load.now - timedelta(days=rng.randint(0, 60)) if published else None, created,
                max(created, load.now - timedelta(days=rng.randint(0, 30))), 1,
            )  # fmt: skip

    load.counts["service"] = await copy(load.conn, "service", COLUMNS, rows())
