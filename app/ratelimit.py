"""Fixed-window rate limits with an in-process store, or Redis when REDIS_URL is set.

In-process counters are per replica; with several replicas set REDIS_URL so the limits are shared.
"""

import math
import time
from typing import Protocol

from fastapi import Depends, Request

from app.auth import CurrentPrincipal
from app.config import get_settings
from app.errors import RateLimited
from app.tokens import parse_basic_credentials


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


async def enforce(store: RateLimitStore, key: str, *, limit: int, window_seconds: int) -> None:
    """Raise RateLimited (429 + Retry-After) once `key` exceeds `limit` hits in the window."""
    count, remaining = await store.hit(key, window_seconds)
    if count > limit:
        raise RateLimited(retry_after=max(1, math.ceil(remaining)))


# --- FastAPI dependencies -------------------------------------------------------------------------
# (kept here so a router adds a limit in one line: `dependencies=[LoginRateLimit]`)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_login(request: Request) -> None:
    settings = get_settings().rate_limit
    if not settings.enabled:
        return
    store: RateLimitStore = request.app.state.rate_limits
    await enforce(store, f"login:ip:{_client_ip(request)}", limit=settings.login_per_ip_per_minute, window_seconds=60)
    form = await request.form()
    basic_client_id, _ = parse_basic_credentials(request.headers.get("authorization", ""))
    account = form.get("username") or form.get("client_id") or basic_client_id
    if isinstance(account, str) and account:
        await enforce(
            store,
            f"login:account:{account.strip().lower()}",
            limit=settings.login_per_account_per_15_minutes,
            window_seconds=900,
        )


async def limit_registration(request: Request) -> None:
    settings = get_settings().rate_limit
    if settings.enabled:
        await enforce(
            request.app.state.rate_limits,
            f"register:ip:{_client_ip(request)}",
            limit=settings.register_per_ip_per_hour,
            window_seconds=3600,
        )


async def limit_creation(request: Request, principal: CurrentPrincipal) -> None:
    settings = get_settings().rate_limit
    if settings.enabled:
        await enforce(
            request.app.state.rate_limits,
            f"create:{principal.key}",
            limit=settings.create_per_principal_per_minute,
            window_seconds=60,
        )


LoginRateLimit = Depends(limit_login)
RegistrationRateLimit = Depends(limit_registration)
CreationRateLimit = Depends(limit_creation)
