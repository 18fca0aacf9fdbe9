"""Worker jobs of programmes: grants' expiry (app/programmes/grants.py) and the reminder before it.

A household hears two weeks before a grant expires (`grant.expiring`), once per grant and deadline
however many workers sweep (app/reminders.py claims it in the sweep's transaction). Grants made
with less than two weeks to run are not reminded: their notification of credit said when they end.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger, reminders
from app.programmes import grants
from app.programmes import repository as repo

GRANT_EXPIRING = "grant.expiring"
GRANT_THRESHOLD = reminders.Threshold("14d", timedelta(days=14))


async def expire_grants(session: AsyncSession, now: datetime | None = None) -> int:
    return await grants.expire_due(session, now)


async def remind_expiring_grants(session: AsyncSession, now: datetime | None = None) -> int:
    """Two statements however many grants: the claim, and the claimed grants."""
    now = now or datetime.now(UTC)
    (window,) = reminders.windows(now, [GRANT_THRESHOLD])
    due = repo.grants_expiring(window.after, window.until, GRANT_THRESHOLD.lead)
    claimed = await reminders.claim(session, kind=GRANT_EXPIRING, window=window, due=due)
    found = await repo.grants_by_ids(session, claimed)
    for grant in found:
        ledger.notify(
            session,
            [grant.household_id],
            kind=GRANT_EXPIRING,
            subject_type="grant",
            subject_id=grant.id,
            data={
                "programme_id": str(grant.programme_id),
                "expires_at": grant.expires_at.isoformat(),
                "threshold": GRANT_THRESHOLD.name,
            },
        )
    return len(found)
