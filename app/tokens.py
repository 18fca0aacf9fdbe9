"""JWT access tokens, the only module that touches python-jose.

Hardening (RFC 8725): one algorithm from settings, passed explicitly; the header is checked before
verification (wrong `alg`, any `crit` → refused: we understand no critical extensions); `exp`,
`iat`, `sub`, `iss` and `aud` are all required and verified; no leeway.

A person's access token also names its sign-in session (`sid`: the refresh-token family it was
issued with), so that logging out, or a family revoked for reuse, ends it at once (checked on every
request by `accounts.service.get_user_for_token`, in the same statement that loads the user).
"""

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import unquote

from jose import JWTError, jwt

from app.config import AuthSettings

PrincipalKind = Literal["user", "partner"]


class InvalidToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: uuid.UUID
    kind: PrincipalKind
    issued_at: datetime
    scopes: tuple[str, ...]
    epoch: int
    session_id: uuid.UUID | None  # people only: the sign-in session (refresh-token family)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None
    token_type: str = "bearer"


def issue_access_token(
    settings: AuthSettings,
    *,
    subject: uuid.UUID,
    kind: PrincipalKind,
    scopes: tuple[str, ...] = (),
    epoch: int = 0,
    session_id: uuid.UUID | None = None,
) -> str:
    if (kind == "user") != (session_id is not None):
        raise ValueError("a person's access token names its session; a partner's has none")
    now = datetime.now(UTC)
    claims = {
        "sub": str(subject),
        "kind": kind,
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.access_token_minutes)).timestamp()),
        "jti": uuid.uuid4().hex,
        "epoch": epoch,
    }
    if scopes:
        claims["scope"] = " ".join(scopes)
    if session_id is not None:
        claims["sid"] = str(session_id)
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=settings.algorithm)


def decode_access_token(settings: AuthSettings, token: str) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != settings.algorithm or "crit" in header:
        raise InvalidToken("unacceptable token header")
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[settings.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
                "require_iss": True,
                "require_aud": True,
                "leeway": 0,
            },
        )
        kind = claims.get("kind")
        if kind not in ("user", "partner"):
            raise InvalidToken("unknown principal kind")
        return AccessClaims(
            subject=uuid.UUID(claims["sub"]),
            kind=kind,
            issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
            scopes=tuple(str(claims.get("scope", "")).split()),
            epoch=_int_claim(claims, "epoch"),
            # A person's token without a session could not be logged out: refused.
            session_id=uuid.UUID(claims["sid"]) if kind == "user" else None,
        )
    except (JWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken("invalid token") from exc


def _int_claim(claims: dict, name: str) -> int:
    value = claims[name]  # KeyError → invalid token
    if type(value) is not int:
        raise InvalidToken(f"{name} must be an integer")
    return value


def parse_basic_credentials(header: str) -> tuple[str, str]:
    """(client_id, client_secret) from an HTTP Basic header (RFC 6749 §2.3.1); ("", "") if not one."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        client_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    return unquote(client_id), unquote(secret)
