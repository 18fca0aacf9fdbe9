"""Funding lines: which wallet pays how much of what a household accepted, and the hold that reserves it.

One row per (subject, grant), written in the same transaction as the acceptance and its ledger hold.
The amounts moved later (captured as timesheets are confirmed, released on cancellation or expiry)
are the hold's and its remainders' (money_hold.parent_hold_id), never copied here: the ledger is the
one record of money. The grant, programme, household and provider are plain ids, as the ledger's
own owners are (app/models/money.py): a funding line is kept as long as the ledger it explains.
"""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPk, utcnow

FUNDING_SUBJECT_MAX_LENGTH = 40
FUNDING_RULE_MAX_LENGTH = 20


class FundingLine(UUIDPk, Base):
    __tablename__ = "funding_line"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "grant_id", name="uq_funding_line_subject_grant"),
        Index("ix_funding_line_subject", "subject_type", "subject_id", "position"),
        Index("ix_funding_line_grant", "grant_id"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("coverage_percent BETWEEN 1 AND 100", name="coverage_percent_range"),
    )

    subject_type: Mapped[str] = mapped_column(String(FUNDING_SUBJECT_MAX_LENGTH))  # "engagement"
    subject_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(SmallInteger)  # the order the lines draw in: earliest expiry first
    household_id: Mapped[uuid.UUID]
    provider_id: Mapped[uuid.UUID]
    programme_id: Mapped[uuid.UUID]
    grant_id: Mapped[uuid.UUID]
    wallet_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("money_account.id"))
    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("money_hold.id"), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # held at acceptance
    proposed_cents: Mapped[int] = mapped_column(BigInteger)  # what the proposal said (the household may lower it)
    # The programme's terms when the household accepted, which the captures apply (h7's timesheets).
    coverage_percent: Mapped[int] = mapped_column(SmallInteger)
    cap_per_hour_cents: Mapped[int | None]
    rule: Mapped[str] = mapped_column(String(FUNDING_RULE_MAX_LENGTH))  # the rule that bounded the proposal
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
