"""Fixed-window rate limits with an in-process store, or Redis when REDIS_URL is set.

In-process counters are per replica; with several replicas set REDIS_URL so the limits are shared.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from fastapi import Depends, Request, Response

from app.config import get_settings
from app.errors import RateLimited, raises
from app.principal import AuthenticatedCaller
from app.tokens import parse_basic_credentials

F = TypeVar("F", bound=Callable[..., Any])
RATE_LIMIT_HEADERS = ("RateLimit-Policy", "RateLimit")


def sends_rate_limit_headers(dependency: F) -> F:
    """A rate-limit dependency: may answer 429, and sends the RateLimit fields (contract: on 2xx and 429)."""
    dependency.response_headers = {"2XX": RATE_LIMIT_HEADERS, "429": RATE_LIMIT_HEADERS}  # type: ignore[attr-defined]
    return raises(RateLimited)(dependency)


class RateLimitStore(Protocol):
    async def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        """Count one hit; return (hits in the current window, seconds until it resets)."""

    async def reset(self) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        now = time.monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window_seconds:
            started, count = now, 0
        self._windows[key] = (started, count + 1)
        if len(self._windows) > 100_000:  # bound memory: drop expired windows
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 3600}
        return count + 1, window_seconds - (now - started)

    async def reset(self) -> None:
        self._windows.clear()

    async def close(self) -> None:
        return None


class RedisStore:
    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)

    async def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        name = f"ratelimit:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return int(count), float(ttl if ttl and ttl > 0 else window_seconds)

    async def reset(self) -> None:
        async for name in self._redis.scan_iter("ratelimit:*"):
            await self._redis.delete(name)

    async def close(self) -> None:
        await self._redis.aclose()


def build_store(redis_url: str | None) -> RateLimitStore:
    return RedisStore(redis_url) if redis_url else MemoryStore()


@dataclass(frozen=True, slots=True)
class Quota:
    """One quota policy as the caller stands against it (draft-ietf-httpapi-ratelimit-headers-10)."""

    name: str
    limit: int
    window_seconds: int
    remaining: int
    reset_seconds: int


def quota_headers(quotas: list[Quota]) -> dict[str, str]:
    """The IETF RateLimit header fields, as Structured Field Lists (draft-ietf-httpapi-ratelimit-headers-10,
    §4 and §5): `RateLimit-Policy: "login-ip";q=30;w=60` (quota q per window w seconds) and
    `RateLimit: "login-ip";r=29;t=41` (r units remaining, reset in t seconds), one member per policy."""
    if not quotas:
        return {}
    return {
        "RateLimit-Policy": ", ".join(f'"{q.name}";q={q.limit};w={q.window_seconds}' for q in quotas),
        "RateLimit": ", ".join(f'"{q.name}";r={q.remaining};t={q.reset_seconds}' for q in quotas),
    }


async def enforce(store: RateLimitStore, key: str, *, policy: str, limit: int, window_seconds: int) -> Quota:
    """Count one hit of `key` against its policy; raise RateLimited (429 + Retry-After and the
    RateLimit fields) once it exceeds `limit` hits in the window."""
    count, remaining = await store.hit(key, window_seconds)
    quota = Quota(policy, limit, window_seconds, max(0, limit - count), max(1, math.ceil(remaining)))
    if count > limit:
        raise RateLimited(retry_after=quota.reset_seconds, headers=quota_headers([quota]))
    return quota


def _send(response: Response, quotas: list[Quota]) -> None:
    response.headers.update(quota_headers(quotas))


# --- FastAPI dependencies -------------------------------------------------------------------------
# (kept here so a router adds a limit in one line: `dependencies=[LoginRateLimit]`). Each answers
# with the RateLimit fields of its policies; app/contract.py documents them where these are used.


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@sends_rate_limit_headers
async def limit_login(request: Request, response: Response) -> None:
    settings = get_settings().rate_limit
    if not settings.enabled:
        return
    store: RateLimitStore = request.app.state.rate_limits
    quotas = [
        await enforce(
            store,
            f"login:ip:{_client_ip(request)}",
            policy="login-ip",
            limit=settings.login_per_ip_per_minute,
            window_seconds=60,
        )
    ]
    form = await request.form()
    basic_client_id, _ = parse_basic_credentials(request.headers.get("authorization", ""))
    account = form.get("username") or form.get("client_id") or basic_client_id
    if isinstance(account, str) and account:
        quotas.append(
            await enforce(
                store,
                f"login:account:{account.strip().lower()}",
                policy="login-account",
                limit=settings.login_per_account_per_15_minutes,
                window_seconds=900,
            )
        )
    _send(response, quotas)


async def _limit(request: Request, response: Response, key: str, policy: str, limit: int, window_seconds: int) -> None:
    """One quota on `key`, when rate limiting is on; its headers go on the response."""
    if get_settings().rate_limit.enabled:
        quota = await enforce(
            request.app.state.rate_limits, key, policy=policy, limit=limit, window_seconds=window_seconds
        )
        _send(response, [quota])


@sends_rate_limit_headers
async def limit_registration(request: Request, response: Response) -> None:
    limit = get_settings().rate_limit.register_per_ip_per_hour
    await _limit(request, response, f"register:ip:{_client_ip(request)}", "register-ip", limit, 3600)


@sends_rate_limit_headers
async def limit_sign_in(request: Request, response: Response) -> None:
    """Signing in with SPID/CIE (app/signin): each start keeps a state row and calls the provider, so
    one client IP gets the login quota per minute for starts and callbacks alike."""
    limit = get_settings().rate_limit.login_per_ip_per_minute
    await _limit(request, response, f"sign-in:ip:{_client_ip(request)}", "sign-in-ip", limit, 60)


@sends_rate_limit_headers
async def limit_creation(request: Request, response: Response, principal: AuthenticatedCaller) -> None:
    limit = get_settings().rate_limit.create_per_principal_per_minute
    await _limit(request, response, f"create:{principal.key}", "create", limit, 60)


@sends_rate_limit_headers
async def limit_messages(request: Request, response: Response, principal: AuthenticatedCaller) -> None:
    """Messages per person, on top of nothing else: posting a message is not a create of the
    `create` policy (a conversation is many small posts), and has its own, tighter budget."""
    limit = get_settings().rate_limit.messages_per_person_per_minute
    await _limit(request, response, f"message:{principal.key}", "message", limit, 60)


LoginRateLimit = Depends(limit_login)
RegistrationRateLimit = Depends(limit_registration)
SignInRateLimit = Depends(limit_sign_in)
CreationRateLimit = Depends(limit_creation)
MessageRateLimit = Depends(limit_messages)
