"""Accounts' responses: a user as their own profile and the admins' user list show them."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository as repo
from app.accounts.schemas import UserRead
from app.models import User
from app.shared_schemas import from_row


async def user_views(session: AsyncSession, users: Sequence[User]) -> list[UserRead]:
    """Each user's account: every field is a column (the password hash and token epoch are not in
    UserRead, so they never leave), hence no query."""
    return [from_row(UserRead, user) for user in users]


async def users_by_id(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """The users other domains' views show (a citizen's contacts, a ride's people), in one query."""
    return await repo.users_by_id(session, user_ids)
