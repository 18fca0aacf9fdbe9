"""Partner clients' responses, for the admins who manage them."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.integrations.schemas import PartnerClientCreated, PartnerClientRead
from app.models import PartnerClient
from app.shared_schemas import from_row


async def partner_client_views(session: AsyncSession, clients: Sequence[PartnerClient]) -> list[PartnerClientRead]:
    return [from_row(PartnerClientRead, client) for client in clients]


async def partner_client_created_views(
    session: AsyncSession, created: Sequence[tuple[PartnerClient, str]]
) -> list[PartnerClientCreated]:
    """A new client with its secret: only its hash is stored, so this response is the only one to show it."""
    return [from_row(PartnerClientCreated, client, client_secret=secret) for client, secret in created]
