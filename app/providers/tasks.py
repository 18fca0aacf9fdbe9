"""Worker jobs of supply: tell a provider's staff before a verification behind one of its badges
expires, 30 days before and again 7 days before (once each: app/reminders.py), so that the check
can be renewed before the badge disappears from the catalogue.

Only checks that count as a badge now are reminded of: a renewed check (a later one of the same
kind) or a failed one has replaced it, and a withdrawn provider has left.
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger, reminders
from app.providers import repository as repo

VERIFICATION_EXPIRING = "verification.expiring"
VERIFICATION_THRESHOLDS = (
    reminders.Threshold("30d", timedelta(days=30)),  # time to book a new check
    reminders.Threshold("7d", timedelta(days=7)),  # the last call
)


async def remind_expiring_verifications(session: AsyncSession, now: datetime | None = None) -> int:
    """One claim per threshold and one read of the claimed checks and their staff: three or four
    statements however many checks expire. Returns how many checks were reminded of."""
    now = now or datetime.now(UTC)
    threshold_of: dict[uuid.UUID, str] = {}
    for window in reminders.windows(now, VERIFICATION_THRESHOLDS):
        due = repo.expiring_badges(window.after, window.until)
        for verification_id in await reminders.claim(session, kind=VERIFICATION_EXPIRING, window=window, due=due):
            threshold_of[verification_id] = window.threshold.name
    verifications = await repo.verifications_by_id(session, list(threshold_of))
    staff = await repo.staff_user_ids(session, sorted({v.provider_id for v in verifications}))
    for verification in verifications:
        ledger.notify(
            session,
            staff.get(verification.provider_id, []),
            kind=VERIFICATION_EXPIRING,
            subject_type="verification",
            subject_id=verification.id,
            data={
                "provider_id": str(verification.provider_id),
                "verification_kind": verification.kind.value,
                "expires_at": verification.expires_at.isoformat() if verification.expires_at else None,
                "threshold": threshold_of[verification.id],
            },
        )
    return len(verifications)
