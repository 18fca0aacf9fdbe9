"""Badges: what was verified about a provider and still counts.

A badge of a kind holds while the latest verification of that kind passed and has not expired;
an expired check stops counting the moment it expires, and a later failed check replaces it.
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Verification, VerificationKind, VerificationOutcome
from app.providers import repository as repo


def counts_as_badge(verification: Verification, latest: Verification, now: datetime) -> bool:
    return (
        verification.id == latest.id
        and verification.outcome == VerificationOutcome.passed
        and (verification.expires_at is None or verification.expires_at > now)
    )


def latest_by_kind(verifications: list[Verification]) -> dict[tuple[uuid.UUID, str], Verification]:
    latest: dict[tuple[uuid.UUID, str], Verification] = {}
    for v in verifications:
        key = (v.provider_id, v.kind.value)
        if key not in latest or (v.verified_at, v.created_at) > (latest[key].verified_at, latest[key].created_at):
            latest[key] = v
    return latest


def badges_by_provider(verifications: list[Verification], now: datetime) -> dict[uuid.UUID, list[Verification]]:
    badges: dict[uuid.UUID, list[Verification]] = {}
    for v in latest_by_kind(verifications).values():
        if counts_as_badge(v, v, now):
            badges.setdefault(v.provider_id, []).append(v)
    for items in badges.values():
        items.sort(key=lambda v: v.kind.value)
    return badges


async def badge_kinds_by_provider(
    session: AsyncSession, provider_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, list[VerificationKind]]:
    """Provider id → the verification kinds that currently count as badges."""
    verifications = await repo.verifications_of(session, provider_ids)
    return {pid: [v.kind for v in items] for pid, items in badges_by_provider(verifications, now).items()}


def badge_condition(provider_id_column, kind: VerificationKind, now: datetime):  # noqa: ANN001, ANN201 - SQL
    """SQL: the provider behind `provider_id_column` holds a badge of `kind` at `now`."""
    return repo.has_badge(provider_id_column, kind, now)
