"""Responses of spending: a proposal line by line, and an engagement's funding as the ledger holds it."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.funding_port import Purchase
from app.models import Engagement, FundingLine, Offer
from app.spending import repository as repo
from app.spending.repository import ChainHold
from app.spending.schemas import EngagementFunding, FundingLineRead, FundingProposal, ProposalLine
from app.spending.split import Split


def proposal_view(offer: Offer, purchase: Purchase, proposal: Split) -> FundingProposal:
    return FundingProposal(
        offer_id=offer.id,
        list_price_cents=offer.price_cents,
        price_cents=purchase.price_cents,
        price_model=offer.price_model,
        start_date=proposal.start,
        until=proposal.until,
        planned_minutes=proposal.planned_minutes,
        planned_cost_cents=proposal.planned_cost_cents,
        public_cents=proposal.public_cents,
        copayment_cents=proposal.copayment_cents,
        lines=[
            ProposalLine(
                wallet_id=line.wallet.wallet_id,
                grant_id=line.wallet.grant_id,
                programme_id=line.wallet.programme_id,
                programme_name_it=line.wallet.programme_name_it,
                programme_name_en=line.wallet.programme_name,
                expires_at=line.wallet.expires_at,
                coverage_percent=line.wallet.coverage_percent,
                cap_per_hour_cents=line.wallet.cap_per_hour_cents,
                cap_per_grant_cents=line.wallet.cap_per_grant_cents,
                available_cents=max(0, line.wallet.available_cents),
                until=line.until,
                planned_minutes=line.planned_minutes,
                amount_cents=line.amount_cents,
                ceiling_cents=line.ceiling_cents,
                share_per_hour_cents=line.share_per_hour_cents,
                rule=line.rule,
                why=line.why,
            )
            for line in proposal.lines
        ],
    )


def chain_amounts(chain: list[ChainHold]) -> tuple[int, int, int]:
    """(held, captured, released) of a line's hold and the remainders its partial captures kept: a
    resolved hold releases what it neither posted nor passed on to a remainder."""
    passed_on = sum(h.amount_cents for h in chain if h.parent_id is not None)
    held = sum(h.amount_cents for h in chain if h.state == "pending")
    captured = sum(h.posted_cents for h in chain)
    released = sum(h.amount_cents - h.posted_cents for h in chain if h.state != "pending") - passed_on
    return held, captured, released


async def engagement_funding_view(
    session: AsyncSession, engagement: Engagement, party: str, lines: list[FundingLine]
) -> EngagementFunding:
    chains = await repo.hold_chains(session, [line.hold_id for line in lines])
    names = await repo.programme_names(session, [line.programme_id for line in lines])
    household = party == "citizen"
    reads = []
    for line in lines:
        chain = chains[line.hold_id]
        held, captured, released = chain_amounts(chain)
        name_it, name_en = names.get(line.programme_id, ("", ""))
        reads.append(
            FundingLineRead(
                position=line.position,
                programme_id=line.programme_id,
                programme_name_it=name_it,
                programme_name_en=name_en,
                wallet_id=line.wallet_account_id if household else None,
                grant_id=line.grant_id if household else None,
                coverage_percent=line.coverage_percent,
                cap_per_hour_cents=line.cap_per_hour_cents,
                amount_cents=line.amount_cents,
                held_cents=held,
                captured_cents=captured,
                released_cents=released,
                expires_at=chain[-1].expires_at,
            )
        )
    return EngagementFunding(
        engagement_id=engagement.id,
        lines=reads,
        held_cents=sum(r.held_cents for r in reads),
        captured_cents=sum(r.captured_cents for r in reads),
        released_cents=sum(r.released_cents for r in reads),
    )
