"""People's e-mail preferences: read, replace, change, and the one-click unsubscribe of a signed link."""

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.config import get_settings
from app.errors import NotFound
from app.mail import repository as repo
from app.mail import rules
from app.models import EmailChoice, User
from app.notification_kinds import NOTIFICATION_KINDS, UnknownNotificationKind


class UnsubscribeLinkInvalid(NotFound):
    code = "unsubscribe_link_invalid"


def _pointer(kind: str) -> str:
    return "/email/" + kind.replace("~", "~0").replace("/", "~1")  # RFC 6901


def _check_kinds(kinds: Mapping[str, object]) -> None:
    for kind in kinds:
        if kind not in NOTIFICATION_KINDS:
            raise UnknownNotificationKind(
                f"No notification kind {kind!r}: GET /v1/me/notification-preferences lists them.",
                pointer=_pointer(kind),
            )


def _audit(session: AsyncSession, user: User, action: str, detail: dict[str, object]) -> None:
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action=action,
        target_type="user",
        target_id=user.id,
        detail=detail,
    )


async def replace_preferences(session: AsyncSession, user: User, email: Mapping[str, EmailChoice]) -> None:
    """The person's choices in full: kinds not named go back to their defaults."""
    _check_kinds(email)
    await repo.clear_choices(session, user.id)
    await repo.save_choices(session, user.id, email)
    _audit(session, user, "notification_preferences.replaced", {"email": dict(email)})


async def update_preferences(session: AsyncSession, user: User, email: Mapping[str, EmailChoice | None]) -> None:
    """Only the kinds named change; None puts a kind back to its default."""
    _check_kinds(email)
    await repo.clear_choices(session, user.id, [kind for kind, choice in email.items() if choice is None])
    await repo.save_choices(session, user.id, {kind: choice for kind, choice in email.items() if choice is not None})
    _audit(session, user, "notification_preferences.updated", {"email": dict(email)})


def unsubscribe_link(user: User, scope: str) -> str:
    """The one-click link for `scope` (a kind, or the digest), as written in e-mails."""
    key = rules.signing_key(get_settings().auth.secret_key.get_secret_value())
    base = get_settings().mail.base_url.rstrip("/")
    return f"{base}/v1/email/unsubscribe/{rules.unsubscribe_token(key, user.id, scope)}"


async def resolve_unsubscribe(session: AsyncSession, token: str) -> tuple[User, str, dict[str, EmailChoice]]:
    """The person and scope a link names, and their current choices; a link this server did not sign
    (tampered, truncated, for someone no longer here) is a 404."""
    key = rules.signing_key(get_settings().auth.secret_key.get_secret_value())
    found = rules.read_unsubscribe_token(key, token)
    user = await repo.get_user(session, found[0]) if found else None
    if found is None or user is None or not user.is_active:
        raise UnsubscribeLinkInvalid("This unsubscribe link is not valid (it may have been altered or cut short).")
    scope = found[1]
    if scope != rules.DIGEST_SCOPE and scope not in NOTIFICATION_KINDS:
        raise UnsubscribeLinkInvalid("This kind of notification no longer exists.")
    return user, scope, (await repo.choices_of(session, [user.id]))[user.id]


def kinds_in_scope(user: User, scope: str, chosen: Mapping[str, EmailChoice]) -> list[str]:
    """A kind's link turns that kind off; the digest's turns off every kind the person gets in it."""
    if scope != rules.DIGEST_SCOPE:
        return [scope]
    return sorted(k for k in NOTIFICATION_KINDS if rules.effective_choice(k, user.role, chosen) == EmailChoice.digest)


async def unsubscribe(session: AsyncSession, token: str) -> tuple[User, str, list[str], dict[str, EmailChoice]]:
    user, scope, chosen = await resolve_unsubscribe(session, token)
    kinds = kinds_in_scope(user, scope, chosen)
    await repo.save_choices(session, user.id, dict.fromkeys(kinds, EmailChoice.off))
    _audit(session, user, "notification_preferences.unsubscribed", {"scope": scope, "kinds": kinds})
    return user, scope, kinds, {**chosen, **dict.fromkeys(kinds, EmailChoice.off)}
