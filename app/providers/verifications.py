"""Verifications: checks recorded by the city or a hub, from which public badges derive."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.errors import ValidationFailed
from app.models import Role, User, Verification
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import repository as repo
from app.providers.access import ProviderNotFound, get_provider_by_id, get_visible, staff_role
from app.providers.badges import counts_as_badge, latest_by_kind
from app.providers.schemas import VerificationCreate, VerificationRead

# Who records verifications (the router's guard) and sees their private details.
VERIFIERS = (Role.admin, Role.hub_operator)


async def record(
    session: AsyncSession, user: User, provider_id: uuid.UUID, data: VerificationCreate
) -> VerificationRead:
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
    siblings = await repo.verifications_of(session, [provider.id])
    return _view(verification, siblings, now, private=True)


async def list_verifications(
    session: AsyncSession, user: User | None, provider_id: uuid.UUID, page: PageParams
) -> Paginated[VerificationRead]:
    provider = await get_visible(session, user, provider_id)
    private = user is not None and (user.role in VERIFIERS or await staff_role(session, user, provider) is not None)
    result = await paginate(
        session,
        repo.verifications_query(provider.id),
        page,
        scope=f"verifications:{provider.id}",
        order=[SortKey(Verification.verified_at, descending=True), SortKey(Verification.id)],
    )
    siblings = await repo.verifications_of(session, [provider.id])
    now = datetime.now(UTC)
    return Paginated(
        items=[_view(v, siblings, now, private=private) for v in result.items], next_cursor=result.next_cursor
    )


def _view(v: Verification, siblings: list[Verification], now: datetime, *, private: bool) -> VerificationRead:
    latest = latest_by_kind(siblings)[(v.provider_id, v.kind.value)]
    return VerificationRead(
        id=v.id,
        kind=v.kind,
        outcome=v.outcome,
        verifier_name=v.verifier_name,
        verified_at=v.verified_at,
        expires_at=v.expires_at,
        counts_as_badge=counts_as_badge(v, latest, now),
        evidence_ref=v.evidence_ref if private else None,
        note=v.note if private else None,
    )
