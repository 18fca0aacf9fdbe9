"""Lifecycle tables: one step of a domain's life -> exactly these notifications, to nobody else.

Usage (one row of a table):

    async with watch(session) as told:
        await client.post(f"/v1/offers/{offer_id}/accept", headers=auth_headers(citizen))
    await told.exactly(
        Told(staff, "offer.accepted", subject_id=offer_id, language="it"),
        client=client,
    )

`watch` notes every notification that exists before the step; `exactly` compares ALL the rows the
step added, for every user, with the expected ones as a multiset of (who, kind, subject): a missing
one, an extra one, a duplicate, or one to somebody else fails with both lists printed. A `Told` with
a `language` also checks, over HTTP as that person reads their inbox with no Accept-Language, that
the notification's `title` is the kind's title in that language (their account's language), so
`who` must then be the `User` (a bare id is enough otherwise).

The interface is kept stable for every domain's table (demand, supply, community): add to it,
never change what exists.
"""

import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Notification, User
from app.notification_kinds import kind as notification_kind
from tests.factories import auth_headers


@dataclass(frozen=True)
class Told:
    """One expected notification: `who` (a User, or a user id) is told `kind`, about `subject_id`
    when given (None: any subject), titled in `language` when given ("it" or "en")."""

    who: User | uuid.UUID
    kind: str
    subject_id: uuid.UUID | str | None = None
    language: str | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.who.id if isinstance(self.who, User) else self.who

    def key(self) -> tuple[uuid.UUID, str, str | None]:
        """Who, kind and subject; the subject only when this expectation names one."""
        subject = None if self.subject_id is None else str(self.subject_id)
        return (self.user_id, self.kind, subject)


def _key(row: Notification, subject: bool) -> tuple[uuid.UUID, str, str | None]:
    return (row.user_id, row.kind, str(row.subject_id) if subject else None)


@dataclass
class Watched:
    """The notifications a step added (every user's), filled in when the `watch` block ends."""

    before: set[uuid.UUID]
    rows: list[Notification] = field(default_factory=list)

    def of(self, who: User | uuid.UUID) -> list[Notification]:
        user_id = who.id if isinstance(who, User) else who
        return [row for row in self.rows if row.user_id == user_id]

    async def exactly(self, *expected: Told, client: httpx.AsyncClient | None = None) -> None:
        """The step added exactly `expected` (nothing else, to nobody else); titles checked over
        HTTP (`client` needed) for each `Told` with a language."""
        for told in expected:
            notification_kind(told.kind)  # a typo in the table is a failure, not a silent mismatch
        wanted = Counter(told.key() for told in expected)
        # A row matches an expectation with a subject by its subject, one without by (who, kind).
        with_subject = {(t.user_id, t.kind) for t in expected if t.subject_id is not None}
        got = Counter(_key(row, (row.user_id, row.kind) in with_subject) for row in self.rows)
        assert got == wanted, _describe(self.rows, expected)
        if any(told.language for told in expected):
            assert client is not None, "checking titles needs the HTTP client"
            for told in expected:
                if told.language:
                    await _assert_title(client, told, self.of(told.user_id))

    def data(self, who: User | uuid.UUID, kind: str) -> dict[str, Any]:
        """The data payload of the one notification `who` got of `kind` in this step."""
        rows = [row for row in self.of(who) if row.kind == kind]
        assert len(rows) == 1, f"expected one {kind} for {who}, got {len(rows)}"
        return rows[0].data


def _describe(rows: Sequence[Notification], expected: Sequence[Told]) -> str:
    got = sorted(f"{row.user_id} {row.kind} {row.subject_type}:{row.subject_id}" for row in rows)
    want = sorted(f"{t.user_id} {t.kind} {t.subject_id or '*'}" for t in expected)
    return "notifications differ\n  got:\n    " + "\n    ".join(got) + "\n  expected:\n    " + "\n    ".join(want)


async def _assert_title(client: httpx.AsyncClient, told: Told, rows: list[Notification]) -> None:
    assert isinstance(told.who, User), "a language check reads the inbox as the person: pass the User"
    listed = await client.get("/v1/me/notifications", params={"limit": 100}, headers=auth_headers(told.who))
    assert listed.status_code == 200, listed.text
    titles = {item["id"]: item["title"] for item in listed.json()["items"]}
    expected_title = notification_kind(told.kind).title(told.language or "it")
    for row in rows:
        if row.kind == told.kind:
            assert titles.get(str(row.id)) == expected_title, (told, titles.get(str(row.id)), expected_title)


async def _existing_ids(session: AsyncSession) -> set[uuid.UUID]:
    return set(await session.scalars(select(Notification.id)))


@contextlib.asynccontextmanager
async def watch(session: AsyncSession) -> AsyncIterator[Watched]:
    """Notes the notifications before the block; on leaving it, `Watched.rows` holds what the block
    added (read on the test's connection, which the app's requests share)."""
    watched = Watched(before=await _existing_ids(session))
    yield watched
    added = select(Notification)
    if watched.before:
        added = added.where(Notification.id.not_in(watched.before))
    rows = await session.scalars(added)
    watched.rows = sorted(rows, key=lambda row: (str(row.user_id), row.kind))
