import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.models import PriceModel

# Sums of money over months of work: a bound every client can hold exactly (JavaScript's safe integer).
Amount = Annotated[int, Field(ge=0, le=2**53 - 1, description="Integer euro cents")]
Minutes = Annotated[int, Field(ge=0, le=2**31 - 1)]
Percent = Annotated[int, Field(ge=1, le=100)]
Position = Annotated[int, Field(ge=0, le=100)]
Text = Annotated[str, Field(max_length=500)]
Name = Annotated[str, Field(max_length=300)]
MAX_PROPOSAL_LINES = 50  # a household's active grants for one category; a handful in practice
Rule = Literal["coverage", "cap_per_hour", "cap_per_grant", "available", "remaining", "expired"]


class ProposalLine(BaseModel):
    wallet_id: uuid.UUID = Field(description="Name it in the acceptance's funding to use this wallet")
    grant_id: uuid.UUID
    programme_id: uuid.UUID
    programme_name_it: Name
    programme_name_en: Name
    expires_at: datetime = Field(description="When the grant expires: wallets are drawn earliest expiry first")
    coverage_percent: Percent
    cap_per_hour_cents: Amount | None
    cap_per_grant_cents: Amount | None
    available_cents: Amount = Field(description="The wallet's balance less what pending holds reserve")
    until: date | None = Field(description="The last planned day this wallet pays for (null: it cannot pay)")
    planned_minutes: Minutes = Field(description="Planned work within that span")
    amount_cents: Amount = Field(description="What the wallet pays, the least of the rules")
    ceiling_cents: Amount = Field(description="The most this wallet may pay if the household changes the split")
    share_per_hour_cents: Amount | None = Field(description="Hourly offers: what the wallet pays of each hour")
    rule: Rule = Field(description="The rule that gave the amount")
    why: Text


class FundingProposal(BaseModel):
    """Which wallets would pay how much of the offer, and the co-payment, line by line."""

    offer_id: uuid.UUID
    list_price_cents: Amount = Field(description="The offer's price")
    price_cents: Amount = Field(
        description="The price the plan applies: the household's income-based price when a band of the listing applies"
    )
    price_model: PriceModel
    start_date: date
    until: date = Field(description="The planned horizon's last day: the end date, or the latest grant's expiry")
    planned_minutes: Minutes
    planned_cost_cents: Amount = Field(description="The price applied to the planned work to `until`")
    public_cents: Amount = Field(description="What the wallets pay: held when the household accepts")
    copayment_cents: Amount = Field(description="What the household pays the provider directly")
    lines: list[ProposalLine] = Field(max_length=MAX_PROPOSAL_LINES)


class FundingLineRead(BaseModel):
    position: Position = Field(description="The order the lines draw in (earliest expiry first)")
    programme_id: uuid.UUID
    programme_name_it: Name
    programme_name_en: Name
    wallet_id: uuid.UUID | None = Field(description="The household's wallet (null for the provider's staff)")
    grant_id: uuid.UUID | None = Field(description="The household's grant (null for the provider's staff)")
    coverage_percent: Percent
    cap_per_hour_cents: Amount | None
    amount_cents: Amount = Field(description="Held when the household accepted")
    held_cents: Amount = Field(description="Still held for work to come")
    captured_cents: Amount = Field(description="Paid for confirmed work (owed by the funder to the provider)")
    released_cents: Amount = Field(description="Given back to the wallet (cancelled, or the hold expired)")
    expires_at: datetime = Field(description="When what is still held is released, if not captured")


class EngagementFunding(BaseModel):
    engagement_id: uuid.UUID
    lines: list[FundingLineRead] = Field(max_length=MAX_PROPOSAL_LINES)
    held_cents: Amount
    captured_cents: Amount
    released_cents: Amount
