"""Minimum pay and the Libretto Famiglia caps on offers: where demand meets the domestic-work rules.

An offer is checked when it is made (so the provider learns at once) and a Libretto Famiglia offer's
caps again when it is accepted, under advisory locks on the family and the worker, since other
engagements may have started in between (app/domestic_work/libretto.py). The tables that apply are
those in force on the day the work starts (today, if it has started), so an offer made in December
for January is held to the new year's table as soon as it exists.
"""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.demand.requests import milan_today
from app.demand.schemas import OfferCreate
from app.domestic_work import guard, libretto
from app.domestic_work.guard import BelowCcnlMinimum, BelowLibrettoMinimum, CcnlOfferUnpaid, PriceNotComparable
from app.domestic_work.libretto import LibrettoFamilyCap, LibrettoHoursCap, LibrettoPairCap, LibrettoWorkerCap
from app.errors import ValidationFailed
from app.models import ContractType, DemandRequest, Offer, PriceModel, Provider, ProviderKind

__all__ = [
    "BelowCcnlMinimum",
    "BelowLibrettoMinimum",
    "CcnlOfferUnpaid",
    "LibrettoFamilyCap",
    "LibrettoHoursCap",
    "LibrettoNotAPerson",
    "LibrettoPairCap",
    "LibrettoWorkerCap",
    "PriceNotComparable",
]


LIBRETTO_CAPS = (LibrettoWorkerCap, LibrettoFamilyCap, LibrettoPairCap, LibrettoHoursCap)


class LibrettoNotAPerson(ValidationFailed):
    code = "libretto_not_a_person"


def _work_day(request: DemandRequest) -> date:
    return max(request.start_date, milan_today())


async def check_offer(session: AsyncSession, data: OfferCreate, request: DemandRequest, provider: Provider) -> None:
    if data.session_minutes is not None and data.price_model != PriceModel.per_session:
        raise ValidationFailed("session_minutes applies to per-session prices only.", pointer="/session_minutes")
    if data.live_in and data.contract_type != ContractType.ccnl_domestic:
        raise ValidationFailed("live_in applies to CCNL contracts only.", pointer="/live_in")
    if data.contract_type == ContractType.ccnl_domestic:
        assert data.ccnl_level is not None and data.weekly_hours is not None  # _check_contract requires both
        guard.check_ccnl(
            level=data.ccnl_level,
            price_cents=data.price_cents,
            price_model=data.price_model,
            weekly_hours=data.weekly_hours,
            live_in=data.live_in,
            session_minutes=data.session_minutes,
            on=_work_day(request),
        )
    elif data.contract_type == ContractType.libretto_famiglia:
        if provider.kind != ProviderKind.individual:
            raise LibrettoNotAPerson(
                "Libretto Famiglia pays a person for occasional work (art. 54-bis DL 50/2017): only an individual "
                f"worker offers under it, and this provider is a {provider.kind.value}.",
                pointer="/contract_type",
            )
        schedule = [s.model_dump() for s in data.schedule]
        guard.check_libretto_price(
            price_cents=data.price_cents,
            price_model=data.price_model,
            weekly_hours=libretto.weekly_hours_of(schedule),
            session_minutes=data.session_minutes,
            on=_work_day(request),
        )
        await libretto.check_caps(
            session,
            provider_id=provider.id,
            citizen_id=request.citizen_id,
            plan=libretto.plan_of(
                price_cents=data.price_cents,
                price_model=data.price_model,
                schedule=schedule,
                session_minutes=data.session_minutes,
                first_day=_work_day(request),
                last_day=request.end_date,
            ),
        )


async def check_acceptance(session: AsyncSession, offer: Offer, request: DemandRequest) -> None:
    """The Libretto Famiglia caps again, with what has been engaged since the offer was made."""
    if offer.contract_type != ContractType.libretto_famiglia:
        return
    await libretto.check_caps(
        session,
        provider_id=offer.provider_id,
        citizen_id=request.citizen_id,
        plan=libretto.plan_of(
            price_cents=offer.price_cents,
            price_model=offer.price_model,
            schedule=offer.schedule,
            session_minutes=offer.session_minutes,
            first_day=_work_day(request),
            last_day=request.end_date,
        ),
        lock=True,
    )
