"""Factories: add + flush real rows; tokens issued the way the app issues them."""

import hashlib
import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from jose import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.models import PartnerClient, Role, User
from app.passwords import password_hashing
from app.tokens import issue_access_token

DEFAULT_PASSWORD = "correct-horse-battery"
TOKEN_URL = "/v1/auth/token"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


async def password_hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = await password_hashing().hash(password)
    return _hash_cache[password]


async def make_user(
    session: AsyncSession,
    *,
    email: str | None = None,
    full_name: str = "Test Person",
    role: Role = Role.citizen,
    password: str = DEFAULT_PASSWORD,
    **overrides,
) -> User:
    overrides.setdefault("email_verified_at", datetime.now(UTC))  # pass None for a new, unverified account
    user = User(
        email=(email or f"person{next(_counter)}@example.org").lower(),
        password_hash=await password_hash(password),
        full_name=full_name,
        role=role,
        **overrides,
    )
    session.add(user)
    await session.flush()
    return user


async def make_partner_client(
    session: AsyncSession,
    *,
    scopes: tuple[str, ...] = ("listings:write",),
    secret: str = "pcs_test-secret",
    **overrides,
) -> PartnerClient:
    client = PartnerClient(
        name=overrides.pop("name", "Test Partner"),
        client_id=overrides.pop("client_id", f"pc_test_{next(_counter)}"),
        secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        scopes=list(scopes),
        **overrides,
    )
    session.add(client)
    await session.flush()
    return client


def auth_headers(user: User) -> dict[str, str]:
    # A session of its own that no one revokes (no refresh-token family): as a fresh sign-in.
    token = issue_access_token(
        get_settings().auth, subject=user.id, kind="user", epoch=user.token_epoch, session_id=uuid.uuid4()
    )
    return {"Authorization": f"Bearer {token}"}


def partner_headers(client: PartnerClient, scopes: tuple[str, ...] | None = None) -> dict[str, str]:
    token = issue_access_token(
        get_settings().auth, subject=client.id, kind="partner", scopes=tuple(scopes or client.scopes)
    )
    return {"Authorization": f"Bearer {token}"}


def access_claims(
    subject: uuid.UUID, *, kind: str = "user", issued_at: datetime | None = None, **overrides: Any
) -> dict[str, Any]:
    """The claims of an access token as the app issues them, for hand-made (e.g. broken) tokens."""
    settings = get_settings().auth
    iat = int((issued_at or datetime.now(UTC)).timestamp())
    claims: dict[str, Any] = {
        "sub": str(subject),
        "kind": kind,
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": iat,
        "exp": iat + settings.access_token_minutes * 60,
        "jti": uuid.uuid4().hex,
        "epoch": 0,
    }
    if kind == "user":
        claims["sid"] = str(uuid.uuid4())
    claims.update(overrides)
    return claims


def sign_claims(
    claims: dict[str, Any],
    *,
    key: str | None = None,
    algorithm: str | None = None,
    headers: dict[str, Any] | None = None,
) -> str:
    """A JWT over `claims`, by default with the app's own key and algorithm."""
    settings = get_settings().auth
    return jwt.encode(
        claims,
        key or settings.secret_key.get_secret_value(),
        algorithm=algorithm or settings.algorithm,
        headers=headers,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    """Password grant over HTTP; the token response (fails the test if sign-in is refused)."""
    response = await client.post(TOKEN_URL, data={"grant_type": "password", "username": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    """Refresh-token grant over HTTP."""
    return await client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token})


# --- providers -------------------------------------------------------------------------------------

from app.models import (  # noqa: E402 - appended section
    AccreditationState,
    Provider,
    ProviderKind,
    ProviderStaff,
    StaffRole,
    Verification,
    VerificationKind,
    VerificationOutcome,
)

VALID_VAT_NUMBER = "01114601006"
VALID_PERSON_TAX_CODE = "RSSMRA85T10A562S"


async def make_provider(
    session: AsyncSession,
    *,
    kind: ProviderKind = ProviderKind.cooperative,
    state: AccreditationState = AccreditationState.accredited,
    staff: User | None = None,
    staff_role: StaffRole = StaffRole.admin,
    **overrides,
) -> Provider:
    """A provider (an accredited cooperative by default); `staff` joins it as `staff_role`."""
    n = next(_counter)
    values: dict[str, Any] = {
        "kind": kind,
        "legal_name": f"Cooperativa Sociale Test {n}",
        "display_name": f"Provider {n:05d}",
        "accreditation_state": state,
    }
    if kind == ProviderKind.individual:
        values["tax_code"] = VALID_PERSON_TAX_CODE
    else:
        values["vat_number"] = VALID_VAT_NUMBER
    values.update(overrides)
    provider = Provider(**values)
    session.add(provider)
    await session.flush()
    if staff is not None:
        await add_provider_staff(session, provider, staff, role=staff_role)
    return provider


async def add_provider_staff(
    session: AsyncSession, provider: Provider, user: User, *, role: StaffRole = StaffRole.admin
) -> ProviderStaff:
    membership = ProviderStaff(provider_id=provider.id, user_id=user.id, role=role)
    session.add(membership)
    await session.flush()
    return membership


async def make_provider_staff_user(session: AsyncSession, **overrides) -> User:
    return await make_user(session, role=Role.provider_staff, **overrides)


async def make_verification(
    session: AsyncSession,
    provider: Provider,
    *,
    kind: VerificationKind = VerificationKind.identity,
    outcome: VerificationOutcome = VerificationOutcome.passed,
    verified_at: datetime | None = None,
    expires_at: datetime | None = None,
    **overrides,
) -> Verification:
    """A recorded check (a passed identity check, verified now, by default)."""
    verification = Verification(
        provider_id=provider.id,
        kind=kind,
        outcome=outcome,
        verified_at=verified_at or datetime.now(UTC),
        expires_at=expires_at,
        verifier_name=overrides.pop("verifier_name", "Comune di Milano (test)"),
        **overrides,
    )
    session.add(verification)
    await session.flush()
    return verification


# --- services (catalogue) --------------------------------------------------------------------------

from app.models import Delivery, PriceModel, Service, ServiceStatus  # noqa: E402
from app.providers import search_columns  # noqa: E402 - appended section
from app.schedules import WeeklySlot, to_multirange  # noqa: E402
from app.seed.reference import category_id  # noqa: E402


async def make_service(
    session: AsyncSession,
    provider: Provider,
    *,
    category: str = "doposcuola",
    status: ServiceStatus = ServiceStatus.published,
    availability: list[dict[str, str]] | None = None,
    **overrides,
) -> Service:
    """A listing of `provider` (published, hourly 15 EUR, Monday mornings by default).

    `category` is a category slug; `zones_served` takes NIL ids. The search columns (coverage,
    point, searchable) are derived the way the app derives them.
    """
    slots = availability if availability is not None else [{"day": "mon", "opens": "09:00", "closes": "12:00"}]
    values: dict[str, Any] = {
        "provider_id": provider.id,
        "category_id": category_id(category),
        "title": f"Servizio di prova {next(_counter)}",
        "description": "",
        "delivery": Delivery.individual,
        "price_model": PriceModel.hourly,
        "price_cents": 1500,
        "income_based": False,
        "shared_prices": [],
        "zones_served": [],
        "languages": ["it"],
        "availability": slots,
        "availability_minutes": to_multirange([WeeklySlot(**slot) for slot in slots]),
        "status": status,
        "published_at": datetime.now(UTC) if status == ServiceStatus.published else None,
    }
    values.update(overrides)
    service = Service(**values)
    await search_columns.reindex(session, service, provider)
    session.add(service)
    await session.flush()
    return service


# --- hubs ------------------------------------------------------------------------------------------

from app.models import Hub, HubOperator, HubZone, ZoneKind  # noqa: E402
from app.seed.reference import zone_id  # noqa: E402


async def make_hub(session: AsyncSession, *, nil_codes: tuple[int, ...] = (22,), **overrides) -> Hub:
    """An active hub standing in the first of `nil_codes` (NIL numbers) and serving them all."""
    nils = [zone_id(ZoneKind.nil, code) for code in nil_codes]
    hub = Hub(
        name=overrides.pop("name", f"Spazio di prova {next(_counter)}"),
        description="",
        address_street=overrides.pop("address_street", "via di Prova 1"),
        address_postcode=overrides.pop("address_postcode", "20133"),
        lat=overrides.pop("lat", 45.4781),
        lon=overrides.pop("lon", 9.2265),
        nil_id=nils[0],
        opening_hours=overrides.pop("opening_hours", [{"day": "mon", "opens": "09:00", "closes": "13:00"}]),
        **overrides,
    )
    session.add(hub)
    await session.flush()
    session.add_all(HubZone(hub_id=hub.id, zone_id=nil) for nil in nils)
    await session.flush()
    return hub


async def make_hub_operator(session: AsyncSession, hub: Hub | None = None, **overrides) -> User:
    """A hub-operator user, working at `hub` when given."""
    user = await make_user(
        session, role=Role.hub_operator, full_name=overrides.pop("full_name", "Olga Operator"), **overrides
    )
    if hub is not None:
        session.add(HubOperator(hub_id=hub.id, user_id=user.id))
        await session.flush()
    return user
