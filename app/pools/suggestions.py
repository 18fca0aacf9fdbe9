"""Pool suggestions: groups of compatible open requests whose households said they would share.

Two requests are compatible when they are open, open to sharing, of one category, of two
households, overlap at least `suggestion_min_overlap_minutes` a week, and either share a
condominium or lie within `suggestion_max_distance_km` of each other in one NIL (the database finds
these pairs). A group grows greedily from a seed: the most-overlapping compatible request first,
as long as it is compatible with every member and the group's common schedule keeps the minimum.

Operators get the groups across their hubs' NILs, each request in one group at most, with request
ids; a citizen gets one group per own request, showing the others only by NIL. An operator's groups
come from the worker's snapshot of that set of NILs when there is one (app/pools/snapshots.py: the
same grouping, kept current from a change log), so the call reads a page of stored groups instead
of grouping a hub's whole demand; without one (a hub's NILs just changed) they are grouped here. Each suggestion
carries a sealed token (encrypted, see suggestion_tokens: it reveals no request id), bound to the
caller and valid for a day, that POST /v1/pools redeems after checking the group again.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from app.condominiums import service as condominium_service
from app.config import get_settings
from app.errors import Conflict, Forbidden, ValidationFailed
from app.hubs import service as hub_service
from app.models import PoolScope, PoolSuggestionGroup, Role, User
from app.pools import access, suggestion_tokens
from app.pools import repository as repo
from app.pools.access import Viewer
from app.pools.schemas import MAX_MEMBERS
from app.schedules import Span, WeeklySlot, intersect, slots_of, spans_of, total_minutes


class SuggestionInvalid(ValidationFailed):
    code = "suggestion_invalid"


class SuggestionStale(Conflict):
    code = "suggestion_stale"


@dataclass(slots=True)
class Invitee:
    citizen_id: uuid.UUID
    request_id: uuid.UUID


@dataclass(slots=True)
class Redeemed:
    category_id: uuid.UUID
    scope: PoolScope
    condominium_id: uuid.UUID | None
    nil_id: uuid.UUID
    hub_id: uuid.UUID | None
    common_schedule: list[WeeklySlot]
    invitees: list[Invitee]


SharingRequest = repo.SharingRequest


@dataclass(slots=True)
class Group:
    """Compatible requests of different households, the schedule they have in common and, when all
    live in one, their condominium; `token` redeems it (POST /v1/pools), for the caller only."""

    requests: list[Any]  # SharingRequest rows, or StoredRequest read back from a snapshot
    common: list[Span]
    condominium_id: uuid.UUID | None
    token: str = ""


@dataclass(slots=True)
class Suggestions:
    groups: list[Group]  # the `limit` biggest
    total: int  # groups found in all
    operator: bool  # hub operators (and admins) see every request id, a citizen only their own


# --- finding groups --------------------------------------------------------------------------------


async def _graph(
    session: AsyncSession, seed_ids: list[uuid.UUID], now: datetime, *, one_category: bool = False
) -> tuple[dict[uuid.UUID, dict[uuid.UUID, int]], dict[uuid.UUID, SharingRequest]]:
    """Compatibility (minutes of overlap) among the seeds, their partners, and the partners' partners."""
    settings = get_settings().pools
    max_km, min_minutes = settings.suggestion_max_distance_km, settings.suggestion_min_overlap_minutes
    edges: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    pairs = await repo.compatible_pairs(
        session, seed_ids, now=now, max_distance_km=max_km, min_overlap_minutes=min_minutes, one_category=one_category
    )
    partners = sorted({b for _, b, _ in pairs} - set(seed_ids))
    if partners:
        pairs += await repo.compatible_pairs(
            session,
            partners,
            now=now,
            max_distance_km=max_km,
            min_overlap_minutes=min_minutes,
            one_category=one_category,
        )
    for a, b, minutes in pairs:
        edges.setdefault(a, {})[b] = minutes
        edges.setdefault(b, {})[a] = minutes
    involved = sorted(set(seed_ids) | set(edges))
    rows = await repo.sharing_requests(session, now=now, request_ids=involved)
    return edges, {r.id: r for r in rows}


def _grow(seed: SharingRequest, edges, rows, used: set[uuid.UUID], minimum: int) -> Group | None:
    group, common = [seed], spans_of(seed.schedule_minutes)
    candidates = sorted(edges.get(seed.id, {}).items(), key=lambda item: (-item[1], str(item[0])))
    for other_id, _ in candidates:
        if len(group) == MAX_MEMBERS:  # a bigger group could never become one pool
            break
        other = rows.get(other_id)
        if other is None or other_id in used or other.citizen_id in {r.citizen_id for r in group}:
            continue
        if not all(other_id in edges.get(member.id, {}) for member in group):
            continue
        narrowed = intersect(common, spans_of(other.schedule_minutes))
        if total_minutes(narrowed) >= minimum:
            group.append(other)
            common = narrowed
    return Group(group, common, None) if len(group) >= 2 else None


async def _groups(
    session: AsyncSession, seeds: list[SharingRequest], now: datetime, *, exclusive: bool, one_category: bool = False
) -> list[Group]:
    if not seeds:
        return []
    minimum = get_settings().pools.suggestion_min_overlap_minutes
    edges, rows = await _graph(session, [s.id for s in seeds], now, one_category=one_category)
    used: set[uuid.UUID] = set()
    groups = []
    for seed in seeds:
        if seed.id in used or seed.id not in rows:
            continue
        group = _grow(seed, edges, rows, used, minimum)
        if group is None:
            continue
        groups.append(group)
        if exclusive:
            used |= {r.id for r in group.requests}
    buildings = await _buildings(session, [r.citizen_id for g in groups for r in g.requests])
    for group in groups:
        shared = set.intersection(*(buildings.get(r.citizen_id, set()) for r in group.requests))
        group.condominium_id = min(shared) if shared else None
    return groups


async def _buildings(session: AsyncSession, citizen_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    return await condominium_service.buildings_of(session, sorted(set(citizen_ids)))


async def groups_in(
    session: AsyncSession, nil_ids: list[uuid.UUID], category_id: uuid.UUID, now: datetime
) -> list[Group]:
    """An operator's groups of one category over some NILs (what a snapshot stores, per category:
    requests of two categories are never compatible, so each category groups on its own)."""
    seeds = await repo.sharing_requests(session, now=now, nil_ids=nil_ids, category_id=category_id)
    return await _groups(session, seeds, now, exclusive=True, one_category=True)


# --- groups stored by the worker -------------------------------------------------------------------

SCOPE_NAMESPACE = uuid.UUID("0b5f3c2e-6f1d-4c39-9a53-2f4d8f0c7a11")


def scope_key(nil_ids: list[uuid.UUID]) -> uuid.UUID:
    """The snapshot key of a set of NILs (order and repeats do not matter)."""
    return uuid.uuid5(SCOPE_NAMESPACE, ",".join(sorted({str(n) for n in nil_ids})))


class Bound(NamedTuple):
    """A stored schedule span, read like the database's Range (`lower`, `upper`)."""

    lower: int
    upper: int


@dataclass(slots=True)
class StoredRequest:
    """A grouped request as a snapshot keeps it: the columns grouping and the views read."""

    id: uuid.UUID
    citizen_id: uuid.UUID
    category_id: uuid.UUID
    nil_id: uuid.UUID
    schedule_minutes: list[Bound]


def stored_row(key: uuid.UUID, group: Group) -> dict[str, Any]:
    """A group as a pool_suggestion_group row (JSON: ids as strings, spans as pairs)."""
    first = group.requests[0]
    return {
        "scope_key": key,
        "first_request_id": first.id,
        "category_id": first.category_id,
        "size": len(group.requests),
        "common_minutes": total_minutes(group.common),
        "condominium_id": group.condominium_id,
        "requests": [
            [str(r.id), str(r.citizen_id), str(r.nil_id), [list(span) for span in spans_of(r.schedule_minutes)]]
            for r in group.requests
        ],
        "common": [list(span) for span in group.common],
    }


def _stored_group(row: PoolSuggestionGroup) -> Group:
    requests = [
        StoredRequest(
            id=uuid.UUID(request_id),
            citizen_id=uuid.UUID(citizen_id),
            category_id=row.category_id,
            nil_id=uuid.UUID(nil_id),
            schedule_minutes=[Bound(start, end) for start, end in spans],
        )
        for request_id, citizen_id, nil_id, spans in row.requests
    ]
    return Group(requests, [(start, end) for start, end in row.common], row.condominium_id)


async def _stored(
    session: AsyncSession, nil_ids: list[uuid.UUID], category_id: uuid.UUID | None, limit: int
) -> Suggestions | None:
    """The snapshot's page of groups for these NILs, or None when there is none computed with
    today's settings."""
    key = scope_key(nil_ids)
    scope = await repo.stored_scope(session, key)
    settings = get_settings().pools
    if scope is None or (scope.max_distance_km, scope.min_overlap_minutes) != (
        settings.suggestion_max_distance_km,
        settings.suggestion_min_overlap_minutes,
    ):
        return None
    rows, total = await repo.stored_groups(session, key, category_id=category_id, limit=limit)
    return Suggestions(groups=[_stored_group(row) for row in rows], total=total, operator=True)


# --- the API ---------------------------------------------------------------------------------------


async def suggest(
    session: AsyncSession, user: User, *, hub_id: uuid.UUID | None, category_id: uuid.UUID | None, limit: int
) -> Suggestions:
    now = datetime.now(UTC)
    viewer = await access.viewer_of(session, user)
    if user.role in (Role.hub_operator, Role.admin):
        if hub_id is not None:
            await hub_service.require_operator(session, user, hub_id)
            nils = await hub_service.nils_served(session, hub_id)
        elif user.role == Role.admin:
            raise ValidationFailed("Admins name the hub (hub_id).", pointer="hub_id", location="query")
        else:
            nils = viewer.nil_ids
        stored = await _stored(session, nils, category_id, limit) if nils else None
        if stored is not None:
            for group in stored.groups:
                group.token = _sign(user.id, [r.id for r in group.requests])
            return stored
        seeds = await repo.sharing_requests(session, now=now, nil_ids=nils, category_id=category_id)
        operator = True
    elif user.role == Role.citizen:
        if hub_id is not None:
            raise Forbidden("hub_id is for hub operators; citizens get suggestions for their own requests.")
        seeds = await repo.sharing_requests(session, now=now, citizen_id=user.id, category_id=category_id)
        operator = False
    else:
        raise Forbidden("Suggestions are for citizens (their requests) and hub operators (their zones).")
    found = await _groups(session, seeds, now, exclusive=operator)
    # The biggest groups with the most time in common first: where a shared service helps most.
    found.sort(key=lambda g: (-len(g.requests), -total_minutes(g.common), str(g.requests[0].id)))
    for group in found[:limit]:
        group.token = _sign(user.id, [r.id for r in group.requests])
    return Suggestions(groups=found[:limit], total=len(found), operator=operator)


def _sign(user_id: uuid.UUID, request_ids: list[uuid.UUID]) -> str:
    return suggestion_tokens.seal(user_id, request_ids, ttl_seconds=get_settings().pools.suggestion_token_hours * 3600)


def _verify(token: str, user_id: uuid.UUID) -> list[uuid.UUID]:
    try:
        ids = suggestion_tokens.open_sealed(token, user_id)
    except suggestion_tokens.TokenRejected:
        ids = []
    if len(ids) < 2:
        raise SuggestionInvalid(
            "The suggestion token is invalid or expired; ask for suggestions again.", pointer="/suggestion_token"
        )
    return ids


async def redeem(session: AsyncSession, viewer: Viewer, token: str) -> Redeemed:
    """The group of a token, checked again now: all still open, sharing and mutually compatible."""
    ids = _verify(token, viewer.user.id)
    now = datetime.now(UTC)
    rows = {r.id: r for r in await repo.sharing_requests(session, now=now, request_ids=ids)}
    stale = SuggestionStale("Some of these requests are no longer open to sharing; ask for suggestions again.")
    if len(rows) != len(ids):
        raise stale
    edges, _ = await _graph(session, ids, now)
    requests = [rows[i] for i in ids]
    if any(b.id not in edges.get(a.id, {}) for a in requests for b in requests if a.id != b.id):
        raise stale
    common = spans_of(requests[0].schedule_minutes)
    for request in requests[1:]:
        common = intersect(common, spans_of(request.schedule_minutes))
    if total_minutes(common) < get_settings().pools.suggestion_min_overlap_minutes:
        raise stale
    buildings = await _buildings(session, [r.citizen_id for r in requests])
    shared = set.intersection(*(buildings.get(r.citizen_id, set()) for r in requests))
    condominium_id = min(shared) if shared else None
    hub_id = None
    if condominium_id is not None:
        hub_id = (await condominium_service.get_row(session, condominium_id)).hub_id
    return Redeemed(
        category_id=requests[0].category_id,
        scope=PoolScope.condominium if condominium_id else PoolScope.nil,
        condominium_id=condominium_id,
        nil_id=requests[0].nil_id,
        hub_id=hub_id,
        common_schedule=slots_of(common),
        invitees=[Invitee(citizen_id=r.citizen_id, request_id=r.id) for r in requests],
    )
