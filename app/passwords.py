"""Argon2id password hashing, off the event loop and with capped concurrency.

Each hash takes tens of MiB and ~100 ms of CPU: run in a thread so the loop keeps serving, and
behind a semaphore so a login flood cannot exhaust memory. An unknown account is verified against
a dummy hash, so it costs the same time as a wrong password (no user enumeration by timing).
"""

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import AuthSettings, get_settings


class PasswordHashing:
    def __init__(self, settings: AuthSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._slots = asyncio.Semaphore(settings.max_concurrent_hashes)
        self._dummy_hash = self._hasher.hash("not-a-real-password")

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; an absent hash burns the same time and returns False."""
        async with self._slots:
            return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            self._hasher.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None


@lru_cache(maxsize=1)
def password_hashing() -> PasswordHashing:
    return PasswordHashing(get_settings().auth)
