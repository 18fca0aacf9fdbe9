"""The application factory: routers, middleware, error handlers, lifespan."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app.accounts.auth import authenticate
from app.accounts.router import auth_router, me_router, users_router
from app.admission import Admission
from app.body_limit import BodyLimitMiddleware
from app.catalog.router import providers_search_router
from app.catalog.router import router as services_router
from app.categories.router import router as categories_router
from app.condominiums.router import memberships_router as condominium_memberships_router
from app.condominiums.router import router as condominiums_router
from app.config import Settings, get_settings
from app.contract import CONTACT, LICENSE, SERVERS
from app.contract import finish as finish_contract
from app.conversations.router import messages_router, reports_router, threads_router
from app.courses.router import enrolments_router
from app.courses.router import router as courses_router
from app.db import asyncpg_url, build_engine, build_sessionmaker
from app.demand.router import (
    engagements_router,
    offers_router,
    provider_reviews_router,
    requests_router,
    reviews_router,
)
from app.docs import install_docs
from app.domestic_work.router import router as domestic_work_router
from app.error_handlers import install_error_handlers
from app.events.router import router as events_router
from app.funding_port import FundingPort
from app.hsds import router as hsds_router
from app.hubs.router import router as hubs_router
from app.income.router import me_router as my_isee_router
from app.income.router import router as isee_declarations_router
from app.initiatives.router import rides_router, volunteers_router
from app.initiatives.router import router as initiatives_router
from app.integrations.router import router as partner_clients_router
from app.mail.router import preferences_router as notification_preferences_router
from app.mail.router import unsubscribe_router
from app.methods import MethodsMiddleware
from app.metrics import instrument_pool
from app.money.router import ledger_router
from app.notifications.router import router as notifications_router
from app.observability import RequestContextMiddleware, configure_logging
from app.ops.router import router as ops_router
from app.partner_sync.router import router as partner_services_router
from app.pools.router import pool_offers_router
from app.pools.router import router as pools_router
from app.programmes.router import applications_router as programme_applications_router
from app.programmes.router import grants_router
from app.programmes.router import router as programmes_router
from app.providers.router import router as providers_router
from app.ratelimit import build_store
from app.request_defaults import describe_request_defaults
from app.signin.router import router as signin_router
from app.spending import service as spending_service
from app.spending.router import engagement_funding_router, offer_funding_router
from app.statements.router import spend_router, statements_router
from app.timesheets.router import copayments_router, engagement_timesheets_router, timesheets_router
from app.webhooks.router import router as webhooks_router
from app.zones.geometry import load_nil_map
from app.zones.router import router as zones_router

log = logging.getLogger("app")
API_PREFIX = "/v1"
DESCRIPTION = """
The API of **Welfare di Tutti**, Milan's platform for everyday care: it matches citizens' needs
(babysitter, badante, colf, dogsitter, after-school, transport of disabled people) with accredited,
monitored supply, and lets families share a service.

* Errors are RFC 9457 `application/problem+json`; branch on `code`.
* Lists are cursor-paginated: `?limit=` (1-100, default 20) and `?cursor=` from `next_cursor`.
* Resources with a `version` send an `ETag`; send it back in `If-Match` on changes (412 if stale)
  or `If-None-Match` on reads (304).
* Creating POSTs accept `Idempotency-Key` (24 h per caller).
* Login, registration and creating POSTs are rate-limited: they send the IETF `RateLimit-Policy`
  and `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers-10: `"create";q=60;w=60` is 60 per
  60 s; `"create";r=59;t=42` is 59 left, reset in 42 s) and answer 429 with `Retry-After` past it.
* Every response carries `X-Request-ID`; each problem response lists its `code`s
  (`x-problem-codes`), all catalogued in docs/errors.md.
* Sign in with the **Authorize** button (password flow for people, client credentials for partners).
  Operations with `security: []` are public: anyone may call them, and a token, when sent,
  may widen what they show (e.g. one's own unpublished rows). Partner operations name the
  OAuth2 scope they need.
"""


def _operation_id(route: APIRoute) -> str:
    return route.name  # endpoint function names are verb_noun and unique


def _check_nil_polygons(settings: Settings) -> None:
    """Read the NIL polygons now: a file that is not one stops the start, naming the setting,
    instead of failing every /v1/zones/locate later."""
    try:
        load_nil_map(settings.api.nil_geojson_path)
    except ValueError as exc:
        raise RuntimeError(f"API__NIL_GEOJSON_PATH: {exc}") from exc


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production_safety()
    _check_nil_polygons(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for warning in settings.relaxed_safety_warnings():
            log.warning(warning)
        if not hasattr(app.state, "sessionmaker"):  # tests install their own
            app.state.engine = build_engine(settings)
            instrument_pool(app.state.engine, "api")
            app.state.sessionmaker = build_sessionmaker(app.state.engine)
            if settings.db.read_url:  # else the read paths share the primary's sessions
                app.state.read_engine = build_engine(settings, asyncpg_url(settings.db.read_url))
                instrument_pool(app.state.read_engine, "api-read")
                app.state.read_sessionmaker = build_sessionmaker(app.state.read_engine)
        yield
        await app.state.rate_limits.close()
        for engine in ("engine", "read_engine"):
            if hasattr(app.state, engine):
                await getattr(app.state, engine).dispose()

    docs = settings.api.docs_enabled if settings.api.docs_enabled is not None else settings.env != "prod"
    app = FastAPI(
        title="Welfare di Tutti API",
        version="0.1.0",
        description=DESCRIPTION,
        servers=SERVERS,
        contact=CONTACT,
        license_info=LICENSE,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # FastAPI's own pages load a CDN: app.docs serves them offline instead
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    if docs:
        install_docs(app, openapi_url="/openapi.json", swagger_ui_parameters={"persistAuthorization": True})
    app.state.settings = settings
    app.state.admission = Admission(
        capacity=settings.db.pool_size + settings.db.max_overflow,
        queue=settings.db.admission_queue,
        timeout=settings.db.pool_timeout,
    )
    app.state.rate_limits = build_store(settings.redis_url)
    app.state.authenticate = authenticate  # identity resolves the core's caller (app.principal)
    # spending holds and releases what demand's acceptances and cancellations spend (app.funding_port)
    app.state.funding = FundingPort(hold=spending_service.hold_funding, release=spending_service.release_funding)
    install_error_handlers(app)
    app.add_middleware(MethodsMiddleware)  # inside CORS: a preflight is CORS's, a plain OPTIONS ours
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_size=settings.api.max_body_bytes,
        larger_limits={f"{API_PREFIX}/partner/services/bulk": settings.api.max_bulk_body_bytes},
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.api.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-ID"],
        expose_headers=[
            "ETag",
            "Location",
            "Retry-After",
            "X-Request-ID",
            "Idempotent-Replayed",
            "RateLimit",
            "RateLimit-Policy",
        ],
    )
    app.add_middleware(hsds_router.AnyOriginReads)  # the open-data feed: any origin may read it
    app.add_middleware(RequestContextMiddleware)

    app.include_router(ops_router)
    for router in (
        auth_router,
        signin_router,
        me_router,
        users_router,
        my_isee_router,
        isee_declarations_router,
        partner_clients_router,
        zones_router,
        categories_router,
        domestic_work_router,
        providers_router,
        providers_search_router,  # GET /v1/providers: a catalogue query at the providers' path
        services_router,
        partner_services_router,
        requests_router,
        offers_router,
        engagements_router,
        reviews_router,
        provider_reviews_router,
        hubs_router,
        condominiums_router,
        condominium_memberships_router,
        notifications_router,
        ledger_router,
        notification_preferences_router,
        unsubscribe_router,
        pools_router,
        pool_offers_router,
        courses_router,
        enrolments_router,
        initiatives_router,
        volunteers_router,
        rides_router,
        threads_router,
        messages_router,
        reports_router,
        engagement_timesheets_router,
        timesheets_router,
        copayments_router,
        statements_router,
        spend_router,
        programmes_router,
        programme_applications_router,
        grants_router,
        offer_funding_router,
        engagement_funding_router,
        events_router,
        webhooks_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(hsds_router.router)  # HSDS 3.0 feed at /hsds: the standard's paths, not /v1's

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            app.openapi_schema = describe_request_defaults(finish_contract(app, schema))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def build_app() -> FastAPI:
    """Uvicorn factory (`uvicorn app.main:build_app --factory`)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
