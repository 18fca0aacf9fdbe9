"""Handing an e-mail to the SMTP server (aiosmtplib), or to the log when no server is configured.

Each e-mail is one SMTP conversation (connect, TLS as configured, AUTH if credentials are set,
send), bounded as a whole by MAIL__TIMEOUT_SECONDS: simple, and no connection is held between
the worker's rounds. The answer decides what happens next: accepted (sent), refused for now (4xx,
no connection, timeout: retried with backoff) or refused for good (5xx: tried
MAIL__PERMANENT_FAILURE_ATTEMPTS times in all).
"""

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from app.config import MailSettings

log = logging.getLogger("app.mail")


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: bool
    error: str | None = None
    permanent: bool = False  # a 5xx answer: the server will refuse it again
    reason: str = "sent"  # sent, logged, temporary, permanent, connection (the failure metrics' label)


def _code_of(exc: aiosmtplib.SMTPException) -> int | None:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        return max(codes) if codes else None
    return exc.code if isinstance(exc, aiosmtplib.SMTPResponseException) else None


async def send(message: EmailMessage, settings: MailSettings) -> Outcome:
    if not settings.smtp_host:
        # Development: the e-mail is shown, not sent (MAIL__SMTP_HOST unset; `tutti serve` says so).
        body = message.get_body(("plain",))
        log.info(
            "e-mail written to the log (no MAIL__SMTP_HOST: not sent)",
            extra={
                "to": message["To"],
                "subject": message["Subject"],
                "message_id": message["Message-ID"],
                "text": body.get_content() if body is not None else "",
            },
        )
        return Outcome(True, reason="logged")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        # aiosmtplib's timeout bounds each reply; the whole conversation gets it too, so a server that
        # answers every command just in time cannot stretch a send past the worker's lease.
        async with asyncio.timeout(settings.timeout_seconds):
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                use_tls=settings.smtp_tls == "tls",
                start_tls=settings.smtp_tls == "starttls",
                username=settings.smtp_username,
                password=password,
                timeout=settings.timeout_seconds,
            )
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as exc:
        code = _code_of(exc)
        permanent = code is not None and code >= 500
        text = f"SMTP {code}: {str(exc)[:300]}"
        return Outcome(False, error=text, permanent=permanent, reason="permanent" if permanent else "temporary")
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {str(exc)[:300]}", reason="connection")
    return Outcome(True)
