"""The e-mail outbox against what a person can type or a worker can suffer: a name with line breaks
(registration accepts any text with one non-space), an e-mail that cannot be built, a worker killed
while the rest of its batch is still being sent, a server that answers slowly."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from app.mail import messages, outbox
from app.mail import smtp as mail_smtp
from app.models import EmailStatus, User
from tests.factories import make_user
from tests.notifications.email_fixtures import deliveries_of, notify

REGISTER = "/v1/auth/register"


async def test_a_name_with_line_breaks_cannot_add_headers_nor_stop_the_outbox(client, session, sessions, smtp, mail):
    # What self-registration accepts: the name is free text (one non-space is enough).
    response = await client.post(
        REGISTER,
        json={
            "email": "mallory@example.org",
            "password": "una-password-lunga",
            "full_name": "Mallory\r\nBcc: victim@example.org\r\nX-Evil: 1",
        },
    )
    assert response.status_code == 202, response.text
    mallory_id = await session.scalar(select(User.id).where(User.email == "mallory@example.org"))
    anna = await make_user(session, email="anna@example.org", full_name="Anna Rossi")
    await notify(session, mallory_id)
    await notify(session, anna.id)

    counts = await outbox.run_once(sessions, mail)

    assert counts["sent"] == 3  # Mallory's verification code, and one notification each
    got = {r.rcpt_tos[0]: r for r in smtp.received}
    assert sorted(got) == ["anna@example.org", "mallory@example.org"]  # no Bcc smuggled in
    message = got["mallory@example.org"].message
    assert message["X-Evil"] is None and message["Bcc"] is None
    assert "\n" not in message["To"] and "\r" not in message["To"]
    assert message["To"].addresses[0].addr_spec == "mallory@example.org"


async def test_an_email_that_cannot_be_built_is_given_up_and_the_others_leave(
    session, sessions, smtp, mail, monkeypatch
):
    # Fault injection: whatever a future template or kind's data may break, one e-mail must never
    # hold back every other (the claim was one transaction: one exception rolled them all back).
    anna = await make_user(session, email="anna@example.org")
    bruno = await make_user(session, email="bruno@example.org")
    await notify(session, anna.id)
    await notify(session, bruno.id)
    build = messages.build

    def broken_for_anna(**kwargs):  # noqa: ANN003, ANN202
        if kwargs["user"].id == anna.id:
            raise ValueError("template blew up")
        return build(**kwargs)

    monkeypatch.setattr(messages, "build", broken_for_anna)

    counts = await outbox.run_once(sessions, mail)

    assert [r.rcpt_tos for r in smtp.received] == [["bruno@example.org"]]
    assert (counts["sent"], counts["dead"]) == (1, 1)
    [dead] = await deliveries_of(session, anna.id)
    assert dead.status == EmailStatus.dead
    assert dead.last_error == "could not build the e-mail: ValueError"
    again = await outbox.run_once(sessions, mail)
    assert again["claimed"] == 0


async def test_each_outcome_is_recorded_when_its_send_ends_not_after_the_batch(session, sessions, smtp, mail):
    # A worker killed while one e-mail of its batch is still being sent must not have left the ones
    # already accepted unrecorded: their leases would run out and they would be sent a second time.
    anna = await make_user(session, email="anna@example.org")
    bruno = await make_user(session, email="bruno@example.org")
    await notify(session, anna.id)
    await notify(session, bruno.id)
    stuck = asyncio.Event()

    async def slow_for_bruno(message, settings):  # noqa: ANN001, ANN202
        if "bruno" in message["To"]:
            stuck.set()
            await asyncio.sleep(3600)  # the worker is killed during this send
        return await mail_smtp.send(message, settings)

    t0 = datetime.now(UTC)
    round_ = asyncio.create_task(outbox.run_once(sessions, mail, clock=lambda: t0, send=slow_for_bruno))
    await asyncio.wait_for(stuck.wait(), 10)
    for _ in range(50):  # let Anna's send and its record finish
        await asyncio.sleep(0.02)
    round_.cancel()  # the kill
    await asyncio.gather(round_, return_exceptions=True)

    [sent] = await deliveries_of(session, anna.id)
    [pending] = await deliveries_of(session, bruno.id)
    assert sent.status == EmailStatus.sent
    assert pending.status == EmailStatus.pending
    after = await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(seconds=mail.lease_seconds + 1))
    assert after["claimed"] == 1  # Bruno's, once its lease ran out; Anna's is not sent again
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["anna@example.org", "bruno@example.org"]


async def test_a_server_that_answers_slowly_cannot_stretch_a_send_past_its_timeout(mail):
    # aiosmtplib's timeout is per reply: a server answering each command just inside it (a tarpit, a
    # relay in trouble) could stretch one send to many times MAIL__TIMEOUT_SECONDS, past the lease
    # that the worker's "never start a send the lease would not cover" relies on.
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            await asyncio.sleep(0.4)
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 slow.test ESMTP")
        while line := await reader.readline():
            command = line.decode().strip().upper()
            if command == "DATA":
                await say("354 go on")
                while (await reader.readline()).rstrip(b"\r\n") != b".":
                    pass
                await say("250 queued")
            elif command.startswith("QUIT"):
                await say("221 bye")
                break
            else:
                await say("250 ok")
        writer.close()

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = mail.model_copy(update={"smtp_port": port, "timeout_seconds": 1.0})
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@welfare.test", "b@example.org", "x"
    message.set_content("x")
    try:
        started = time.monotonic()
        outcome = await mail_smtp.send(message, settings)
        took = time.monotonic() - started
    finally:
        server.close()
    assert outcome.sent is False and outcome.reason == "connection"
    assert took < 1.5
