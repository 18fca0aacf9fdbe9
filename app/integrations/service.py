"""Partner systems: clients with scopes, created, listed and revoked by admins. They sign in with OAuth2
client credentials at the token endpoint of the identity context (app.accounts.login)."""

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts.login import hash_token
from app.errors import NotFound, ValidationFailed
from app.integrations import repository as repo
from app.integrations.schemas import PartnerClientCreate
from app.models import PartnerClient, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access


class PartnerClientNotFound(NotFound):
    code = "partner_client_not_found"


async def create_client(session: AsyncSession, admin: User, data: PartnerClientCreate) -> tuple[PartnerClient, str]:
    """The new client and its secret (stored only as a hash)."""
    if data.provider_id is not None and await provider_access.get_provider_by_id(session, data.provider_id) is None:
        raise ValidationFailed("No provider with this id.", pointer="/provider_id")
    secret = "pcs_" + secrets.token_urlsafe(32)
    client = PartnerClient(
        name=data.name,
        client_id="pc_" + secrets.token_hex(12),
        secret_hash=hash_token(secret),
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
    return client, secret


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
