from fastapi import Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.db import SessionDep
from app.observability import REGISTRY
from app.ops import service as ops_service
from app.ops.schemas import Health, Readiness
from app.routing import api_router

router = api_router(prefix="", tags=["operations"])


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
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def get_metrics() -> PlainTextResponse:
    """Prometheus metrics (request counts and latencies by route)."""
    return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
