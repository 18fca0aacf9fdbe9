"""What the generator's steps share: the scale, the world, deterministic randomness and COPY."""

import random
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from bench.world import Ids, World


@dataclass(frozen=True)
class Scale:
    citizens: int
    providers: int
    services: int
    requests: int
    open_requests: int
    pools: int


SCALES = {
    "tiny": Scale(citizens=300, providers=40, services=200, requests=1_000, open_requests=120, pools=5),
    "small": Scale(citizens=20_000, providers=2_000, services=10_000, requests=100_000, open_requests=5_000, pools=500),
    "city": Scale(
        citizens=200_000, providers=20_000, services=100_000, requests=1_000_000, open_requests=50_000, pools=5_000
    ),
    "region": Scale(
        citizens=2_000_000,
        providers=200_000,
        services=1_000_000,
        requests=10_000_000,
        open_requests=500_000,
        pools=50_000,
    ),
}

CHUNK = 25_000


@dataclass
class Load:
    """The generation in progress. Steps append what later steps need (compact arrays: the region
    scale has 2M citizens and 1M services)."""

    conn: asyncpg.Connection
    world: World
    scale: Scale
    seed: int
    now: datetime
    password_hash: str
    ids: Ids
    counts: dict[str, int] = field(default_factory=dict)
    # citizens: home NIL index and point
    home_nil: array = field(default_factory=lambda: array("H"))
    home_lat: array = field(default_factory=lambda: array("d"))
    home_lon: array = field(default_factory=lambda: array("d"))
    operators: list = field(default_factory=list)  # hub-operator user ids (bench.steps_sharing.hub_plan)
    citizens_by_nil: dict[int, list[int]] = field(default_factory=dict)
    # hubs and condominiums (bench/steps_sharing.py)
    hubs: list = field(default_factory=list)  # HubPlan
    nil_operators: dict[int, list[int]] = field(default_factory=dict)  # NIL index → operator numbers
    condos: list = field(default_factory=list)  # (number, NIL index, hub index, resident citizen numbers)
    # providers
    p_kind: list = field(default_factory=list)
    p_state: list = field(default_factory=list)
    p_nil: array = field(default_factory=lambda: array("H"))
    p_lat: array = field(default_factory=lambda: array("d"))
    p_lon: array = field(default_factory=lambda: array("d"))
    p_zones: list = field(default_factory=list)  # sorted NIL indexes served
    p_langs: list = field(default_factory=list)
    p_name: list = field(default_factory=list)
    p_specialties: list = field(default_factory=list)  # category indexes
    p_staff: list = field(default_factory=list)  # first staff user id of each provider
    # services
    s_provider: array = field(default_factory=lambda: array("I"))
    s_category: array = field(default_factory=lambda: array("H"))
    s_coverage: list = field(default_factory=list)  # bit mask of covered NIL indexes
    s_price: list = field(default_factory=list)
    s_searchable: bytearray = field(default_factory=bytearray)
    searchable_by_category: dict[int, array] = field(default_factory=dict)
    # open requests: (number, category index, nil index, mode, schedule json, weekly minutes, provider kinds)
    open_requests: list = field(default_factory=list)
    invited: dict[int, list] = field(default_factory=dict)  # request number → [(provider, service)]

    def rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:{step}")  # noqa: S311 - synthetic data, reproducible on purpose


async def copy(conn: asyncpg.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """COPY rows in chunks (binary protocol, no ORM); returns how many."""
    total, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
            total, chunk = total + len(chunk), []
    if chunk:
        await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
        total += len(chunk)
    return total


def weighted(rng: random.Random, weights: Sequence[float], count: int) -> list[int]:
    return rng.choices(range(len(weights)), weights=weights, k=count)
