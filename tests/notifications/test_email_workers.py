"""Several mail workers at once, each in its own committed transactions on the real engine: every
notification is mailed exactly once (SKIP LOCKED on routing and on claiming, one delivery per
notification)."""

import asyncio
import uuid
from collections import Counter

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app import ledger
from app.mail import outbox
from app.models import EmailDelivery, EmailStatus, User
from tests.factories import make_user

NOTIFICATIONS = 12


async def test_two_workers_at_once_mail_each_notification_once(engine, smtp, mail):
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    mail = mail.model_copy(update={"batch_size": 4, "route_batch": 5})  # several rounds each, interleaved
    smtp.handler.delay_s = 0.05  # each SMTP conversation takes a while: the workers overlap
    tag = uuid.uuid4().hex[:8]
    async with sessions() as setup:
        people = [await make_user(setup, email=f"race.{n}.{tag}@example.org") for n in range(3)]
        for n in range(NOTIFICATIONS):
            ledger.notify(
                setup, [people[n % 3].id], kind="pool.invitation", subject_type="pool", subject_id=uuid.uuid4()
            )
        await setup.commit()
    try:

        async def drain() -> int:
            sent = 0
            for _ in range(10):
                counts = await outbox.run_once(sessions, mail)
                sent += counts["sent"]
                await asyncio.sleep(0)
            return sent

        by_worker = await asyncio.gather(drain(), drain())
        async with sessions() as check:
            statuses = dict(
                (
                    await check.execute(
                        select(EmailDelivery.status, func.count())
                        .where(EmailDelivery.user_id.in_([p.id for p in people]))
                        .group_by(EmailDelivery.status)
                    )
                ).all()
            )
    finally:
        async with sessions() as cleanup:
            await cleanup.execute(delete(User).where(User.id.in_([p.id for p in people])))
            await cleanup.commit()

    message_ids = [r.message["Message-ID"] for r in smtp.received]
    assert sum(by_worker) == NOTIFICATIONS == len(smtp.received)
    assert len(set(message_ids)) == NOTIFICATIONS  # no e-mail twice
    assert all(count > 0 for count in by_worker), by_worker  # both workers really took a share
    assert statuses == {EmailStatus.sent: NOTIFICATIONS}
    assert Counter(r.rcpt_tos[0] for r in smtp.received) == {p.email: 4 for p in people}
