from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST

from app.db import SessionDep
from app.errors import error_responses
from app.ops import service as ops_service
from app.ops.schemas import Health, Readiness
from app.routing import api_router

router = api_router(prefix="", tags=["operations"])
metrics_bearer = HTTPBearer(
    scheme_name="MetricsToken",
    description="The scraper's token (API__METRICS_TOKEN); required in production.",
    auto_error=False,
)


@router.get("/healthz", response_model=Health)
async def get_health() -> Health:
    """Liveness: the process answers (never touches the database)."""
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def get_readiness(session: SessionDep) -> Response:
    """Readiness: the database answers and migrations are at head (else 503)."""
    ready = await ops_service.readiness(session)
    return JSONResponse(ready.model_dump(), status_code=200 if ready.status == "ready" else 503)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **error_responses(ops_service.MetricsTokenRequired, ops_service.MetricsNotPublic),
    },
)
async def get_metrics(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(metrics_bearer)]
) -> PlainTextResponse:
    """Prometheus metrics of every API process and the worker (requests, latency, pool, deliveries)."""
    token = credentials.credentials if credentials else None
    text = ops_service.metrics_text(request.app.state.settings, token)
    return PlainTextResponse(text, media_type=CONTENT_TYPE_LATEST)
