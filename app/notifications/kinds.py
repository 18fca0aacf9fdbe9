"""Which kinds a filter names: exact kinds (`offer.received`), families (`offer.*`) or `*`, checked
against the catalogue (app/notification_kinds.py) so a typo is a 422, not an empty inbox."""

from app.notification_kinds import NOTIFICATION_KINDS, UnknownNotificationKind


def matching(pattern: str) -> list[str]:
    """The catalogue's kinds a pattern names (none when it names none)."""
    if pattern == "*":
        return list(NOTIFICATION_KINDS)
    if pattern.endswith(".*"):
        family = pattern[:-1]  # "offer." of "offer.*"
        return [name for name in NOTIFICATION_KINDS if name.startswith(family)]
    return [pattern] if pattern in NOTIFICATION_KINDS else []


def resolve(patterns: list[str] | None, *, pointer: str, location: str) -> list[str] | None:
    """The kinds the patterns name together (None: no filter), or UnknownNotificationKind naming the
    first pattern that names none."""
    if not patterns:
        return None
    kinds: dict[str, None] = {}
    for index, pattern in enumerate(patterns):
        found = matching(pattern)
        if not found:
            where = pointer if location == "query" else f"{pointer}/{index}"
            raise UnknownNotificationKind(
                f"No notification kind {pattern!r}; see GET /v1/notification-kinds (families: 'offer.*').",
                pointer=where,
                location=location,
            )
        kinds.update(dict.fromkeys(found))
    return list(kinds)


def split(value: str | None) -> list[str] | None:
    """A comma-separated query value (as the events feed's `types`), blanks dropped."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]
