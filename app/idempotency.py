"""`Idempotency-Key` for creating POSTs (Stripe semantics, draft-ietf-httpapi-idempotency-key).

Per caller and key, for `api.idempotency_ttl_hours`:
* same key, same request → the first response is replayed with `Idempotent-Replayed: true`;
* same key, another request → 422 `idempotency_key_reused`;
* same key while the first is still running → 409 `idempotency_in_progress` + Retry-After.

A transaction-scoped advisory lock on (caller, key) serialises duplicates without blocking; the
stored response is written by `ApiRoute` in the same transaction as the business change.
Only successful (2xx) responses are stored: a failed attempt may be retried with the same key.
"""

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from sqlalchemy import delete, func, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.db import SessionDep
from app.errors import AppError, raises
from app.models import IdempotencyRecord
from app.principal import AuthenticatedCaller

REPLAYED_HEADERS = ("content-type", "location", "etag")
# Secrets are shown once and never stored, so a replay shows this placeholder instead.
SECRET_FIELDS = ("client_secret",)
REDACTED = "(redacted: a secret is shown only in the first response)"


class IdempotencyKeyReused(AppError):
    status_code, code, title = 422, "idempotency_key_reused", "Idempotency Key Reused"


class IdempotencyInProgress(AppError):
    status_code, code, title = 409, "idempotency_in_progress", "Request In Progress"
    headers = {"Retry-After": "1"}


class IdempotentReplay(Exception):  # noqa: N818 - control flow, not an error
    """Raised to short-circuit the endpoint; ApiRoute returns `response` as is."""

    def __init__(self, response: Response) -> None:
        self.response = response


@dataclass(frozen=True, slots=True)
class PendingKey:
    principal: str
    key: str
    request_hash: str


async def _request_hash(request: Request) -> str:
    body = await request.body()
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        # the same JSON with other spacing or key order is the same request
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n" + body).hexdigest()


@raises(IdempotencyInProgress, IdempotencyKeyReused)
async def idempotency_key(
    request: Request,
    session: SessionDep,
    principal: AuthenticatedCaller,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Unique key (a UUID is best) making retries of this POST safe for 24 h",
        ),
    ] = None,
) -> None:
    if key is None:
        return
    pending = PendingKey(principal.key, key, await _request_hash(request))
    locked = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtextextended(:name, 0))"),
        {"name": f"idempotency:{pending.principal}:{key}"},
    )
    if not locked:
        raise IdempotencyInProgress("A request with this Idempotency-Key is still being processed.")
    record = await session.get(IdempotencyRecord, (pending.principal, key))
    ttl = timedelta(hours=get_settings().api.idempotency_ttl_hours)
    if record is not None and record.created_at < datetime.now(UTC) - ttl:
        await session.delete(record)
        await session.flush()
        record = None
    if record is not None:
        if record.request_hash != pending.request_hash:
            raise IdempotencyKeyReused("This Idempotency-Key was used with a different request.")
        raise IdempotentReplay(
            Response(
                content=record.response_body,
                status_code=record.response_status,
                headers={**record.response_headers, "Idempotent-Replayed": "true"},
            )
        )
    request.state.idempotency = pending


# Documented by app/contract.py on every route taking a key: a replay says so; a key still in use, when to retry.
idempotency_key.response_headers = {"2XX": ("Idempotent-Replayed",), "409": ("Retry-After",)}  # type: ignore[attr-defined]
IdempotencyKeyDep = Depends(idempotency_key)


async def store_response(session: AsyncSession, pending: PendingKey, response: Response) -> None:
    headers = {k: v for k, v in response.headers.items() if k.lower() in REPLAYED_HEADERS}
    session.add(
        IdempotencyRecord(
            principal=pending.principal,
            key=pending.key,
            request_hash=pending.request_hash,
            response_status=response.status_code,
            response_headers=headers,
            response_body=_without_secrets(bytes(response.body)),
        )
    )
    await session.flush()


def _without_secrets(body: bytes) -> bytes:
    if not any(field.encode() in body for field in SECRET_FIELDS):
        return body
    data = json.loads(body)
    for field in SECRET_FIELDS:
        if isinstance(data, dict) and field in data:
            data[field] = REDACTED
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


async def prune_expired(session: AsyncSession, ttl_hours: int) -> int:
    """Delete records past their retention; run by the worker."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < func.now() - timedelta(hours=ttl_hours))
    )
    return cast(CursorResult[Any], result).rowcount or 0
