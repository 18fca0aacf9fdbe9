"""Password reset by a mailed link (single use, AUTH__PASSWORD_RESET_MINUTES, 30 by default).

Asking answers the same whether or not the address has an account (no enumeration): only the
owner's mailbox learns the difference. Using the link sets the new password, ends every session
(refresh tokens revoked, the token epoch bumped: access tokens too) and proves the address.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import account_tokens, password_policy
from app.accounts import repository as repo
from app.accounts.service import normalise_email
from app.config import get_settings
from app.languages import Lang
from app.models import AccountTokenPurpose, User
from app.passwords import password_hashing


async def request_reset(session: AsyncSession, email: str) -> None:
    user = await repo.get_by_email(session, normalise_email(email))
    if user is None or not user.is_active:
        return  # the answer is the same; nothing to mail
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=get_settings().auth.password_reset_minutes)
    token = await account_tokens.issue(session, user, AccountTokenPurpose.password_reset, lifetime=lifetime, now=now)
    ledger.notify(
        session,
        [user.id],
        kind="account.password_reset",
        subject_type="user",
        subject_id=user.id,
        data={"token_id": str(token.id), "expires_at": token.expires_at.isoformat()},
    )
    ledger.audit(
        session,
        actor_id=None,
        actor_kind="system",
        action="user.password_reset_requested",
        target_type="user",
        target_id=user.id,
    )


async def reset_password(session: AsyncSession, token: str, new_password: str, *, language: Lang | None) -> None:
    row = await account_tokens.redeem(session, token, AccountTokenPurpose.password_reset)
    user = await session.get(User, row.user_id, with_for_update=True, populate_existing=True)
    assert user is not None  # the token's row goes with its account (ON DELETE CASCADE)
    password_policy.require_strong(  # a weak password rolls back: the link stays usable
        new_password,
        user_inputs=[user.email, user.full_name],
        language=language or user.preferred_language.value,
        pointer="/new_password",
    )
    now = datetime.now(UTC)
    user.password_hash = await password_hashing().hash(new_password)
    user.token_epoch += 1
    await repo.revoke_all_for_user(session, user.id, now)
    if user.email == row.email and user.email_verified_at is None:
        user.email_verified_at = now  # the link reached this address
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="user.password_reset",
        target_type="user",
        target_id=user.id,
    )
    await session.flush()
