"""Single-use tokens mailed to an account's owner: password reset and e-mail verification.

A token is HMAC-SHA256 of its row's id under a key derived from AUTH__SECRET_KEY (own label: the
JWT key itself signs nothing else), 192 bits in URL-safe base64. The row stores only the token's
SHA-256, so a copy of the database cannot redeem anything; the e-mail outbox derives the token from
the row's id (carried by the notification) when it writes the e-mail, after the request's
transaction, so the token never sits in a table or in the in-app notification. Changing
AUTH__SECRET_KEY retires every token not yet mailed.
"""

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository as repo
from app.accounts.errors import AccountTokenExpired, AccountTokenUnknown, AccountTokenUsed
from app.config import get_settings
from app.models import AccountToken, AccountTokenPurpose, User

_KEY_LABEL = b"welfare-di-tutti/account-token/v1"
_TOKEN_BYTES = 24


def _key() -> bytes:
    secret = get_settings().auth.secret_key.get_secret_value()
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def token_for(token_id: uuid.UUID) -> str:
    """The token of row `token_id` (what the e-mail carries)."""
    tag = hmac.new(_key(), token_id.bytes, hashlib.sha256).digest()[:_TOKEN_BYTES]
    return base64.urlsafe_b64encode(tag).rstrip(b"=").decode("ascii")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    session: AsyncSession, user: User, purpose: AccountTokenPurpose, *, lifetime: timedelta, now: datetime
) -> AccountToken:
    """A new token for `user`; earlier unused tokens of the same purpose stop working (only the latest
    e-mail's link counts)."""
    await repo.retire_tokens(session, user.id, purpose, now)
    token_id = uuid.uuid4()
    row = AccountToken(
        id=token_id,
        user_id=user.id,
        purpose=purpose,
        token_hash=digest(token_for(token_id)),
        email=user.email,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    await session.flush()
    return row


async def redeem(session: AsyncSession, token: str, purpose: AccountTokenPurpose) -> AccountToken:
    """The row of `token`, locked and marked used; a problem naming why it cannot be used."""
    row = await repo.lock_token(session, digest(token), purpose)
    now = datetime.now(UTC)
    if row is None:
        raise AccountTokenUnknown("This link or code is not valid: ask for a new e-mail.")
    if row.used_at is not None:
        raise AccountTokenUsed("This link or code was used already (or a newer one replaced it): ask for a new e-mail.")
    if row.expires_at <= now:
        raise AccountTokenExpired("This link or code has expired: ask for a new e-mail.")
    row.used_at = now
    return row
