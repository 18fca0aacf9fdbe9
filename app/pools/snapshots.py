"""Pool suggestions precomputed for operators: the worker's refresh.

An operator's GET /v1/pools/suggestions groups every open sharing request of a set of NILs (a
hub's, or all their hubs' together): 4 s and hundreds of MB per call for the busiest hub at city
scale. So the worker groups each such set (a scope) ahead of time into pool_suggestion_group, with
the very code the call used (`suggestions.groups_in`), and the call reads the page it asks for.

Current from the changes themselves: triggers log every change that can alter a group (migration
0015: a sharing request opened, changed, closed or expired by the sweep, a pool membership, a
condominium's residents) with its category. Each refresh takes the log (deleting what it reads, in
its own transaction: what commits meanwhile stays for the next round) and groups again, in every
scope, only the categories named (all of them after a residents' change, for a new scope, or when
the grouping settings changed). Requests of two categories are never compatible, so a category's
groups depend on that category's requests alone. A suggestion is thus at most one refresh interval
(POOLS__SUGGESTION_REFRESH_SECONDS) behind; its token is checked against the live requests when
redeemed anyway (`suggestions.redeem`).

One category at a time: the worker never holds more than one category of one scope in memory.
One refresh at a time: a transaction-scoped advisory lock; another worker skips its round.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.hubs import service as hub_service
from app.pools import repository as repo
from app.pools import suggestions


async def refresh(session: AsyncSession) -> dict[str, int]:
    """Bring every scope's stored groups up to date; counts of what was done, for the log."""
    counts = {"suggestion_scopes": 0, "suggestion_categories": 0, "suggestion_groups": 0}
    if not await repo.try_refresh_lock(session):
        return counts
    settings = get_settings().pools
    grouping = (settings.suggestion_max_distance_km, settings.suggestion_min_overlap_minutes)
    now = datetime.now(UTC)
    changed = await repo.take_changes(session)
    wanted = {suggestions.scope_key(nils): nils for nils in await hub_service.nil_sets(session) if nils}
    stored = await repo.scopes(session)
    if gone := sorted(key for key in stored if key not in wanted):
        await repo.drop_scopes(session, gone)
    for key, nils in wanted.items():
        scope = stored.get(key)
        whole = scope is None or None in changed or (scope.max_distance_km, scope.min_overlap_minutes) != grouping
        if whole:
            categories = await repo.sharing_categories(session, now=now, nil_ids=nils)
        else:
            categories = sorted(c for c in changed if c is not None)
            if not categories:
                continue
        rows = []
        for category_id in categories:
            groups = await suggestions.groups_in(session, nils, category_id, now)
            rows += [suggestions.stored_row(key, group) for group in groups]
        await repo.save_scope(
            session,
            key=key,
            nil_ids=nils,
            max_distance_km=grouping[0],
            min_overlap_minutes=grouping[1],
            computed_at=now,
        )
        await repo.replace_groups(session, key, None if whole else categories, rows)
        counts["suggestion_scopes"] += 1
        counts["suggestion_categories"] += len(categories)
        counts["suggestion_groups"] += len(rows)
    return counts


def scope_of(nil_ids: list[uuid.UUID]) -> uuid.UUID:
    """The key a set of NILs is stored under (for tests and tools)."""
    return suggestions.scope_key(nil_ids)
