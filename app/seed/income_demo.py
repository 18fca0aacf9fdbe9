"""Demo ISEE declarations for `make run`, made through the real use cases: Giulia's verified at
the city (so her matches and search show her price under the income-based listings' bands) and
Ahmed's waiting in the hub operators' queue. Idempotent: it runs once, when Giulia has declared none.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.income import rules
from app.income import service as income_service
from app.income.schemas import IseeDeclarationCreate, IseeVerificationCreate
from app.models import IseeDeclaration, IseeVariant, User, Zone, ZoneKind


async def _user(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def seed_income_demo(session: AsyncSession) -> dict[str, int]:
    giulia = await _user(session, "giulia.cittadina@demo.welfareditutti.it")
    ahmed = await _user(session, "ahmed.cittadino@demo.welfareditutti.it")
    admin = await _user(session, "admin@demo.welfareditutti.it")
    if giulia is None or ahmed is None or admin is None:
        return {"demo_isee_declarations_created": 0}
    if await session.scalar(select(func.count()).where(IseeDeclaration.household_id == giulia.id)):
        return {"demo_isee_declarations_created": 0}
    nil22 = await session.scalar(select(Zone.id).where(Zone.kind == ZoneKind.nil, Zone.code == 22))
    assert nil22 is not None
    today = rules.today()
    filed = min(today, date(today.year, 1, 15))  # this year's DSU: it counts to 31 December
    declared = []
    for household, value, protocol in ((giulia, 1_180_000, "DEMO00001"), (ahmed, 640_000, "DEMO00002")):
        declared.append(
            await income_service.declare(
                session,
                household,
                IseeDeclarationCreate(
                    variant=IseeVariant.ordinario,
                    value_cents=value,
                    dsu_protocol=f"INPS-ISEE-{filed.year}-{protocol}-00",
                    issue_date=filed,
                    nil_id=nil22,
                ),
            )
        )
    evidence = IseeVerificationCreate(evidence_ref="Attestazione INPS vista allo sportello del Comune")
    await income_service.verify(session, admin, declared[0].id, evidence, None)
    return {"demo_isee_declarations_created": len(declared)}
