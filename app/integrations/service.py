"""Partner systems: clients with scopes, authenticated by OAuth2 client credentials."""

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.config import get_settings
from app.errors import AppError, NotFound, ValidationFailed
from app.integrations import repository as repo
from app.integrations.schemas import PartnerClientCreate, PartnerClientCreated, PartnerClientRead
from app.models import PartnerClient, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access
from app.tokens import IssuedTokens, issue_access_token


class PartnerClientNotFound(NotFound):
    code = "partner_client_not_found"


class InvalidClientCredentials(AppError):
    status_code, code, title = 401, "invalid_client", "Invalid Client"
    headers = {"WWW-Authenticate": 'Basic realm="token"'}


class InvalidScope(AppError):
    status_code, code, title = 400, "invalid_scope", "Invalid Scope"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_client(session: AsyncSession, admin: User, data: PartnerClientCreate) -> PartnerClientCreated:
    if data.provider_id is not None and await provider_access.get_provider_by_id(session, data.provider_id) is None:
        raise ValidationFailed("No provider with this id.", pointer="/provider_id")
    secret = "pcs_" + secrets.token_urlsafe(32)
    client = PartnerClient(
        name=data.name,
        client_id="pc_" + secrets.token_hex(12),
        secret_hash=_hash_secret(secret),
        scopes=sorted({s.value for s in data.scopes}),
        created_by_id=admin.id,
        provider_id=data.provider_id,
    )
    session.add(client)
    await session.flush()
    ledger.audit(
        session,
        actor_id=admin.id,
        actor_kind="user",
        action="partner_client.created",
        target_type="partner_client",
        target_id=client.id,
        detail={"scopes": client.scopes},
    )
    return PartnerClientCreated(**PartnerClientRead.model_validate(client).model_dump(), client_secret=secret)


async def list_clients(session: AsyncSession, page: PageParams, *, active: bool | None) -> Paginated[PartnerClient]:
    return await paginate(
        session,
        repo.clients_query(active=active),
        page,
        scope="partner_clients",
        order=[SortKey(PartnerClient.created_at, descending=True), SortKey(PartnerClient.id)],
    )


async def get_client(session: AsyncSession, partner_id: uuid.UUID) -> PartnerClient:
    client = await repo.get_by_id(session, partner_id)
    if client is None:
        raise PartnerClientNotFound("No partner client with this id.")
    return client


async def revoke_client(session: AsyncSession, admin: User, partner_id: uuid.UUID) -> PartnerClient:
    client = await get_client(session, partner_id)
    if client.is_active:
        client.is_active = False
        client.revoked_at = datetime.now(UTC)
        ledger.audit(
            session,
            actor_id=admin.id,
            actor_kind="user",
            action="partner_client.revoked",
            target_type="partner_client",
            target_id=client.id,
        )
        await session.flush()
    return client


async def client_credentials_grant(
    session: AsyncSession, *, client_id: str, client_secret: str, scope: str | None
) -> IssuedTokens:
    client = await repo.get_by_client_id(session, client_id)
    expected = client.secret_hash if client else _hash_secret("unknown-client")
    valid = hmac.compare_digest(expected, _hash_secret(client_secret))
    if client is None or not valid or not client.is_active:
        raise InvalidClientCredentials("The client id or secret is not correct.")
    granted = tuple(client.scopes)
    if scope:
        wanted = tuple(dict.fromkeys(scope.split()))
        if not set(wanted) <= set(granted):
            raise InvalidScope("The client is not allowed some of the requested scopes.")
        granted = wanted
    settings = get_settings().auth
    return IssuedTokens(
        access_token=issue_access_token(settings, subject=client.id, kind="partner", scopes=granted),
        expires_in=settings.access_token_minutes * 60,
        scope=" ".join(granted),
    )


async def get_client_for_token(session: AsyncSession, partner_id: uuid.UUID) -> PartnerClient | None:
    client = await repo.get_by_id(session, partner_id)
    return client if client is not None and client.is_active else None
