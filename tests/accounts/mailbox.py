"""What the e-mail outbox sends, read back in the tests of accounts: the code an account's e-mail carries."""

import re
from email.message import EmailMessage

from app.mail import outbox
from tests.notifications.smtp_server import SmtpServer


async def mails_to(sessions, mail, smtp: SmtpServer, address: str) -> list[EmailMessage]:
    """Run the outbox once; the e-mails that reached `address` so far, oldest first."""
    await outbox.run_once(sessions, mail)
    return [r.message for r in smtp.received if r.rcpt_tos == [address]]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def code_in(message: EmailMessage) -> str:
    found = re.search(r"(?:Codice|Code): (\S+)", text_of(message))
    assert found, text_of(message)
    return found.group(1)
