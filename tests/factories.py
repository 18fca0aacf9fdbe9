"""Factories: add + flush real rows; tokens issued the way the app issues them."""

import hashlib
import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.models import PartnerClient, Role, User
from app.passwords import password_hashing
from app.tokens import issue_access_token

DEFAULT_PASSWORD = "correct-horse-battery"
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
    token = issue_access_token(get_settings().auth, subject=user.id, kind="user")
    return {"Authorization": f"Bearer {token}"}


def partner_headers(client: PartnerClient, scopes: tuple[str, ...] | None = None) -> dict[str, str]:
    token = issue_access_token(
        get_settings().auth, subject=client.id, kind="partner", scopes=tuple(scopes or client.scopes)
    )
    return {"Authorization": f"Bearer {token}"}
