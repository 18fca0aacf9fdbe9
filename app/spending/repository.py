import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import FundingLine, MoneyHold, Programme


@dataclass(frozen=True)
class ChainHold:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    state: str
    amount_cents: int
    posted_cents: int
    expires_at: datetime


async def lines_of(session: AsyncSession, subject_type: str, subject_id: uuid.UUID) -> list[FundingLine]:
    stmt = (
        select(FundingLine)
        .where(FundingLine.subject_type == subject_type, FundingLine.subject_id == subject_id)
        .order_by(FundingLine.position)
    )
    return list((await session.scalars(stmt)).all())


async def hold_chains(session: AsyncSession, roots: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ChainHold]]:
    """Each root hold with the remainders partial captures kept of it (parent_hold_id), in one
    recursive query: {root id: [root, child, grandchild...]}."""
    if not roots:
        return {}
    chain = (
        select(MoneyHold.id.label("root"), MoneyHold.id.label("id"))
        .where(MoneyHold.id.in_(roots))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(select(chain.c.root, MoneyHold.id).join(chain, MoneyHold.parent_hold_id == chain.c.id))
    stmt = (
        select(chain.c.root, MoneyHold)
        .join(MoneyHold, MoneyHold.id == chain.c.id)
        .order_by(chain.c.root, MoneyHold.created_at, MoneyHold.id)
        # the ledger resolves holds with conditional UPDATEs: read the rows as stored, not as first loaded
        .execution_options(populate_existing=True)
    )
    found: dict[uuid.UUID, list[ChainHold]] = {root: [] for root in roots}
    for root, hold in (await session.execute(stmt)).all():
        found[root].append(
            ChainHold(
                hold.id, hold.parent_hold_id, hold.state.value, hold.amount_cents, hold.posted_cents, hold.expires_at
            )
        )
    return found


async def programme_names(
    session: AsyncSession, programme_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """{programme id: (name in Italian, name in English)}."""
    if not programme_ids:
        return {}
    stmt = select(Programme.id, Programme.name_it, Programme.name_en).where(Programme.id.in_(set(programme_ids)))
    return {pid: (it, en) for pid, it, en in (await session.execute(stmt)).all()}
