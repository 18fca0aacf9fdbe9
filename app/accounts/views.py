"""Accounts' responses: a user as their own profile and the admins' user list show them."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository as repo
from app.accounts.schemas import IdentityVerifiedRead, UserRead
from app.models import User
from app.shared_schemas import from_row


async def user_views(session: AsyncSession, users: Sequence[User]) -> list[UserRead]:
    """Each user's account: every field is a column (the password hash and token epoch are not in
    UserRead, so they never leave), hence no query."""
    return [
        from_row(UserRead, user, identity_verified=_identity(user), email_verified=user.email_verified_at is not None)
        for user in users
    ]


def _identity(user: User) -> IdentityVerifiedRead | None:
    if user.identity_level is None or user.identity_provider is None or user.identity_verified_at is None:
        return None
    return IdentityVerifiedRead(
        provider=user.identity_provider, level=user.identity_level, verified_at=user.identity_verified_at
    )


async def users_by_id(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """The users other domains' views show (a citizen's contacts, a ride's people), in one query."""
    return await repo.users_by_id(session, user_ids)
