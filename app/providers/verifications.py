"""Verifications: checks recorded by the city or a hub, from which public badges derive."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.errors import ValidationFailed
from app.models import Role, User, Verification
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import repository as repo
from app.providers.access import ProviderNotFound, get_provider_by_id, get_visible
from app.providers.schemas import VerificationCreate


async def record(session: AsyncSession, user: User, provider_id: uuid.UUID, data: VerificationCreate) -> Verification:
    # Verifiers check providers while they are being vetted, before they are public.
    provider = await get_provider_by_id(session, provider_id)
    if provider is None:
        raise ProviderNotFound("No provider with this id.")
    now = datetime.now(UTC)
    verified_at = data.verified_at or now
    if verified_at.tzinfo is None:
        raise ValidationFailed("verified_at needs a time zone (e.g. Z).", pointer="/verified_at")
    if verified_at > now:
        raise ValidationFailed("verified_at cannot be in the future.", pointer="/verified_at")
    if data.expires_at is not None and (data.expires_at.tzinfo is None or data.expires_at <= verified_at):
        raise ValidationFailed("expires_at must be a time-zoned instant after verified_at.", pointer="/expires_at")
    verification = Verification(
        provider_id=provider.id,
        kind=data.kind,
        outcome=data.outcome,
        evidence_ref=data.evidence_ref,
        note=data.note,
        verified_by_id=user.id,
        verified_at=verified_at,
        expires_at=data.expires_at,
        verifier_name="Comune di Milano" if user.role == Role.admin else "Spazio WeMi",
    )
    session.add(verification)
    ledger.record(
        session,
        actor_id=user.id,
        action="provider.verification_recorded",
        target_type="provider",
        target_id=provider.id,
        payload={"provider_id": str(provider.id), "kind": data.kind.value, "outcome": data.outcome.value},
        detail={"kind": data.kind.value, "outcome": data.outcome.value},
    )
    await session.flush()
    return verification


async def list_verifications(
    session: AsyncSession, user: User | None, provider_id: uuid.UUID, page: PageParams
) -> Paginated[Verification]:
    provider = await get_visible(session, user, provider_id)
    return await paginate(
        session,
        repo.verifications_query(provider.id),
        page,
        scope=f"verifications:{provider.id}",
        order=[SortKey(Verification.verified_at, descending=True), SortKey(Verification.id)],
    )
