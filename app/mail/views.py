"""People's e-mail preferences as they read them: every kind of the catalogue, with their choice."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.mail import messages, rules
from app.mail import repository as repo
from app.mail.schemas import NotificationPreferencesRead, PreferenceRead, UnsubscribeRead
from app.models import EmailChoice, User
from app.notification_kinds import NOTIFICATION_KINDS


def _preferences(user: User, chosen: dict[str, EmailChoice]) -> NotificationPreferencesRead:
    settings = get_settings().mail
    items = []
    for name, kind in sorted(NOTIFICATION_KINDS.items()):
        default = rules.default_choice(name, user.role)
        items.append(
            PreferenceRead(
                kind=name,
                title=kind.title(user.preferred_language),
                email=chosen.get(name, default),
                default=default,
                is_default=name not in chosen,
            )
        )
    return NotificationPreferencesRead(items=items, digest_hour=settings.digest_hour, digest_timezone=settings.timezone)


async def preference_views(session: AsyncSession, users: Sequence[User]) -> list[NotificationPreferencesRead]:
    chosen = await repo.choices_of(session, [user.id for user in users])
    return [_preferences(user, chosen[user.id]) for user in users]


def unsubscribe_view(user: User, scope: str, kinds: list[str], chosen: dict[str, EmailChoice]) -> UnsubscribeRead:
    if scope == rules.DIGEST_SCOPE:
        title = "Riepilogo giornaliero" if user.preferred_language == "it" else "Daily digest"
    else:
        title = NOTIFICATION_KINDS[scope].title(user.preferred_language)
    unsubscribed = all(rules.effective_choice(kind, user.role, chosen) == EmailChoice.off for kind in kinds)
    return UnsubscribeRead(scope=scope, title=title, kinds=kinds, unsubscribed=unsubscribed)


def unsubscribe_page(user: User, view: UnsubscribeRead) -> str:
    """`view` as an HTML page in the person's language (a browser opening the e-mail's link)."""
    return messages.unsubscribe_page(view, user.preferred_language)
