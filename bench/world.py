"""The synthetic Milan's fixed parts: zones, categories, price/schedule templates, names, ids.

Everything here is derived from the app's own reference data (app/zones, app/categories,
app/seed/data/catalog_demo.json), so generated rows use the same NIL ids, category ids and the
same believable prices and weekly slots as the demo catalogue.
"""

import json
import math
import random
import uuid
from dataclasses import dataclass
from importlib import resources

from app.geo import haversine_km
from app.models import ZoneKind
from app.schedules import DAYS, MINUTES_PER_DAY, minutes_of
from app.seed.reference import category_rows, zone_rows

FIRST_NAMES = [
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Chiara",
    "Matteo",
    "Sara",
    "Alessandro",
    "Martina",
    "Andrea",
    "Elena",
    "Davide",
    "Valentina",
    "Simone",
    "Federica",
    "Lorenzo",
    "Giorgia",
    "Paolo",
    "Anna",
    "Stefano",
    "Laura",
    "Roberto",
    "Silvia",
    "Giovanni",
    "Ahmed",
    "Fatima",
    "Mohamed",
    "Yasmin",
    "Ana",
    "Maria",
    "Jose",
    "Olena",
    "Irina",
    "Mihai",
    "Li",
    "Wei",
    "Chen",
    "Priya",
    "Rahul",
    "Grace",
    "Samuel",
    "Amina",
    "Omar",
    "Sofia",
    "Beatrice",
]
LAST_NAMES = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "DeLuca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Hassan",
    "ElAmrani",
    "Santos",
    "Popescu",
    "Kovalenko",
    "Zhang",
    "Wang",
    "Singh",
    "Okafor",
    "Mensah",
    "Cruz",
    "Reyes",
    "Garcia",
    "Lopez",
]
STREETS = [
    "Padova",
    "Valla",
    "Ornato",
    "Capuana",
    "Venini",
    "Washington",
    "Solari",
    "Lorenteggio",
    "Ripamonti",
    "Meda",
    "Sarpi",
    "Paolo",
    "Sarpi",
    "Monza",
    "Palmanova",
    "Novara",
    "Forze",
    "Armate",
    "Mecenate",
    "Corsica",
    "Bligny",
    "Tortona",
    "Vigevano",
    "Giambellino",
    "Inganni",
    "Bovisasca",
]
ORG_WORDS = [
    "Il Melograno",
    "La Rete",
    "Spazio Aperto",
    "Il Girasole",
    "Insieme",
    "La Tenda",
    "Filo d'Erba",
    "Il Sorriso",
    "Agorà",
    "Arcobaleno",
    "La Bottega",
    "Il Ponte",
    "Terzo Tempo",
    "Mani Amiche",
    "La Casa di Tutti",
    "Il Cerchio",
    "Sentieri",
    "Crescere",
    "La Lanterna",
]
ORG_PREFIX = {
    "cooperative": "Cooperativa Sociale",
    "association": "Associazione",
    "social_enterprise": "Impresa Sociale",
    "company": "Servizi",
    "volunteer_group": "Gruppo Volontari",
}
FEATURES = (
    "operatori formati e referenziati",
    "esperienza con bambini piccoli",
    "parla inglese",
    "disponibilità anche nel fine settimana",
    "sostituzione garantita in caso di assenza",
    "primo colloquio gratuito",
    "attenzione alle persone con disabilità",
    "tariffe agevolate ISEE",
    "a pochi passi dalla metropolitana",
    "personale con attestato di primo soccorso",
)
LANGUAGE_CHOICES = (("en", 0.30), ("es", 0.08), ("fr", 0.05), ("ar", 0.05), ("ro", 0.04), ("uk", 0.03), ("zh", 0.02))


@dataclass(frozen=True, slots=True)
class Nil:
    index: int
    id: uuid.UUID
    code: int
    name: str
    municipio: uuid.UUID
    lat: float
    lon: float
    weight: float  # area: a crude population proxy
    jitter_km: float  # a point within this distance of the centroid is placed in this NIL by the app


@dataclass(frozen=True, slots=True)
class Variant:
    """One weekly schedule: the JSON the API stores and the minute ranges it derives."""

    json: str
    ranges: tuple[tuple[int, int], ...]
    minutes: int


@dataclass(frozen=True, slots=True)
class Category:
    index: int
    id: uuid.UUID
    slug: str
    price_model: str
    price_cents: int | None
    weekly_hours: float | None
    session_minutes: int | None
    delivery: str
    persons: tuple[int, int] | None
    titles: tuple[str, ...]
    offers: tuple[Variant, ...]  # services' availability
    needs: tuple[Variant, ...]  # requests' schedules


def _nils() -> tuple[Nil, ...]:
    rows = [r for r in zone_rows() if r["kind"] is ZoneKind.nil]
    rows.sort(key=lambda r: r["code"])
    nils = []
    for index, row in enumerate(rows):
        nearest_other = min(
            haversine_km(row["centroid_lat"], row["centroid_lon"], o["centroid_lat"], o["centroid_lon"])
            for o in rows
            if o is not row
        )
        # Inside both the NIL's reach and half-way to the next centroid, the app's "nearest centroid
        # within reach" rule places the point in this NIL: no per-point search needed.
        jitter = 0.9 * min(row["reach_km"], nearest_other / 2)
        nils.append(
            Nil(
                index=index,
                id=row["id"],
                code=row["code"],
                name=row["name"],
                municipio=row["parent_id"],
                lat=row["centroid_lat"],
                lon=row["centroid_lon"],
                weight=max(row["area_km2"], 0.3),
                jitter_km=jitter,
            )
        )
    return tuple(nils)


def _slots_json(slots: list[tuple[str, int, int]]) -> Variant:
    def hhmm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    slots = sorted(slots, key=lambda s: (DAYS.index(s[0]), s[1]))
    data = [{"day": d, "opens": hhmm(o), "closes": hhmm(c)} for d, o, c in slots]
    ranges = tuple((DAYS.index(d) * MINUTES_PER_DAY + o, DAYS.index(d) * MINUTES_PER_DAY + c) for d, o, c in slots)
    return Variant(json.dumps(data, separators=(", ", ": ")), ranges, sum(c - o for o, c in ranges))


def _variants(template: list, rng: random.Random, *, need: bool, count: int) -> tuple[Variant, ...]:
    base = [(d, minutes_of(o), minutes_of(c)) for d, o, c in template]
    out = []
    for _ in range(count):
        chosen = rng.sample(base, rng.randint(1, len(base))) if len(base) > 1 else list(base)
        slots = []
        for day, opens, closes in chosen:
            shift = rng.choice((-60, -30, 0, 0, 30, 60))
            o, c = max(0, opens + shift), min(MINUTES_PER_DAY, closes + shift)
            if need and c - o > 120:  # a family wants part of the provider's window
                start = o + 30 * rng.randint(0, (c - o - 120) // 30)
                o, c = start, min(c, start + 30 * rng.randint(4, 8))
            slots.append((day, o, c))
        out.append(_slots_json(slots))
    return tuple(out)


def _categories(rng: random.Random) -> tuple[Category, ...]:
    demo = json.loads(resources.files("app.seed").joinpath("data", "catalog_demo.json").read_text("utf-8"))
    leaves = [r for r in category_rows() if r["parent_id"] is not None]
    cats = []
    for index, row in enumerate(leaves):
        t = demo["templates"][row["slug"]]
        cats.append(
            Category(
                index=index,
                id=row["id"],
                slug=row["slug"],
                price_model=t["price_model"],
                price_cents=t["price_cents"],
                weekly_hours=t["weekly_hours"],
                session_minutes=t["session_minutes"],
                delivery=t["delivery"],
                persons=tuple(t["persons"]) if t["persons"] else None,
                titles=tuple(demo["titles"][row["slug"]]),
                offers=_variants(t["slots"], rng, need=False, count=24),
                needs=_variants(t["slots"], rng, need=True, count=24),
            )
        )
    return tuple(cats)


@dataclass(frozen=True)
class World:
    nils: tuple[Nil, ...]
    categories: tuple[Category, ...]
    nil_weights: tuple[float, ...]
    category_weights: tuple[float, ...]


# How common each category is among services and requests (care work dominates).
CATEGORY_POPULARITY = {
    "tata-babysitter": 10, "colf": 9, "badante": 9, "assistenza-domiciliare": 7, "doposcuola": 6,
    "dogsitter": 5, "pasti-a-domicilio": 4, "sostegno-scolastico": 4, "accompagnamento-visite": 4,
    "trasporto-persone-con-disabilita": 3, "piccole-commissioni": 3, "petsitter": 3, "piccola-manutenzione": 3,
    "attivita-educative": 3, "supporto-rapporto-lavoro-domestico": 2, "disbrigo-pratiche": 2,
    "facilitazione-digitale": 2, "corsi-di-italiano": 2, "educazione-finanziaria": 1,
}  # fmt: skip


def build_world(seed: int) -> World:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
    nils = _nils()
    categories = _categories(rng)
    return World(
        nils=nils,
        categories=categories,
        nil_weights=tuple(n.weight for n in nils),
        category_weights=tuple(float(CATEGORY_POPULARITY.get(c.slug, 2)) for c in categories),
    )


def point_in(nil: Nil, rng: random.Random) -> tuple[float, float]:
    """A point the app would place in `nil` (rounded to 6 decimals, ~10 cm)."""
    distance = nil.jitter_km * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    dlat = distance * math.cos(bearing) / 111.2
    dlon = distance * math.sin(bearing) / (111.2 * math.cos(math.radians(nil.lat)))
    return round(nil.lat + dlat, 6), round(nil.lon + dlon, 6)


def nils_within(world: World, lat: float, lon: float, radius_km: float) -> list[int]:
    """NIL indexes whose centroid is within the radius (zones.repository.nil_ids_within, in Python)."""
    lat7, lon7 = round(lat, 7), round(lon, 7)
    return [n.index for n in world.nils if haversine_km(n.lat, n.lon, lat7, lon7) <= radius_km]


class Ids:
    """Deterministic, valid UUIDv4s: a random high half per kind of row, the row number below.

    Sequential within a kind, so COPY appends to the primary-key index instead of splitting pages.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._high: dict[str, int] = {}

    def __call__(self, kind: str, number: int) -> uuid.UUID:
        high = self._high.get(kind)
        if high is None:
            bits = random.Random(f"ids:{self._seed}:{kind}").getrandbits(64)  # noqa: S311
            high = self._high[kind] = (bits & ~(0xF << 12)) | (0x4 << 12)  # version 4
        return uuid.UUID(int=(high << 64) | (0x8 << 60) | number)  # RFC 4122 variant
