"""Demo conversations for `make run`, written through the real use cases: Giulia and Lucia about
Giulia's babysitter request (Lucia's phone number is masked: nobody has accepted yet), and Ahmed and
Il Melograno in their engagement's thread. Idempotent: it runs once, when Giulia has no thread yet.
"""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations import messages, threads
from app.conversations.schemas import ThreadOpen
from app.models import DemandRequest, Engagement, Offer, Thread, User
from app.seed.catalog_demo import demo_id


async def _user(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def seed_conversations_demo(session: AsyncSession) -> dict[str, int]:
    giulia = await _user(session, "giulia.cittadina@demo.welfareditutti.it")
    ahmed = await _user(session, "ahmed.cittadino@demo.welfareditutti.it")
    lucia = await _user(session, "lucia.worker@demo.welfareditutti.it")
    coop = await _user(session, "staff.cooperativa@demo.welfareditutti.it")
    if giulia is None or ahmed is None or lucia is None or coop is None:
        return {"demo_threads_created": 0}
    if await session.scalar(select(func.count()).select_from(Thread).where(Thread.citizen_id == giulia.id)):
        return {"demo_threads_created": 0}
    created = 0
    lucia_offer = await session.scalar(
        select(Offer)
        .join(DemandRequest, DemandRequest.id == Offer.request_id)
        .where(DemandRequest.citizen_id == giulia.id, Offer.provider_id == demo_id("provider", "lucia-ferrari"))
    )
    if lucia_offer is not None:
        about = ThreadOpen(request_id=lucia_offer.request_id, provider_id=lucia_offer.provider_id)
        _, thread, _ = await threads.open_thread(session, giulia, about)
        await messages.post_message(session, giulia, thread.id, "Buongiorno Lucia, i bambini escono da scuola alle 16.")
        await messages.post_message(
            session, lucia, thread.id, "Perfetto, posso venire a prenderli. Mi chiami al 347 123 4567."
        )
        created += 1
    engagement = await session.scalar(select(Engagement).where(Engagement.citizen_id == ahmed.id))
    if engagement is not None:
        _, thread, _ = await threads.open_thread(session, coop, ThreadOpen(engagement_id=engagement.id))
        created += 1
    return {"demo_threads_created": created}
