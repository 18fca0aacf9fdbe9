import uuid
from datetime import datetime

from sqlalchemy import Select, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import AccountToken, AccountTokenPurpose, HubOperator, HubZone, PartnerClient, RefreshToken, Role, User


async def get_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def users_by_id(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """The users with these ids, in one query (none for no ids)."""
    if not user_ids:
        return {}
    return {user.id: user for user in await session.scalars(select(User).where(User.id.in_(user_ids)))}


async def get_user_in_live_session(session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID) -> User | None:
    """The user, unless their sign-in session (refresh-token family) was revoked. Revocation marks
    every token of the family, so one marked row is enough: an index probe on
    ix_refresh_token_family_id, in the statement that loads the user (no second round trip)."""
    revoked = exists().where(RefreshToken.family_id == session_id, RefreshToken.revoked_at.is_not(None))
    return await session.scalar(select(User).where(User.id == user_id, ~revoked))


async def get_partner_client(session: AsyncSession, partner_id: uuid.UUID) -> PartnerClient | None:
    return await session.get(PartnerClient, partner_id)


async def get_partner_client_by_client_id(session: AsyncSession, client_id: str) -> PartnerClient | None:
    return await session.scalar(select(PartnerClient).where(PartnerClient.client_id == client_id))


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def get_by_verified_fiscal_code(session: AsyncSession, fiscal_code: str) -> User | None:
    return await session.scalar(select(User).where(User.verified_fiscal_code == fiscal_code))


async def get_refresh_token_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(locked(select(RefreshToken).where(RefreshToken.token_hash == token_hash)))


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def users_query(*, role: Role | None, email_prefix: str | None) -> Select[User]:
    stmt = select(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if email_prefix:
        escaped = email_prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(User.email.like(escaped + "%", escape="\\"))
    return stmt


async def operated_nil_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = (
        select(HubZone.zone_id)
        .join(HubOperator, HubOperator.hub_id == HubZone.hub_id)
        .where(HubOperator.user_id == user_id)
        .distinct()
    )
    return sorted(await session.scalars(stmt))


async def lock_token(session: AsyncSession, token_hash: str, purpose: AccountTokenPurpose) -> AccountToken | None:
    stmt = select(AccountToken).where(AccountToken.token_hash == token_hash, AccountToken.purpose == purpose)
    return await session.scalar(locked(stmt))


async def retire_tokens(session: AsyncSession, user_id: uuid.UUID, purpose: AccountTokenPurpose, at: datetime) -> None:
    await session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user_id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=at)
    )
