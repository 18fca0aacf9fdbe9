"""Monthly statements per provider and the spend view per programme, read from the ledger.

A statement's public money is the sum of the ledger's entries on the provider's receivable
accounts (one per programme) in the month, in Europe/Rome's calendar: captures of confirmed work
and their reversals, so the statements of every month and provider add up to the receivables'
balances. Co-payments come from their rows: due in the month their week was confirmed, received in
the month the provider marked them."""

import csv
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.errors import ValidationFailed
from app.models import Copayment, Role, User
from app.providers import access as provider_access
from app.providers.access import ProviderNotFound
from app.statements import repository as repo
from app.statements.schemas import ProgrammeOwed, ProgrammeSpend, ProviderStatement

MILAN = ZoneInfo("Europe/Rome")
CSV_COLUMNS = (
    "month",
    "provider_id",
    "date",
    "line",
    "programme_id",
    "funder",
    "reference",
    "subject_type",
    "subject_id",
    "amount_cents",
    "amount_eur",
    "status",
)


class MonthNotStarted(ValidationFailed):
    code = "month_not_started"


@dataclass(frozen=True, slots=True)
class Statement:
    summary: ProviderStatement
    movements: list[Any]  # ledger rows (repository.receivable_movements)
    copayments: list[Copayment]


def month_bounds(month: str) -> tuple[date, date, datetime, datetime]:
    """First and last day of the month, and the instants it runs between in Milan."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    last = date.fromordinal(following.toordinal() - 1)
    return first, last, datetime.combine(first, time(), MILAN), datetime.combine(following, time(), MILAN)


async def provider_statement(session: AsyncSession, user: User, provider_id: uuid.UUID, month: str) -> Statement:
    """The provider's statement for `month`: its staff's, and every provider's for admins (audited);
    anyone else is told the provider does not exist, as elsewhere."""
    if user.role != Role.admin and provider_id not in await provider_access.staff_provider_ids(session, user.id):
        raise ProviderNotFound("No provider of yours with this id.")
    first, last, start, end = month_bounds(month)
    if start > datetime.now(MILAN):
        raise MonthNotStarted(f"{month} has not begun: it has no statement yet.", pointer="/month", location="path")
    if user.role == Role.admin:
        ledger.audit(
            session,
            actor_id=user.id,
            actor_kind="user",
            action="statement.read_by_admin",
            target_type="provider",
            target_id=provider_id,
            detail={"month": month},
        )
    movements = await repo.receivable_movements(session, provider_id, start, end)
    due = await repo.copayments_due(session, provider_id, start, end)
    per_programme: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in movements:
        sums = per_programme[row.programme_id]
        sums[0 if row.amount_cents > 0 else 1] += row.amount_cents
        sums[2] += 1
    names = await repo.programme_names(session, list(per_programme))
    programmes = [
        ProgrammeOwed(
            programme_id=programme_id,
            funder=names.get(programme_id, (None, None, None))[0],
            name_it=names.get(programme_id, (None, None, None))[1],
            name_en=names.get(programme_id, (None, None, None))[2],
            captured_cents=captured,
            reversed_cents=reversed_,
            owed_cents=captured + reversed_,
            movements=count,
        )
        for programme_id, (captured, reversed_, count) in sorted(per_programme.items(), key=lambda kv: str(kv[0]))
    ]
    summary = ProviderStatement(
        provider_id=provider_id,
        month=month,
        period_start=first,
        period_end=last,
        programmes=programmes,
        public_total_cents=sum(p.owed_cents for p in programmes),
        copayments_due_cents=sum(c.amount_cents for c in due),
        copayments_received_cents=await repo.copayments_received_cents(session, provider_id, start, end),
        copayments_outstanding_cents=await repo.copayments_outstanding_cents(session, provider_id, end),
    )
    return Statement(summary=summary, movements=movements, copayments=due)


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def statement_csv(statement: Statement) -> str:
    """The municipal accounting office's spreadsheet: one row per ledger movement on the provider's
    receivables (public money, per programme) and one per co-payment due in the month, then one
    total row per programme and for the co-payments. Dates in Milan; amounts in cents and in euros
    with a point (the columns a spreadsheet sums without guessing the locale)."""
    summary = statement.summary
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(CSV_COLUMNS)
    head = [summary.month, str(summary.provider_id)]
    funders = {p.programme_id: p.funder or "" for p in summary.programmes}
    for row in statement.movements:
        line = "public" if row.amount_cents > 0 else "public_reversal"
        writer.writerow(
            [
                *head,
                row.created_at.astimezone(MILAN).date().isoformat(),
                line,
                row.programme_id,
                funders.get(row.programme_id, ""),
                row.transaction_id,
                row.subject_type or "",
                row.subject_id or "",
                row.amount_cents,
                _euros(row.amount_cents),
                row.kind,
            ]
        )
    for copayment in statement.copayments:
        writer.writerow(
            [
                *head,
                copayment.due_at.astimezone(MILAN).date().isoformat(),
                "copayment",
                "",
                "",
                copayment.id,
                "timesheet",
                copayment.timesheet_id,
                copayment.amount_cents,
                _euros(copayment.amount_cents),
                copayment.status.value,
            ]
        )
    for programme in summary.programmes:
        total = programme.owed_cents
        funder = programme.funder or ""
        writer.writerow(
            [*head, "", "programme_total", programme.programme_id, funder, "", "", "", total, _euros(total), ""]
        )
    due = summary.copayments_due_cents
    writer.writerow([*head, "", "copayments_total", "", "", "", "", "", due, _euros(due), ""])
    return out.getvalue()


async def programme_spend(session: AsyncSession, programme_id: uuid.UUID) -> ProgrammeSpend:
    """Where a programme's money stands (admins), from the sums of its accounts' entries and its
    wallets' pending holds. Money leaves a wallet only for a provider's receivable (a capture) or the
    programme's expired account, so what was granted (net of reversed grants) is what the wallets
    hold plus what was spent plus what expired; a reversed capture goes back to its wallet."""
    sums = await repo.programme_sums(session, programme_id)
    held = await repo.programme_held_cents(session, programme_id)
    wallets, spent, expired = (
        sums.get(kind, 0) for kind in ("household_wallet", "provider_receivable", "programme_expired")
    )
    return ProgrammeSpend(
        programme_id=programme_id,
        budget_cents=sums.get("programme_budget:credited", 0),
        granted_cents=wallets + spent + expired,
        committed_cents=held,
        spent_cents=spent,
        expired_cents=expired,
        remaining_in_wallets_cents=wallets - held,
        remaining_budget_cents=sums.get("programme_budget", 0),
    )
