"""Keyset (cursor) pagination for every list.

A cursor is the sort key of the last row returned, as JSON, signed with HMAC so clients cannot
forge or edit it (a tampered or foreign cursor is a 400 problem). Every order ends with the primary
key, so pages are stable and never skip or repeat rows even under ties.
"""

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Row, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.errors import InvalidCursor, raises

T = TypeVar("T")
V = TypeVar("V")
MAX_PAGE_ITEMS = 100  # the largest `limit`


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(from_attributes=True)

    items: list[T] = Field(max_length=MAX_PAGE_ITEMS)
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int = 20
    cursor: str | None = None


# What encode_cursor writes: base64url JSON, a dot, a 16-byte base64url HMAC (22 characters). A
# cursor of this shape may still be refused (400 invalid_cursor): its signature is checked.
# The longest key a list sorts by is a 200-character name (hubs, condominiums); written as UTF-8
# JSON, a character takes at most 6 bytes (a control character's \u escape), so the payload stays
# under 1,300 bytes and its base64url under 1,734 characters: 2,000 leaves room and no real cursor
# is ever refused for its length (tests/test_pagination.py builds the worst case).
CURSOR_BODY_MAX = 2000
CURSOR_PATTERN = rf"^[A-Za-z0-9_-]{{1,{CURSOR_BODY_MAX}}}\.[A-Za-z0-9_-]{{22}}$"
CURSOR_MAX_LENGTH = CURSOR_BODY_MAX + 1 + 22


@raises(InvalidCursor)  # a cursor is checked when the page is read
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_ITEMS, description="Items per page (1-100)")] = 20,
    cursor: Annotated[
        str | None,
        Query(
            max_length=CURSOR_MAX_LENGTH,
            pattern=CURSOR_PATTERN,
            description="Opaque `next_cursor` of the previous page",
        ),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


@dataclass(frozen=True, slots=True)
class SortKey:
    column: Any  # an ORM attribute or column expression, never NULL
    descending: bool = False


@dataclass(slots=True)
class Paginated(Generic[T]):
    items: list[T]
    next_cursor: str | None

    def with_items(self, items: list[V]) -> "Paginated[V]":
        """The same page holding `items`: the rows a use case found, as their views show them
        (`found.with_items(await hub_views(session, found.items))`); the cursor stays the page's."""
        return Paginated(items=items, next_cursor=self.next_cursor)


def _sign(payload: bytes) -> str:
    key = get_settings().auth.secret_key.get_secret_value().encode()
    digest = hmac.new(key, b"cursor:" + payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID | datetime):
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return value.value if hasattr(value, "value") else value


def _decode_value(column: Any, raw: Any) -> Any:
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # an untyped SQL expression: JSON scalars round-trip as they are
        return raw
    if python_type is uuid.UUID:
        return uuid.UUID(raw)
    if python_type is datetime:
        return datetime.fromisoformat(raw)
    return raw


def encode_cursor(scope: str, values: Sequence[Any]) -> str:
    # UTF-8, not \u escapes: an accented name costs 2 bytes a character instead of 6
    payload = json.dumps(
        {"s": scope, "k": [_encode_value(v) for v in values]}, separators=(",", ":"), ensure_ascii=False
    )
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{body}.{_sign(payload.encode())}"


def decode_cursor_values(cursor: str, scope: str, count: int) -> list[Any]:
    """The raw JSON values of a signed cursor of list `scope` (for lists that read their own keys)."""
    try:
        body, signature = cursor.split(".", 1)
        payload = _b64decode(body)
        if not hmac.compare_digest(signature, _sign(payload)):
            raise ValueError("bad signature")
        data = json.loads(payload)
        if data["s"] != scope or not isinstance(data["k"], list) or len(data["k"]) != count:
            raise ValueError("cursor of another list or order")
        return data["k"]
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise InvalidCursor("The cursor is invalid or belongs to another list; start again without it.") from exc


def decode_cursor(cursor: str, scope: str, order: Sequence[SortKey]) -> list[Any]:
    values = decode_cursor_values(cursor, scope, len(order))
    try:
        return [_decode_value(key.column, raw) for key, raw in zip(order, values, strict=True)]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("The cursor is invalid or belongs to another list; start again without it.") from exc


def _after(order: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in `order` (mixed directions: an OR of prefix equalities)."""
    clauses = []
    for i, key in enumerate(order):
        equal_prefix = [order[j].column == values[j] for j in range(i)]
        step = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    page: PageParams,
    *,
    order: Sequence[SortKey],
    scope: str,
    item: Callable[[Row[*tuple[Any, ...]]], Any] = lambda row: row[0],
) -> Paginated[Any]:
    """Run `stmt` one page at a time; `scope` names the list and its order (cursors are bound to it).

    The sort keys may be columns or SQL expressions (a distance, a rank): they are selected as
    extra columns, so the cursor records exactly the values the database ordered by. `item` maps a
    result row to what the page holds (by default the first selected entity).
    """
    if page.cursor:
        stmt = stmt.where(_after(order, decode_cursor(page.cursor, scope, order)))
    width = len(stmt.column_descriptions)  # entities count once, unlike selected_columns
    stmt = stmt.add_columns(*(key.column for key in order))
    stmt = stmt.order_by(*(k.column.desc() if k.descending else k.column.asc() for k in order))
    rows = list((await session.execute(stmt.limit(page.limit + 1))).all())
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        next_cursor = encode_cursor(scope, list(rows[-1][width:]))
    return Paginated(items=[item(row) for row in rows], next_cursor=next_cursor)
