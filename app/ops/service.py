"""Liveness and readiness: the process answers; the database answers and its schema is current.
And who may read the metrics."""

import asyncio
import hmac
from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncSession

from app import metrics
from app.config import PROJECT_ROOT, Settings
from app.database_failures import DATABASE_ERRORS
from app.errors import NotAuthenticated, NotFound
from app.ops import repository as repo
from app.ops.schemas import Readiness

READINESS_TIMEOUT_S = 2.0


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


# A database that errors or does not answer in time is unreachable, for readiness.
UNREACHABLE: tuple[type[BaseException], ...] = (*DATABASE_ERRORS, TimeoutError)


async def readiness(session: AsyncSession) -> Readiness:
    try:
        revisions = await asyncio.wait_for(repo.current_revisions(session), READINESS_TIMEOUT_S)
    except UNREACHABLE:
        return Readiness(status="not_ready", database="unreachable", migrations="unknown")
    at_head = revisions == set(head_revisions())
    return Readiness(
        status="ready" if at_head else "not_ready",
        database="ok",
        migrations="at_head" if at_head else "behind",
    )


class MetricsTokenRequired(NotAuthenticated):
    """/metrics has a token (API__METRICS_TOKEN) and the request did not bring it."""

    code = "metrics_token_required"
    headers = {"WWW-Authenticate": 'Bearer realm="metrics"'}


class MetricsNotPublic(NotFound):
    """ENV=prod without API__METRICS_TOKEN: /metrics is not served at all."""

    code = "not_found"


def metrics_text(settings: Settings, token: str | None) -> bytes:
    """The Prometheus exposition. Public in dev and test; with API__METRICS_TOKEN set, only to a bearer
    of that token; in prod without a token, to nobody (metrics reveal traffic and routes)."""
    expected = settings.api.metrics_token
    if expected is None:
        if settings.env == "prod":
            raise MetricsNotPublic("Not Found")
        return metrics.render()
    given = (token or "").encode()
    if not hmac.compare_digest(given, expected.get_secret_value().encode()):
        raise MetricsTokenRequired("A valid metrics token is required (Authorization: Bearer ...).")
    return metrics.render()
