"""The e-mail outbox against a real SMTP server (aiosmtpd on a loopback port): what reaches it
(recipients, subject, language, text and HTML, links, headers), preferences and digests honoured,
retries with backoff and their metrics, the lease of a crashed worker, and the fencing."""

import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from app import worker
from app.config import get_settings
from app.mail import outbox, rules
from app.mail.rules import default_choice
from app.metrics import REGISTRY
from app.models import EmailDelivery, EmailStatus, Language, Notification
from app.notification_kinds import NOTIFICATION_KINDS
from tests.factories import auth_headers, make_user
from tests.notifications.email_fixtures import BASE_URL, deliveries_of, notify, reload, rome

PREFS = "/v1/me/notification-preferences"


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


def unsubscribe_path(url: str) -> str:
    return url.removeprefix(BASE_URL)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_an_instant_notification_is_mailed_once_in_italian_with_text_html_links_and_headers(
    session, sessions, smtp, mail
):
    anna = await make_user(session, email="anna@example.org", full_name="Anna Rossi", preferred_language=Language.it)
    notification = await notify(session, anna.id, "pool.invitation", pool_title="Badante condivisa", households=3)

    counts = await outbox.run_once(sessions, mail)
    again = await outbox.run_once(sessions, mail)

    assert (counts["routed"], counts["claimed"], counts["sent"]) == (1, 1, 1)
    assert (again["routed"], again["claimed"]) == (0, 0)  # never twice
    [got] = smtp.received
    message = got.message
    assert got.rcpt_tos == ["anna@example.org"]
    assert got.mail_from == "noreply@welfare.test"
    assert message["To"] == "Anna Rossi <anna@example.org>"
    assert message["From"] == "Welfare di Tutti <noreply@welfare.test>"
    assert message["Subject"] == "Invito a un gruppo condiviso"
    assert message["Content-Language"] == "it"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    [delivery] = await deliveries_of(session, anna.id)
    assert message["Message-ID"] == f"<{delivery.id}@welfare.test>"
    text, html = got.part("plain"), got.part("html")
    for body in (text, html):
        assert "Gentile Anna Rossi" in body
        assert "Invito a un gruppo condiviso" in body
        assert "Badante condivisa" in body and "Famiglie: 3" in body and "Gruppo: Badante condivisa" in body
        assert f"{BASE_URL}/v1/me/notifications" in links(body)
        assert f"{BASE_URL}/v1/me/notification-preferences" in links(body)
    assert "<html" in html and "<html" not in text
    # List-Unsubscribe: the signed one-click link of this kind, and the mailto; RFC 8058's POST hint.
    url, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert url.startswith(f"{BASE_URL}/v1/email/unsubscribe/") and url in links(text)
    assert mailto.startswith("mailto:unsubscribe@welfare.test?subject=")
    assert unquote(mailto.split("subject=")[1]) == "unsubscribe " + url.rsplit("/", 1)[1]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    key = rules.signing_key(get_settings().auth.secret_key.get_secret_value())
    assert rules.read_unsubscribe_token(key, url.rsplit("/", 1)[1]) == (anna.id, "pool.invitation")
    # Stored: the notification is carried by that delivery, which is sent after one attempt.
    await reload(session, notification)
    assert (notification.email_route, notification.email_id) == ("instant", delivery.id)
    assert (delivery.status, delivery.attempt_count, delivery.locked_until) == (EmailStatus.sent, 1, None)
    assert delivery.completed_at is not None


async def test_the_language_is_the_persons(session, sessions, smtp, mail):
    john = await make_user(session, email="john@example.org", full_name="John Smith", preferred_language=Language.en)
    await notify(session, john.id, "pool.activated")

    await outbox.run_once(sessions, mail)

    [got] = smtp.received
    assert got.message["Subject"] == "Your pool is active"
    assert got.message["Content-Language"] == "en"
    assert "Dear John Smith" in got.part("plain")
    assert "Stop e-mails of this kind" in got.part("html")


async def test_html_is_escaped_and_text_is_not(session, sessions, smtp, mail):
    anna = await make_user(session, full_name="Anna <b>Rossi</b>")
    await notify(session, anna.id, note='<script>alert("x")</script> & co')

    await outbox.run_once(sessions, mail)

    [got] = smtp.received
    html = got.part("html")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; co" in html
    assert "Anna &lt;b&gt;Rossi&lt;/b&gt;" in html
    assert '<script>alert("x")</script> & co' in got.part("plain")


async def test_off_sends_nothing_and_inactive_people_get_nothing(client, session, sessions, smtp, mail):
    anna = await make_user(session)
    gone = await make_user(session, is_active=False)
    await client.patch(PREFS, json={"email": {"pool.closed": "off"}}, headers=auth_headers(anna))
    muted = await notify(session, anna.id, "pool.closed")
    deactivated = await notify(session, gone.id, "pool.invitation")

    counts = await outbox.run_once(sessions, mail)

    assert (counts["routed"], counts["claimed"]) == (2, 0)
    assert smtp.received == []
    await reload(session, muted, deactivated)
    assert (muted.email_route, muted.email_id) == ("skipped", None)
    assert deactivated.email_route == "skipped"


async def test_digest_notifications_leave_together_at_the_digest_hour(client, session, sessions, smtp, mail):
    anna = await make_user(session, email="anna@example.org", preferred_language=Language.it)
    response = await client.patch(
        PREFS, json={"email": {"pool.priced": "digest", "pool.closed": "digest"}}, headers=auth_headers(anna)
    )
    assert response.status_code == 200
    morning = rome(2026, 12, 3, 9)
    first = await notify(session, anna.id, "pool.priced", at=morning.astimezone(UTC), monthly_share="120.00")
    second = await notify(session, anna.id, "pool.closed", at=(morning + timedelta(hours=3)).astimezone(UTC))

    at_noon = await outbox.run_once(sessions, mail, clock=lambda: rome(2026, 12, 3, 12, 30).astimezone(UTC))
    assert (at_noon["routed"], at_noon["digests"], at_noon["claimed"]) == (2, 0, 0)
    assert smtp.received == []
    late = await notify(session, anna.id, "pool.priced", at=rome(2026, 12, 3, 19).astimezone(UTC))

    at_six = await outbox.run_once(sessions, mail, clock=lambda: rome(2026, 12, 3, 18, 1).astimezone(UTC))

    assert (at_six["digests"], at_six["sent"]) == (1, 1)
    [got] = smtp.received
    assert got.message["Subject"] == "Welfare di Tutti: 2 novità"
    text = got.part("plain")
    assert text.index("Il gruppo ha un prezzo") < text.index("Il gruppo è chiuso")  # oldest first
    assert "Monthly share: 120.00" in text and "03/12/2026 09:00" in text
    url = re.findall(r"<([^>]+)>", got.message["List-Unsubscribe"])[0]
    key = rules.signing_key(get_settings().auth.secret_key.get_secret_value())
    assert rules.read_unsubscribe_token(key, url.rsplit("/", 1)[1]) == (anna.id, rules.DIGEST_SCOPE)
    # Each item carries its own kind's link too.
    item_links = {rules.read_unsubscribe_token(key, u.rsplit("/", 1)[1]) for u in links(text) if "/unsubscribe/" in u}
    assert {(anna.id, "pool.priced"), (anna.id, "pool.closed"), (anna.id, "digest")} <= item_links
    await reload(session, first, second, late)
    assert first.email_id == second.email_id is not None
    assert late.email_id is None  # written after 18:00: tomorrow's digest

    tomorrow = await outbox.run_once(sessions, mail, clock=lambda: rome(2026, 12, 4, 18, 0).astimezone(UTC))
    assert (tomorrow["digests"], tomorrow["sent"]) == (1, 1)
    assert smtp.received[1].message["Subject"] == "Welfare di Tutti: 1 novità"


async def test_a_refusal_is_retried_with_backoff_and_counted(session, sessions, smtp, mail):
    smtp.handler.script = ["451 4.3.0 Try again later", "452 4.3.1 Insufficient storage"]
    anna = await make_user(session)
    await notify(session, anna.id)
    t0 = datetime.now(UTC)
    temporary_before = sample("email_send_failures_total", reason="temporary")
    sent_before = sample("emails_sent_total", mode="instant")

    first = await outbox.run_once(sessions, mail, clock=lambda: t0)
    worker.record_mail_metrics(first)
    [delivery] = await deliveries_of(session, anna.id)
    delay = (delivery.next_attempt_at - t0).total_seconds()
    assert 0.8 * 60 <= delay <= 1.2 * 60  # 60 s +/-20 %
    assert delivery.status == EmailStatus.pending and delivery.last_error.startswith("SMTP 451")
    assert (await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(seconds=30)))["claimed"] == 0

    second = await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(seconds=75))
    worker.record_mail_metrics(second)
    [delivery] = await deliveries_of(session, anna.id)
    delay = (delivery.next_attempt_at - (t0 + timedelta(seconds=75))).total_seconds()
    assert 0.8 * 120 <= delay <= 1.2 * 120  # doubled
    third = await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(seconds=75 + 150))
    worker.record_mail_metrics(third)

    assert len(smtp.handler.refused) == 2 and len(smtp.received) == 1
    [delivery] = await deliveries_of(session, anna.id)
    assert (delivery.status, delivery.attempt_count, delivery.last_error) == (EmailStatus.sent, 3, None)
    assert sample("email_send_failures_total", reason="temporary") - temporary_before == 2
    assert sample("emails_sent_total", mode="instant") - sent_before == 1


async def test_a_permanent_refusal_is_given_up_after_the_set_attempts(session, sessions, smtp, mail):
    smtp.handler.script = ["550 5.1.1 Mailbox unavailable"] * 5
    anna = await make_user(session)
    await notify(session, anna.id)
    dead_before = sample("email_deliveries_total", outcome="dead")
    now = datetime.now(UTC)

    for _ in range(mail.permanent_failure_attempts):
        counts = await outbox.run_once(sessions, mail, clock=lambda: now)
        worker.record_mail_metrics(counts)
        now += timedelta(hours=1)

    [delivery] = await deliveries_of(session, anna.id)
    assert (delivery.status, delivery.attempt_count) == (EmailStatus.dead, 3)
    assert delivery.last_error.startswith("SMTP 550")
    assert sample("email_deliveries_total", outcome="dead") - dead_before == 1
    assert (await outbox.run_once(sessions, mail, clock=lambda: now + timedelta(days=1)))["claimed"] == 0


async def test_a_server_that_cannot_be_reached_is_retried_until_the_age_limit(session, sessions, mail):
    mail = mail.model_copy(update={"smtp_port": 9, "max_age_hours": 1})  # nothing listens on port 9
    anna = await make_user(session)
    await notify(session, anna.id)
    now = datetime.now(UTC)

    counts = await outbox.run_once(sessions, mail, clock=lambda: now)
    assert counts["failures"] == ["connection"]
    [delivery] = await deliveries_of(session, anna.id)
    assert delivery.status == EmailStatus.pending
    counts = await outbox.run_once(sessions, mail, clock=lambda: now + timedelta(minutes=59))
    [delivery] = await deliveries_of(session, anna.id)
    assert delivery.status == EmailStatus.dead and delivery.attempt_count == 2


async def test_a_crashed_worker_lease_runs_out_and_the_email_is_sent_again_once(session, sessions, smtp, mail):
    anna = await make_user(session)
    await notify(session, anna.id)
    t0 = datetime.now(UTC)
    await outbox.run_once(sessions, mail, clock=lambda: t0 - timedelta(seconds=1))  # routed, then sent
    [delivery] = await deliveries_of(session, anna.id)
    # Simulate the crash: a worker claimed it again (a retry), sent, and died before recording.
    delivery.status, delivery.completed_at = EmailStatus.pending, None
    await session.flush()
    smtp.received.clear()
    jobs, _ = await outbox.claim(sessions, mail, now=t0)  # worker #1 leases it ...
    assert len(jobs) == 1  # ... and dies without sending or recording anything

    during = await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(seconds=mail.lease_seconds - 1))
    after = await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(seconds=mail.lease_seconds + 1))
    later = await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(hours=1))

    assert during["claimed"] == 0  # the lease still holds it
    assert (after["claimed"], after["sent"], later["claimed"]) == (1, 1, 0)
    assert len(smtp.received) == 1
    assert smtp.received[0].message["Message-ID"] == f"<{delivery.id}@welfare.test>"  # the same e-mail
    # Worker #1 coming back late cannot settle over worker #2's attempt (fencing on attempt_count).
    assert await outbox.record(session, jobs[0], outbox.smtp.Outcome(False, error="late"), mail, now=t0) is None
    [delivery] = await deliveries_of(session, anna.id)
    assert (delivery.status, delivery.last_error) == (EmailStatus.sent, None)


async def test_a_send_the_lease_would_not_cover_is_not_started(session, sessions, smtp, mail):
    anna = await make_user(session)
    await notify(session, anna.id)
    t0 = datetime.now(UTC)
    ticks = iter([t0, t0, t0] + [t0 + timedelta(seconds=mail.lease_seconds)] * 10)

    counts = await outbox.run_once(sessions, mail, clock=lambda: next(ticks))

    assert (counts["claimed"], counts["sent"]) == (1, 0) and smtp.received == []
    [delivery] = await deliveries_of(session, anna.id)
    assert delivery.status == EmailStatus.pending and delivery.locked_until is not None  # claimed again later
    again = await outbox.run_once(sessions, mail, clock=lambda: t0 + timedelta(seconds=mail.lease_seconds + 1))
    assert again["sent"] == 1 and len(smtp.received) == 1


async def test_after_unsubscribing_no_more_emails_of_that_kind(client, session, sessions, smtp, mail):
    anna = await make_user(session)
    await notify(session, anna.id, "pool.invitation")
    await outbox.run_once(sessions, mail)
    [got] = smtp.received
    url = re.findall(r"<([^>]+)>", got.message["List-Unsubscribe"])[0]
    queued = await notify(session, anna.id, "pool.invitation")
    async with sessions() as worker_session, worker_session.begin():  # routed (queued), not yet sent
        await outbox.route(worker_session, mail, now=datetime.now(UTC))
    cancelled_before = sample("email_deliveries_total", outcome="cancelled")

    response = await client.post(unsubscribe_path(url))  # no credentials: the link is signed
    assert response.status_code == 200 and response.json()["unsubscribed"] is True
    await notify(session, anna.id, "pool.invitation")
    await notify(session, anna.id, "pool.closed")
    counts = await outbox.run_once(sessions, mail, clock=lambda: datetime.now(UTC) + timedelta(minutes=1))
    worker.record_mail_metrics(counts)

    assert [r.message["Subject"] for r in smtp.received] == ["Invito a un gruppo condiviso", "Il gruppo è chiuso"]
    await reload(session, queued)
    queued_delivery = await session.get(EmailDelivery, queued.email_id, populate_existing=True)
    assert queued_delivery.status == EmailStatus.cancelled  # queued before, not sent after
    assert sample("email_deliveries_total", outcome="cancelled") - cancelled_before == 1


async def test_with_no_smtp_host_emails_go_to_the_log(session, sessions, mail, caplog):
    anna = await make_user(session, email="anna@example.org")
    await notify(session, anna.id)

    with caplog.at_level(logging.INFO, logger="app.mail"):
        counts = await outbox.run_once(sessions, mail.model_copy(update={"smtp_host": None}))

    assert counts["sent"] == 1
    [record] = [r for r in caplog.records if r.name == "app.mail"]
    assert "not sent" in record.getMessage()
    assert record.to.endswith("<anna@example.org>") and record.subject == "Invito a un gruppo condiviso"
    assert "/v1/email/unsubscribe/" in record.text
    assert mail.model_copy(update={"smtp_host": None}).describe().startswith("written to the log")


async def test_routing_reads_no_preferences_in_the_writers_transaction(session, statements):
    anna = await make_user(session)
    with statements.counting() as log:
        await notify(session, anna.id)
    writes = [s for s in log if s.lstrip().upper().startswith(("INSERT", "UPDATE", "SELECT"))]
    assert [s.split()[0] for s in writes if "notification_preference" in s or "email_delivery" in s] == []
    row = await session.scalar(select(Notification).where(Notification.user_id == anna.id))
    assert row.email_route is None and row.email_id is None  # left for the worker


async def test_the_pending_gauge_counts_emails_waiting_to_be_sent(session, sessions, smtp, mail):
    smtp.handler.script = ["451 4.3.0 Try again later"]
    anna = await make_user(session)
    await notify(session, anna.id)
    await notify(session, anna.id, "pool.closed")
    before = await outbox.backlog(sessions)

    mail_one_at_a_time = mail.model_copy(update={"batch_size": 1})
    await outbox.run_once(sessions, mail_one_at_a_time)  # both routed; one refused (retried later)

    assert await outbox.backlog(sessions) - before == 2
    await outbox.run_once(sessions, mail_one_at_a_time)  # the other one is sent
    assert await outbox.backlog(sessions) - before == 1


@pytest.mark.parametrize("language", [Language.it, Language.en])
async def test_every_kind_of_the_catalogue_is_mailed_by_its_default(session, sessions, smtp, mail, language):
    mail = mail.model_copy(update={"batch_size": 100})  # one round claims them all
    person = await make_user(session, preferred_language=language)
    for name in NOTIFICATION_KINDS:
        await notify(session, person.id, name, at=rome(2026, 12, 3, 9).astimezone(UTC), subject_title="Prova")
    by_default = {name: default_choice(name, person.role) for name in NOTIFICATION_KINDS}

    await outbox.run_once(sessions, mail, clock=lambda: rome(2026, 12, 3, 10).astimezone(UTC))
    instant = sorted(r.message["Subject"] for r in smtp.received)
    await outbox.run_once(sessions, mail, clock=lambda: rome(2026, 12, 3, 18, 5).astimezone(UTC))

    expected = sorted(NOTIFICATION_KINDS[n].title(language) for n, c in by_default.items() if c == "instant")
    assert instant == expected
    digests = smtp.received[len(instant) :]
    in_digest = [n for n, c in by_default.items() if c == "digest"]
    assert len(digests) == (1 if in_digest else 0)
    for name in in_digest:
        assert NOTIFICATION_KINDS[name].title(language) in digests[0].part("plain")
