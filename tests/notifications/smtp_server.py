"""A real SMTP server for the e-mail tests: aiosmtpd on a free loopback port, in its own thread.

It keeps what it accepted (envelope and parsed message) and answers DATA from a script: "250 ..."
accepts, "451 ..." (try later) or "550 ..." (refused for good) refuse, as a real relay would.
"""

import asyncio
import email
import socket
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

ACCEPT = "250 2.0.0 Ok: queued"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body((subtype,))
        assert body is not None, f"no text/{subtype} part"
        return body.get_content()


class Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refused: list[str] = []  # the replies of refused attempts
        self.script: list[str] = []  # replies to the next DATA commands; then ACCEPT
        self.delay_s = 0.0  # hold each DATA this long (widens the window of a race)
        # Hold the first DATA this long, then refuse it (451): a sender killed meanwhile never got a
        # 250, so, as with a real server, that message was not accepted.
        self.hold_first_s = 0.0
        self.attempts: list[str] = []  # the Message-ID of every DATA, accepted or not
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.attempts.append(str(message["Message-ID"]))
            first = len(self.attempts) == 1
        if first and self.hold_first_s:
            await asyncio.sleep(self.hold_first_s)
            self.refused.append("451 held")
            return "451 4.3.0 Held past the sender's life"
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        with self.lock:
            reply = self.script.pop(0) if self.script else ACCEPT
            if not reply.startswith("250"):
                self.refused.append(reply)
                return reply
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return reply


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received
