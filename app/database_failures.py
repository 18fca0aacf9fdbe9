"""Which database exceptions mean "not there right now" (503 database_unavailable), "too busy" (503
service_busy) or "the client's text cannot be stored" (422): read by the error handlers and by the
readiness probe, so an outage is told apart from a bug in one place."""

import asyncpg
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.errors import DatabaseUnavailable, ServiceBusy, ServiceUnavailable

# SQLSTATEs that say "the database is not there right now": connection exceptions (class 08),
# admin/crash shutdown and "starting up" (57P01-57P03), too many connections (53300).
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}
# The statement itself was cut short under load: statement_timeout (57014), lock_timeout (55P03).
_BUSY_SQLSTATES = {"57014", "55P03"}


# Everything a failing database can raise into a service that probes it (readiness).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    SQLAlchemyError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


def database_failure(exc: BaseException) -> type[ServiceUnavailable] | None:
    """DatabaseUnavailable or ServiceBusy when `exc` (or what it wraps) is a connection/capacity failure.

    Looks through SQLAlchemy's wrapper (`.orig`) and the exception chain, because the same outage
    surfaces as a raw OSError (connection refused), a raw asyncpg error (at connect time), or a
    DBAPIError wrapping either (mid-query), depending on where it hits.
    """
    if isinstance(exc, PoolTimeout):
        return ServiceBusy
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return DatabaseUnavailable
        if isinstance(current, OSError):  # ConnectionRefusedError, TimeoutError (connect timeout), ...
            return DatabaseUnavailable
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str):
            if sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES:
                return DatabaseUnavailable
            if sqlstate in _BUSY_SQLSTATES:
                return ServiceBusy
        if isinstance(current, asyncpg.InterfaceError) and "closed" in str(current):
            return DatabaseUnavailable  # "connection is closed": the server went away under us
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


# PostgreSQL text cannot hold U+0000 (character_not_in_repertoire, untranslatable_character): a NUL
# in any string the client sends fails the statement; that is the client's input, not a 500.
UNSTORABLE_TEXT = {"22021", "22P05"}
