"""Logs and the background worker: what an operator relies on."""

import json
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import IdempotencyRecord, RefreshToken
from app.observability import JsonFormatter, request_id_var
from app.worker import sweep
from tests.factories import make_user


def test_log_lines_are_json_objects_carrying_the_request_id():
    record = logging.LogRecord("app.test", logging.INFO, __file__, 1, "provider %s accredited", ("p-1",), None)
    record.duration_ms = 12.5
    token = request_id_var.set("req-42")

    line = JsonFormatter().format(record)

    request_id_var.reset(token)
    entry = json.loads(line)
    assert (entry["msg"], entry["level"], entry["request_id"], entry["duration_ms"]) == (
        "provider p-1 accredited",
        "INFO",
        "req-42",
        12.5,
    )


async def test_worker_sweep_prunes_old_idempotency_records_and_long_expired_refresh_tokens(session):
    user = await make_user(session)
    now = datetime.now(UTC)
    session.add_all(
        [
            IdempotencyRecord(
                principal=f"user:{user.id}",
                key="old",
                request_hash="h",
                response_status=201,
                response_headers={},
                response_body=b"{}",
                created_at=now - timedelta(hours=25),
            ),
            IdempotencyRecord(
                principal=f"user:{user.id}",
                key="fresh",
                request_hash="h",
                response_status=201,
                response_headers={},
                response_body=b"{}",
                created_at=now - timedelta(hours=1),
            ),
            RefreshToken(user_id=user.id, family_id=user.id, token_hash="a" * 64, expires_at=now - timedelta(days=2)),
            RefreshToken(user_id=user.id, family_id=user.id, token_hash="b" * 64, expires_at=now + timedelta(days=2)),
        ]
    )
    await session.flush()

    swept = await sweep(session)

    assert swept["idempotency_records"] >= 1 and swept["refresh_tokens"] >= 1
    keys = set(
        (
            await session.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.principal == f"user:{user.id}"))
        ).all()
    )
    hashes = set((await session.scalars(select(RefreshToken.token_hash).where(RefreshToken.user_id == user.id))).all())
    assert keys == {"fresh"}
    assert hashes == {"b" * 64}
