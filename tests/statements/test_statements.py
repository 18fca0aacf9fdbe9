"""Monthly statements and the spend view, reconciled with the ledger to the cent.

Public money reaches a provider's receivable the way spending and timesheets move it: a funder's
budget, a grant to a household's wallet, a hold for an engagement, captures of it (posted in part,
the rest kept held), and a reversal. Co-payments come from confirmed timesheets."""

import csv
import io
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from app import money
from app.models import AccountKind, AuditEntry, MoneyAccount
from app.statements.service import MILAN
from tests.factories import auth_headers
from tests.programmes.conftest import create_programme
from tests.timesheets.conftest import act, submitted

THIS_MONTH = datetime.now(MILAN).strftime("%Y-%m")


async def _fund(
    session,
    provider_id: uuid.UUID,
    *,
    budget: int,
    granted: int,
    held: int,
    captures: list[int],
    programme_id: uuid.UUID | None = None,
):
    """A programme paying `provider_id`: funded, one grant, one hold, captures drawn from it weekly."""
    programme_id = programme_id or uuid.uuid4()
    funder = await money.account(session, AccountKind.funder, funder=f"Comune di Milano {programme_id}")
    budget_account = await money.account(session, AccountKind.programme_budget, programme_id=programme_id)
    wallet = await money.account(
        session,
        AccountKind.household_wallet,
        household_id=uuid.uuid4(),
        programme_id=programme_id,
        grant_id=uuid.uuid4(),
    )
    receivable = await money.account(
        session, AccountKind.provider_receivable, provider_id=provider_id, programme_id=programme_id
    )
    await money.transfer(
        session,
        key=f"fund:{programme_id}",
        kind="programme.funded",
        lines=[(funder, -budget), (budget_account, budget)],
    )
    await money.transfer(
        session, key=f"grant:{wallet}", kind="grant.credited", lines=[(budget_account, -granted), (wallet, granted)]
    )
    hold = await money.hold(
        session,
        key=f"hold:{wallet}",
        debit=wallet,
        credit=receivable,
        amount_cents=held,
        expires_at=datetime.now(MILAN) + timedelta(days=60),
        subject_type="engagement",
        subject_id=uuid.uuid4(),
    )
    hold_id, posted = hold.id, []
    for n, amount in enumerate(captures):
        posted.append(
            await money.post_hold(
                session, hold_id, key=f"capture:{hold_id}:{n}", amount_cents=amount, keep_remainder=True
            )
        )
        hold_id = await session.scalar(
            select(money.Hold.id).where(
                money.Hold.parent_hold_id == hold_id, money.Hold.state == money.HoldState.pending
            )
        )
    return programme_id, receivable, posted


async def test_a_month_statement_and_the_spend_view_reconcile_with_the_ledger(
    client, session, engagement, catalogue, as_citizen_a, admin
):
    aurora = catalogue.providers["aurora"].id
    staff = catalogue.headers("aurora")
    named = await create_programme(client, auth_headers(admin))
    first, first_receivable, posted = await _fund(
        session,
        aurora,
        budget=100_000,
        granted=50_000,
        held=30_000,
        captures=[7_140, 3_570],
        programme_id=uuid.UUID(named["id"]),
    )
    await money.reverse(session, posted[1].id, key="reverse:second-week", memo="week entered twice")
    second, second_receivable, _ = await _fund(
        session, aurora, budget=20_000, granted=20_000, held=5_000, captures=[5_000]
    )
    sheet = await submitted(client, staff, engagement["id"])
    await act(client, as_citizen_a, sheet["id"], "confirm")  # 102.00 EUR co-payment, no grant on it
    [copayment] = (await client.get("/v1/copayments", headers=staff)).json()["items"]
    await client.post(f"/v1/copayments/{copayment['id']}/received", json={"method": "pagopa"}, headers=staff)

    response = await client.get(f"/v1/providers/{aurora}/statements/{THIS_MONTH}", headers=staff)
    as_csv = await client.get(
        f"/v1/providers/{aurora}/statements/{THIS_MONTH}", params={"format": "csv"}, headers=staff
    )
    by_accept = await client.get(
        f"/v1/providers/{aurora}/statements/{THIS_MONTH}", headers=staff | {"Accept": "text/csv"}
    )
    spend = await client.get(f"/v1/programmes/{first}/spend", headers=auth_headers(admin))

    assert response.status_code == 200, response.text
    body = response.json()
    owed = {p["programme_id"]: p for p in body["programmes"]}
    assert owed[str(first)] == {
        "programme_id": str(first),
        "funder": named["funder"],
        "name_it": named["name_it"],
        "name_en": named["name_en"],
        "captured_cents": 7_140 + 3_570,
        "reversed_cents": -3_570,
        "owed_cents": 7_140,
        "movements": 3,
    }
    assert owed[str(second)]["owed_cents"] == 5_000
    assert owed[str(second)]["funder"] is None  # a programme id without a programme row: shown, unnamed
    assert body["public_total_cents"] == 12_140
    assert (body["copayments_due_cents"], body["copayments_received_cents"]) == (10_200, 10_200)
    assert body["copayments_outstanding_cents"] == 0
    # The statement is the ledger: the receivables' balances, entry by entry.
    ledger_total = sum([(await money.balance(session, r)).posted_cents for r in (first_receivable, second_receivable)])
    assert body["public_total_cents"] == ledger_total
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert by_accept.text == as_csv.text
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    public = [r for r in rows if r["line"] in ("public", "public_reversal")]
    assert sum(int(r["amount_cents"]) for r in public) == ledger_total
    assert sum(int(r["amount_cents"]) for r in rows if r["line"] == "programme_total") == ledger_total
    assert [r["amount_eur"] for r in rows if r["line"] == "copayment"] == ["102.00"]
    assert {r["funder"] for r in rows if r["programme_id"] == str(first)} == {named["funder"]}
    assert {r["amount_eur"] for r in public} == {"71.40", "35.70", "-35.70", "50.00"}
    assert spend.status_code == 200, spend.text
    assert spend.json() == {
        "programme_id": str(first),
        "budget_cents": 100_000,
        "granted_cents": 50_000,  # the reversed capture went back to the wallet: not a grant
        "committed_cents": 30_000 - 7_140 - 3_570,
        "spent_cents": 7_140,
        "expired_cents": 0,
        "remaining_in_wallets_cents": 50_000 - 7_140 - (30_000 - 7_140 - 3_570),
        "remaining_budget_cents": 50_000,
    }
    wallets = await session.scalars(
        select(MoneyAccount.id).where(
            MoneyAccount.programme_id == first, MoneyAccount.kind == AccountKind.household_wallet
        )
    )
    in_wallets = sum([(await money.balance(session, w)).available_cents for w in wallets])
    assert spend.json()["remaining_in_wallets_cents"] == in_wallets
    assert spend.json()["spent_cents"] == owed[str(first)]["owed_cents"]


async def test_only_the_providers_staff_and_admins_read_its_statement(client, session, catalogue, as_citizen_a, admin):
    aurora = catalogue.providers["aurora"].id
    url = f"/v1/providers/{aurora}/statements/{THIS_MONTH}"

    other = await client.get(url, headers=catalogue.headers("betulla"))
    citizen = await client.get(url, headers=as_citizen_a)
    by_admin = await client.get(url, headers=auth_headers(admin))
    spend_by_staff = await client.get(f"/v1/programmes/{uuid.uuid4()}/spend", headers=catalogue.headers("aurora"))

    assert (other.status_code, other.json()["code"]) == (404, "provider_not_found")
    assert (citizen.status_code, citizen.json()["code"]) == (404, "provider_not_found")
    assert by_admin.status_code == 200 and by_admin.json()["programmes"] == []
    assert (spend_by_staff.status_code, spend_by_staff.json()["code"]) == (403, "forbidden")
    audited = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "statement.read_by_admin", AuditEntry.target_id == aurora)
    )
    assert audited is not None and audited.actor_id == admin.id


async def test_a_month_not_begun_or_malformed_is_422(client, catalogue):
    aurora = catalogue.providers["aurora"].id
    staff = catalogue.headers("aurora")

    future = await client.get(f"/v1/providers/{aurora}/statements/2999-01", headers=staff)
    malformed = await client.get(f"/v1/providers/{aurora}/statements/2026-13", headers=staff)
    year_zero = await client.get(f"/v1/providers/{aurora}/statements/0000-01", headers=staff)  # found by fuzzing

    assert (future.status_code, future.json()["code"]) == (422, "month_not_started")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "validation_error")
    assert (year_zero.status_code, year_zero.json()["code"]) == (422, "validation_error")
