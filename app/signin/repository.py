from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import OidcAuthorization


async def take_authorization(
    session: AsyncSession, *, provider: str, state_hash: str, now: datetime
) -> OidcAuthorization | None:
    """Mark the authorization used and return it, in one statement, when it is this provider's, unused
    and unexpired. Two callbacks racing with one state: the second waits on the row, then finds it
    used (READ COMMITTED re-checks the WHERE), so exactly one of them proceeds."""
    return await session.scalar(
        update(OidcAuthorization)
        .where(
            OidcAuthorization.state_hash == state_hash,
            OidcAuthorization.provider == provider,
            OidcAuthorization.used_at.is_(None),
            OidcAuthorization.expires_at > now,
        )
        .values(used_at=now)
        .returning(OidcAuthorization)
    )


async def get_by_state_hash(session: AsyncSession, state_hash: str) -> OidcAuthorization | None:
    return await session.scalar(select(OidcAuthorization).where(OidcAuthorization.state_hash == state_hash))


async def delete_expired(session: AsyncSession, *, before: datetime) -> None:
    """Authorizations nobody completed: dropped as new ones start (an index range on expires_at)."""
    await session.execute(delete(OidcAuthorization).where(OidcAuthorization.expires_at < before))
