"""Grants after they are made: what spending finds (active_grants), who reads them, and expiry
by the worker (unspent money back to the programme, once; held money left to its hold)."""

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app import money
from app.models import AccountKind, Grant
from app.programmes import grants as grant_service
from app.programmes import service as programme_service
from tests.programmes.conftest import AFTER_SCHOOL, BABYSITTING, GRANTS_URL, apply, notification_kinds, opened

LATER = timedelta(days=400)


async def granted(client, session, headers, programme) -> Grant:
    body = (await apply(client, headers, programme["id"])).json()
    assert body["status"] == "granted", body
    return await session.get(Grant, uuid.UUID(body["grant"]["id"]))


async def test_active_grants_lists_wallets_for_the_category_earliest_expiry_first(
    client, session, as_admin, as_citizen_a, citizen_a
):
    rule = {"kind": "percentage", "coverage_percent": 70, "cap_per_hour_cents": 1200, "cap_per_grant_cents": 90_000}
    long = await opened(client, as_admin, grant_validity_days=300, amount_rule=rule)
    short = await opened(client, as_admin, grant_validity_days=30, category_ids=[str(BABYSITTING)])
    first, second = (
        await granted(client, session, as_citizen_a, long),
        await granted(client, session, as_citizen_a, short),
    )

    babysitting = await programme_service.active_grants(session, citizen_a.id, category_id=BABYSITTING, on=date.today())
    after_school = await programme_service.active_grants(
        session, citizen_a.id, category_id=AFTER_SCHOOL, on=date.today()
    )

    assert [f.grant_id for f in babysitting] == [second.id, first.id]
    assert [f.grant_id for f in after_school] == [first.id]
    funding = after_school[0]
    assert (funding.coverage_percent, funding.cap_per_hour_cents, funding.cap_per_grant_cents) == (70, 1200, 90_000)
    assert (funding.available_cents, funding.wallet_account_id) == (90_000, first.wallet_account_id)
    assert funding.programme_name_en == "Babysitting voucher"


async def test_a_household_reads_its_grants_and_not_anothers(
    client, session, as_citizen_a, as_citizen_b, as_admin, programme
):
    grant = await granted(client, session, as_citizen_a, programme)

    mine = await client.get(GRANTS_URL, headers=as_citizen_a)
    theirs = await client.get(f"{GRANTS_URL}/{grant.id}", headers=as_citizen_b)
    listed_by_b = await client.get(GRANTS_URL, headers=as_citizen_b)
    admin = await client.get(f"{GRANTS_URL}/{grant.id}", headers=as_admin)

    assert [g["id"] for g in mine.json()["items"]] == [str(grant.id)]
    assert (mine.json()["items"][0]["available_cents"], mine.json()["items"][0]["held_cents"]) == (100_000, 0)
    assert theirs.status_code == 404 and theirs.json()["code"] == "grant_not_found"
    assert listed_by_b.json()["items"] == []
    assert admin.status_code == 200


async def test_expiry_returns_the_unspent_balance_once(client, session, as_citizen_a, citizen_a, programme):
    grant = await granted(client, session, as_citizen_a, programme)

    first = await grant_service.expire_due(session, datetime.now(UTC) + LATER)
    second = await grant_service.expire_due(session, datetime.now(UTC) + LATER)

    await session.refresh(grant)
    assert (first, second) == (1, 0)
    assert (grant.status.value, grant.expired_cents, grant.held_at_expiry_cents) == ("expired", 100_000, None)
    expired = await money.account(session, AccountKind.programme_expired, programme_id=grant.programme_id)
    assert (await money.balance(session, expired)).posted_cents == 100_000
    assert (await money.balance(session, grant.wallet_account_id)).posted_cents == 0
    assert "grant.expired" in await notification_kinds(session, citizen_a.id)
    assert await programme_service.active_grants(session, citizen_a.id, category_id=BABYSITTING, on=date.today()) == []


async def test_money_on_hold_at_expiry_stays_for_its_hold_and_returns_once_released(
    client, session, as_citizen_a, programme
):
    grant = await granted(client, session, as_citizen_a, programme)
    provider = await money.account(
        session, AccountKind.provider_receivable, provider_id=uuid.uuid4(), programme_id=grant.programme_id
    )
    held = await money.hold(
        session,
        key=f"test:{grant.id}:hold",
        debit=grant.wallet_account_id,
        credit=provider,
        amount_cents=30_000,
        expires_at=datetime.now(UTC) + timedelta(days=800),
    )

    await grant_service.expire_due(session, datetime.now(UTC) + LATER)
    await session.refresh(grant)
    still_held = await grant_service.expire_due(session, datetime.now(UTC) + LATER)
    await money.void_hold(session, held.id, key=f"test:{grant.id}:void")
    await grant_service.expire_due(session, datetime.now(UTC) + LATER)
    await grant_service.expire_due(session, datetime.now(UTC) + LATER)

    await session.refresh(grant)
    assert still_held == 0
    assert (grant.expired_cents, grant.held_at_expiry_cents) == (100_000, None)
    assert (await money.balance(session, grant.wallet_account_id)).posted_cents == 0
    kinds = await session.scalars(
        select(money.Transaction.kind).where(money.Transaction.subject_id == grant.id).order_by(money.Transaction.seq)
    )
    assert list(kinds) == ["grant.credited", "grant.expired", "grant.expired"]


async def test_a_grant_shows_what_its_wallet_holds_and_has_left(client, session, as_citizen_a, programme):
    grant = await granted(client, session, as_citizen_a, programme)
    provider = await money.account(
        session, AccountKind.provider_receivable, provider_id=uuid.uuid4(), programme_id=grant.programme_id
    )
    await money.hold(
        session,
        key=f"test:{grant.id}:shown",
        debit=grant.wallet_account_id,
        credit=provider,
        amount_cents=25_000,
        expires_at=datetime.now(UTC) + timedelta(days=30),
    )

    read = (await client.get(f"{GRANTS_URL}/{grant.id}", headers=as_citizen_a)).json()
    [listed] = (await client.get(GRANTS_URL, headers=as_citizen_a)).json()["items"]

    assert (read["available_cents"], read["held_cents"]) == (75_000, 25_000)
    assert (listed["available_cents"], listed["held_cents"]) == (75_000, 25_000)
