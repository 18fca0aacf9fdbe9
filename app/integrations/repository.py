import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import PartnerClient


async def get_by_id(session: AsyncSession, partner_id: uuid.UUID) -> PartnerClient | None:
    return await session.get(PartnerClient, partner_id)


def clients_query(*, active: bool | None) -> Select[PartnerClient]:
    stmt = select(PartnerClient)
    if active is not None:
        stmt = stmt.where(PartnerClient.is_active.is_(active))
    return stmt
