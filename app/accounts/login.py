"""Token issuance: password and client-credentials grants, refresh rotation, logout.

Identity authenticates every caller, people and partner systems alike; the integrations domain
creates, lists and revokes the partner clients (storing their secrets hashed with `hash_token`).

Refresh tokens are opaque, stored as SHA-256, rotated on every use. A token that was already used
(or belongs to a revoked family) revokes its whole family: whoever holds the newer token loses it
too, which is the point: one of the two holders is an attacker.

Access tokens carry their family as `sid`: revoking a family (logout, reuse) ends its access tokens
at once, not when they expire.
"""

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository as repo
from app.accounts.errors import (
    InvalidClientCredentials,
    InvalidGrant,
    InvalidScope,
    RefreshTokenReused,
    UnsupportedGrantType,
)
from app.accounts.service import normalise_email
from app.config import get_settings
from app.models import RefreshToken, User
from app.passwords import password_hashing
from app.tokens import IssuedTokens, issue_access_token, parse_basic_credentials


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def _issue_for_user(session: AsyncSession, user: User, family_id: uuid.UUID) -> IssuedTokens:
    settings = get_settings().auth
    raw_refresh = "rt_" + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_token(raw_refresh),
            expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.flush()
    return IssuedTokens(
        access_token=issue_access_token(
            settings, subject=user.id, kind="user", epoch=user.token_epoch, session_id=family_id
        ),
        expires_in=settings.access_token_minutes * 60,
        refresh_token=raw_refresh,
    )


async def start_session(session: AsyncSession, user: User) -> IssuedTokens:
    """A new sign-in session (its own refresh-token family) for a person another way authenticated:
    signing in with SPID/CIE (app/signin)."""
    return await _issue_for_user(session, user, family_id=uuid.uuid4())


async def password_grant(session: AsyncSession, *, email: str, password: str) -> IssuedTokens:
    user = await repo.get_by_email(session, normalise_email(email))
    # Always verify (against a dummy hash for unknown e-mails): equal time, equal answer.
    valid = await password_hashing().verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        raise InvalidGrant("The e-mail or password is not correct.")
    return await _issue_for_user(session, user, family_id=uuid.uuid4())


async def refresh_grant(session: AsyncSession, *, refresh_token: str) -> IssuedTokens:
    token = await repo.get_refresh_token_for_update(session, hash_token(refresh_token))
    now = datetime.now(UTC)
    if token is None or token.expires_at <= now:
        raise InvalidGrant("The refresh token is invalid or expired.")
    if token.used_at is not None or token.revoked_at is not None:
        await repo.revoke_family(session, token.family_id, now)
        raise RefreshTokenReused("The refresh token was already used; sign in again.")
    user = await repo.get_by_id(session, token.user_id)
    if user is None or not user.is_active:
        raise InvalidGrant("The refresh token is invalid or expired.")
    token.used_at = now
    return await _issue_for_user(session, user, family_id=token.family_id)


async def client_credentials_grant(
    session: AsyncSession, *, client_id: str, client_secret: str, scope: str | None
) -> IssuedTokens:
    client = await repo.get_partner_client_by_client_id(session, client_id)
    expected = client.secret_hash if client else hash_token("unknown-client")
    valid = hmac.compare_digest(expected, hash_token(client_secret))
    if client is None or not valid or not client.is_active:
        raise InvalidClientCredentials("The client id or secret is not correct.")
    granted = tuple(client.scopes)
    if scope:
        wanted = tuple(dict.fromkeys(scope.split()))
        if not set(wanted) <= set(granted):
            raise InvalidScope("The client is not allowed some of the requested scopes.")
        granted = wanted
    settings = get_settings().auth
    return IssuedTokens(
        access_token=issue_access_token(settings, subject=client.id, kind="partner", scopes=granted),
        expires_in=settings.access_token_minutes * 60,
        scope=" ".join(granted),
    )


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    """Revoke the token's family, and with it every access token of that sign-in. Unknown tokens are
    ignored: logout reveals nothing."""
    token = await repo.get_refresh_token_for_update(session, hash_token(refresh_token))
    if token is not None:
        await repo.revoke_family(session, token.family_id, datetime.now(UTC))


async def token_grant(
    session: AsyncSession,
    *,
    grant_type: str,
    username: str | None,
    password: str | None,
    refresh_token: str | None,
    client_id: str | None,
    client_secret: str | None,
    scope: str | None,
    basic_auth: str | None,
) -> IssuedTokens:
    """The OAuth2 token endpoint (RFC 6749 §4.3, §4.4, §6) for all three grant types."""
    if grant_type == "password":
        if not username or not password:
            raise InvalidGrant("username and password are required.")
        return await password_grant(session, email=username, password=password)
    if grant_type == "refresh_token":
        if not refresh_token:
            raise InvalidGrant("refresh_token is required.")
        return await refresh_grant(session, refresh_token=refresh_token)
    if grant_type == "client_credentials":
        if basic_auth:
            client_id, client_secret = parse_basic_credentials(basic_auth)
        return await client_credentials_grant(
            session, client_id=client_id or "", client_secret=client_secret or "", scope=scope
        )
    raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported.")
