"""Shared callers, catalogue and request helpers for the demand tests.

The catalogue is tata-babysitter in NIL 22 (Città Studi). A default request wants Tuesday and
Thursday 16:00-19:00 (360 weekly minutes) on an hourly budget of 12 EUR, placed at CITTA_STUDI.

  provider  kind         rating   badges (current)              service(s) covering NIL 22, tata-babysitter
  aurora    cooperative  4.5      identity, background_check,   aurora_full: tue+thu 16-19, 12 EUR/h, it+en
                                  references, insurance         aurora_short: tue 16-17 (its worse one)
                                                                aurora_colf: category colf (other category)
  betulla   association  3.0      identity                      betulla_partial: tue 17-19 (120/360), 10 EUR/h, it+ar
  cedro     cooperative  none     none                          cedro_pricey: tue+thu 16-19, 18 EUR/h, it+es
  dalia     individual   4.0      identity, background_check    dalia_thursday: thu 16-19 (180/360), 11 EUR/h, it+en+fr
  elce      cooperative  none     insurance                     elce_tuesday: tue 16-19 (180/360), 12 EUR/h, it
  sospesa   suspended    5.0      identity                      suspended: tue+thu 16-19, 5 EUR/h (never shown)
  lontana   cooperative  none     none                          far: tata-babysitter, but NIL 76 only (never shown)

So five providers are eligible (aurora, betulla, cedro, dalia, elce); each has one staff user of
its own (`catalogue.staff[name]`, headers via `catalogue.headers(name)`).
"""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demand import requests as requests_service
from app.models import AccreditationState, DemandRequest, Hub, HubOperator, ProviderKind, Role, VerificationKind
from app.models import ZoneKind as K
from app.seed.reference import category_id, zone_id
from tests.factories import (
    auth_headers,
    make_hub,
    make_hub_operator,
    make_provider,
    make_provider_staff_user,
    make_service,
    make_user,
    make_verification,
)

NIL_22 = zone_id(K.nil, 22)  # Città Studi
NIL_76 = zone_id(K.nil, 76)  # Quarto Oggiaro
TATA = category_id("tata-babysitter")
CITTA_STUDI = {"lat": 45.4781, "lon": 9.2265}  # a point in NIL 22, about 350 m from its centroid
NIL_22_CENTROID = (45.47727, 9.23082)
NIL_21_CENTROID = (45.47703, 9.21449)
LORETO = (45.49094, 9.22223)  # NIL 20, about 1.5 km from CITTA_STUDI
NEED_MINUTES = 360
REQUESTS_URL = "/v1/requests"
INBOX_URL = "/v1/requests/inbox"
# The request's private and personal details, as the default body sends them.
PRIVATE_STREET = "Via Giovanni Pascoli 12"
PRIVATE_POSTCODE = "20133"
PRIVATE_NOTES = "Two children, 4 and 7; the younger one naps until 16:30."


def slot(day: str, opens: str, closes: str) -> dict[str, str]:
    return {"day": day, "opens": opens, "closes": closes}


DEFAULT_SCHEDULE = [slot("tue", "16:00", "19:00"), slot("thu", "16:00", "19:00")]


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def milan_today() -> str:
    """Today in Milan: the first start date an engagement can be completed on."""
    return requests_service.milan_today().isoformat()


def request_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/requests body (quote mode, opens at once); overrides replace keys, and an
    override of None removes the key."""
    body: dict[str, Any] = {
        "category_id": str(TATA),
        "description": "Babysitter per due bambini dopo la scuola.",
        "address": {"street": PRIVATE_STREET, "postcode": PRIVATE_POSTCODE},
        "point": dict(CITTA_STUDI),
        "schedule": [dict(s) for s in DEFAULT_SCHEDULE],
        "start_date": in_days(7),
        "end_date": in_days(180),
        "budget_cents": 1200,
        "budget_model": "hourly",
        "beneficiary_notes": PRIVATE_NOTES,
        "open_to_sharing": False,
        "mode": "quote",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def post_request(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """POST a valid request (with overrides); fails the test unless it is created. Returns the body."""
    response = await client.post(REQUESTS_URL, json=request_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def invite(
    client: httpx.AsyncClient, headers: dict[str, str], request_id: str | uuid.UUID, *service_ids: Any
) -> httpx.Response:
    """POST /v1/requests/{id}/invitations with the given service ids (rows or ids)."""
    ids = [str(getattr(s, "id", s)) for s in service_ids]
    return await client.post(f"{REQUESTS_URL}/{request_id}/invitations", json={"service_ids": ids}, headers=headers)


async def fetch_request(session: AsyncSession, request_id: str | uuid.UUID) -> DemandRequest:
    """The row as stored now (bypassing the test session's identity map)."""
    stmt = select(DemandRequest).where(DemandRequest.id == uuid.UUID(str(request_id)))
    return (await session.scalars(stmt.execution_options(populate_existing=True))).one()


# --- callers ---------------------------------------------------------------------------------------


@pytest.fixture
async def hub_operator(session):
    """An operator of a hub serving NIL 22, where the default request is."""
    hub = await make_hub(session, nil_codes=(22,))
    return await make_hub_operator(session, hub, email="operator.h1@example.org", full_name="Olga Operator")


@pytest.fixture
def as_hub_operator(hub_operator) -> dict[str, str]:
    return auth_headers(hub_operator)


async def post_operator_mode_request(
    client: httpx.AsyncClient, session: AsyncSession, hub_operator: Any, citizen: Any, **overrides: Any
) -> dict[str, Any]:
    """An operator-mode request for `citizen`, made (with consent) by a colleague of `hub_operator`
    at the same hub: `hub_operator` reaches it through the mode, not as its author."""
    hub_id = await session.scalar(select(HubOperator.hub_id).where(HubOperator.user_id == hub_operator.id))
    colleague = await make_hub_operator(session, await session.get(Hub, hub_id))
    return await post_request(
        client,
        auth_headers(colleague),
        mode="operator",
        citizen_id=str(citizen.id),
        consent_note="Consenso raccolto allo sportello",
        **overrides,
    )


@pytest.fixture
async def worker(session):
    return await make_user(session, email="worker@example.org", full_name="Walter Worker", role=Role.worker)


@pytest.fixture
def as_worker(worker) -> dict[str, str]:
    return auth_headers(worker)


# --- the catalogue ---------------------------------------------------------------------------------


class Catalogue:
    """Names ↔ rows of the fixture catalogue (see the module docstring)."""

    ELIGIBLE = ("aurora", "betulla", "cedro", "dalia", "elce")

    def __init__(self) -> None:
        self.providers: dict[str, Any] = {}
        self.services: dict[str, Any] = {}
        self.staff: dict[str, Any] = {}

    def headers(self, name: str) -> dict[str, str]:
        """Bearer headers of the named provider's staff user."""
        return auth_headers(self.staff[name])

    def provider_id(self, name: str) -> str:
        return str(self.providers[name].id)

    def service_id(self, name: str) -> str:
        return str(self.services[name].id)

    def provider_name_of(self, provider_id: str) -> str:
        return next(name for name, p in self.providers.items() if str(p.id) == provider_id)

    def service_name_of(self, service_id: str) -> str:
        return next(name for name, s in self.services.items() if str(s.id) == service_id)


@pytest.fixture
async def catalogue(session) -> Catalogue:
    c = Catalogue()
    specs = {
        "aurora": {"kind": ProviderKind.cooperative, "point": NIL_22_CENTROID, "rating_average": 4.5},
        "betulla": {"kind": ProviderKind.association, "point": NIL_21_CENTROID, "rating_average": 3.0},
        "cedro": {"kind": ProviderKind.cooperative, "point": LORETO, "rating_average": None},
        "dalia": {"kind": ProviderKind.individual, "point": NIL_22_CENTROID, "rating_average": 4.0},
        "elce": {"kind": ProviderKind.cooperative, "point": NIL_22_CENTROID, "rating_average": None},
        "sospesa": {"kind": ProviderKind.cooperative, "point": NIL_22_CENTROID, "rating_average": 5.0},
        "lontana": {"kind": ProviderKind.cooperative, "point": NIL_22_CENTROID, "rating_average": None},
    }
    for name, spec in specs.items():
        staff = await make_provider_staff_user(
            session, email=f"staff.{name}@example.org", full_name=f"{name.title()} Staff"
        )
        lat, lon = spec["point"]
        c.staff[name] = staff
        c.providers[name] = await make_provider(
            session,
            kind=spec["kind"],
            state=AccreditationState.suspended if name == "sospesa" else AccreditationState.accredited,
            staff=staff,
            display_name=f"{name.title()} Servizi",
            lat=lat,
            lon=lon,
            nil_id=NIL_22 if spec["kind"] == ProviderKind.individual else None,
            rating_average=spec["rating_average"],
            rating_count=10 if spec["rating_average"] is not None else 0,
        )
    badges = {
        "aurora": [
            VerificationKind.identity,
            VerificationKind.background_check,
            VerificationKind.references,
            VerificationKind.insurance,
        ],
        "betulla": [VerificationKind.identity],
        "dalia": [VerificationKind.identity, VerificationKind.background_check],
        "elce": [VerificationKind.insurance],
        "sospesa": [VerificationKind.identity],
    }
    for name, kinds in badges.items():
        for kind in kinds:
            await make_verification(session, c.providers[name], kind=kind)

    async def service(name: str, provider: str, availability: list[dict], **overrides: Any) -> None:
        values: dict[str, Any] = {
            "category": "tata-babysitter",
            "title": f"Tata {name}",
            "zones_served": [NIL_22],
            "price_cents": 1200,
            "languages": ["it"],
        }
        values.update(overrides)
        c.services[name] = await make_service(session, c.providers[provider], availability=availability, **values)

    both = [slot("tue", "16:00", "19:00"), slot("thu", "16:00", "19:00")]
    await service("aurora_full", "aurora", both, languages=["it", "en"])
    await service("aurora_short", "aurora", [slot("tue", "16:00", "17:00")], languages=["it", "en"])
    await service("aurora_colf", "aurora", both, category="colf")
    await service(
        "betulla_partial", "betulla", [slot("tue", "17:00", "19:00")], price_cents=1000, languages=["it", "ar"]
    )
    await service("cedro_pricey", "cedro", both, price_cents=1800, languages=["it", "es"])
    await service(
        "dalia_thursday", "dalia", [slot("thu", "16:00", "19:00")], price_cents=1100, languages=["it", "en", "fr"]
    )
    await service("elce_tuesday", "elce", [slot("tue", "16:00", "19:00")])
    await service("suspended", "sospesa", both, price_cents=500)
    await service("far", "lontana", both, zones_served=[NIL_76])
    return c


# --- requests --------------------------------------------------------------------------------------


@pytest.fixture
async def request_a(client, as_citizen_a) -> dict[str, Any]:
    """Citizen A's open quote-mode request (the default body), as the API returned it."""
    return await post_request(client, as_citizen_a)


@pytest.fixture
async def open_mode_request_a(client, as_citizen_a) -> dict[str, Any]:
    """Citizen A's open request in open mode: any eligible provider may answer."""
    return await post_request(client, as_citizen_a, mode="open")
