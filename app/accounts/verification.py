"""E-mail verification: the owner of an account proves they read mail at its address.

An unverified account signs in and reads, but files nothing others act on (requests, offers,
reviews): `require_verified_email` answers 403 `email_not_verified` there. Registration mails the
link; a person can ask for it again; a change of e-mail makes the account unverified until the new
address is proved. A password reset through the mailed link proves the address too.

Accounts created by an admin (the CLI, seeding) are verified at creation: the admin vouches for the
address, and staff accounts made at the CLI could not otherwise act before reading mail the admin
typed for them. Accounts made by a first SPID/CIE sign-in are verified too: the identity provider
asserted the person (the verification's purpose, keeping throw-away accounts out of the
marketplace, is met more strongly than by a mailbox), and the address is the one their digital
identity holds.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import account_tokens
from app.accounts.errors import AccountTokenUsed, EmailNotVerified
from app.config import get_settings
from app.models import AccountTokenPurpose, User


async def send_link(session: AsyncSession, user: User) -> None:
    """Mail `user` a new verification link for their current address (the earlier one stops working)."""
    now = datetime.now(UTC)
    lifetime = timedelta(hours=get_settings().auth.email_verification_hours)
    token = await account_tokens.issue(
        session, user, AccountTokenPurpose.email_verification, lifetime=lifetime, now=now
    )
    ledger.notify(
        session,
        [user.id],
        kind="account.verify_email",
        subject_type="user",
        subject_id=user.id,
        data={"token_id": str(token.id), "expires_at": token.expires_at.isoformat()},
    )


async def resend(session: AsyncSession, user: User) -> None:
    """Another link, unless the address is verified already (then nothing is sent)."""
    if user.email_verified_at is None:
        await send_link(session, user)


async def verify(session: AsyncSession, token: str) -> None:
    row = await account_tokens.redeem(session, token, AccountTokenPurpose.email_verification)
    user = await session.get(User, row.user_id, with_for_update=True, populate_existing=True)
    assert user is not None  # the token's row goes with its account (ON DELETE CASCADE)
    if user.email != row.email:
        # The address changed after this link was mailed: it proves an address the account no longer has.
        raise AccountTokenUsed("This link verified an earlier e-mail address: ask for a new e-mail.")
    user.email_verified_at = user.email_verified_at or row.used_at
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="user.email_verified",
        target_type="user",
        target_id=user.id,
    )
    await session.flush()


def require_verified_email(user: User) -> None:
    if user.email_verified_at is None:
        raise EmailNotVerified(
            "Verify your e-mail address first: follow the link we mailed you "
            "(POST /v1/me/email-verification sends a new one)."
        )
