"""Fixtures of the e-mail tests: the SMTP server, mail settings that reach it, the worker's sessions."""

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app import ledger
from app.config import MailSettings
from app.models import EmailDelivery, Notification
from tests.notifications.smtp_server import SmtpServer

ROME = ZoneInfo("Europe/Rome")
BASE_URL = "https://api.welfare.test"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail(smtp: SmtpServer) -> MailSettings:
    return MailSettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
        sender="Welfare di Tutti <noreply@welfare.test>",
        base_url=BASE_URL,
        unsubscribe_mailto="unsubscribe@welfare.test",
        timeout_seconds=5.0,
    )


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """What the worker opens: its short transactions become savepoints of the test's transaction."""
    return async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


def rome(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


async def notify(
    session: AsyncSession, user_id: uuid.UUID, kind: str = "pool.invitation", *, at: datetime | None = None, **data: Any
) -> Notification:
    """A notification as every domain writes it (ledger.notify), optionally dated `at`."""
    subject_id = uuid.uuid4()
    ledger.notify(session, [user_id], kind=kind, subject_type=kind.split(".")[0], subject_id=subject_id, data=data)
    await session.flush()
    notification = await session.scalar(select(Notification).where(Notification.subject_id == subject_id))
    assert notification is not None
    if at is not None:
        notification.created_at = at
        await session.flush()
    return notification


async def reload(session: AsyncSession, *rows: object) -> None:
    for row in rows:
        await session.refresh(row)


async def deliveries_of(session: AsyncSession, user_id: uuid.UUID) -> list[EmailDelivery]:
    stmt = select(EmailDelivery).where(EmailDelivery.user_id == user_id).order_by(EmailDelivery.created_at)
    return list(await session.scalars(stmt.execution_options(populate_existing=True)))
