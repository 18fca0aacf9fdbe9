"""Pure rules of e-mail: a person's effective choice per kind of notification, the digest's clock,
and the signed one-click unsubscribe links.

Defaults: the catalogue's (`app.notification_kinds`: per kind, optionally per role); a person's own
choice, stored as a row, wins. In-app notifications are always on: only e-mail is chosen.

Unsubscribe tokens: HMAC-SHA256 (a key derived from AUTH__SECRET_KEY, so the JWT key itself is never
used for anything else) over the person's id and the scope (a kind, or `digest`), truncated to 128
bits. They do not expire, on purpose: RFC 8058 asks that the link of any e-mail a person still has
works, and all it can do is turn e-mail of one kind off, which the person can undo in their
preferences; it reveals nothing. Changing AUTH__SECRET_KEY retires every link at once.
"""

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.models import EmailChoice
from app.notification_kinds import NOTIFICATION_KINDS

DIGEST_SCOPE = "digest"  # a digest's own unsubscribe: every kind the person gets in the digest
_TAG_BYTES = 16
_KEY_LABEL = b"welfare-di-tutti/mail-unsubscribe/v1"


def default_choice(kind: str, role: str) -> EmailChoice:
    return EmailChoice(NOTIFICATION_KINDS[kind].email_default(role))


def effective_choice(kind: str, role: str, chosen: Mapping[str, EmailChoice]) -> EmailChoice:
    """The person's own choice for `kind`, else the default for their role. A kind no longer in the
    catalogue (a stored choice outlives a removed kind) mails nothing."""
    if kind not in NOTIFICATION_KINDS:
        return EmailChoice.off
    if NOTIFICATION_KINDS[kind].account_security:
        return EmailChoice.instant  # a reset or verification link cannot wait, nor be turned off
    return chosen.get(kind) or default_choice(kind, role)


def digest_slot(now: datetime, *, hour: int, zone: ZoneInfo) -> datetime:
    """The latest digest time at or before `now`: today's `hour` on `zone`'s clock, else yesterday's.
    Notifications waiting for the digest before it are mailed in it."""
    local = now.astimezone(zone)
    slot = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if slot > local:
        slot = datetime.combine(local.date() - timedelta(days=1), time(hour), tzinfo=zone)
    return slot


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_TAG_BYTES]


def unsubscribe_token(key: bytes, user_id: uuid.UUID, scope: str) -> str:
    payload = f"{user_id}:{scope}".encode()
    return f"{_b64(payload)}.{_b64(_tag(key, payload))}"


def read_unsubscribe_token(key: bytes, token: str) -> tuple[uuid.UUID, str] | None:
    """(person, scope) of a token this key signed; None for anything else (tampered, truncated,
    signed with another key)."""
    payload_text, _, tag_text = token.partition(".")
    try:
        payload, tag = _unb64(payload_text), _unb64(tag_text)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(tag, _tag(key, payload)):
        return None
    user_text, _, scope = payload.decode("utf-8", "replace").partition(":")
    try:
        return uuid.UUID(user_text), scope
    except ValueError:
        return None
