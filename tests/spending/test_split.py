"""The funding split as a pure rule (app/spending/split.py): figures computed by hand."""

import uuid
from datetime import UTC, date, datetime

from app.spending.split import Choice, Purchase, Wallet, check_choices, planned, split

MONDAY = date(2027, 1, 4)  # a Monday
TWO_HOURS_MON_WED = ((0, 120), (2, 120))  # 4 h a week


def purchase(price_cents=1200, model="hourly", slots=TWO_HOURS_MON_WED, end=date(2027, 1, 31)) -> Purchase:
    return Purchase(price_cents=price_cents, price_model=model, slots=slots, start=MONDAY, end=end)


def wallet(coverage=70, *, expires=datetime(2027, 12, 31, 23, tzinfo=UTC), available=1_000_000, **caps) -> Wallet:
    return Wallet(
        wallet_id=uuid.uuid4(),
        grant_id=uuid.uuid4(),
        programme_id=uuid.uuid4(),
        programme_name="Buono tata",
        coverage_percent=coverage,
        cap_per_hour_cents=caps.get("per_hour"),
        cap_per_grant_cents=caps.get("per_grant"),
        expires_at=expires,
        available_cents=available,
        drawn_cents=caps.get("drawn", 0),
    )


def test_planned_work_lays_the_weekly_schedule_on_the_calendar():
    # 4..31 January 2027: four Mondays and four Wednesdays, 2 h each = 16 h at 12 EUR
    assert planned(purchase(), date(2027, 1, 31)) == (16 * 60, 19_200)
    assert planned(purchase(), date(2027, 1, 5)) == (120, 2_400)  # Monday only
    assert planned(purchase(), date(2027, 1, 3)) == (0, 0)  # before the start


def test_each_price_model_has_its_planned_cost():
    until = date(2027, 1, 31)
    assert planned(purchase(2500, "per_session"), until)[1] == 8 * 2500
    assert planned(purchase(120_000, "monthly"), until)[1] == 120_000 * 28 * 12 // 365
    assert planned(purchase(30_000, "fixed"), until)[1] == 30_000
    assert planned(purchase(0, "free"), until)[1] == 0


def test_a_seventy_percent_voucher_leaves_a_thirty_percent_co_payment():
    result = split(purchase(), [wallet(70)])

    (line,) = result.lines
    assert (line.amount_cents, line.rule) == (13_440, "coverage")
    assert line.share_per_hour_cents == 840
    assert result.copayment_cents == 5_760 == 19_200 * 30 // 100
    assert "70% of the planned cost 192.00 EUR" in line.why


def test_the_cap_per_hour_binds_below_the_coverage():
    (line,) = split(purchase(), [wallet(100, per_hour=900)]).lines

    assert (line.amount_cents, line.rule, line.share_per_hour_cents) == (16 * 900, "cap_per_hour", 900)
    assert "9.00 EUR per hour" in line.why


def test_the_cap_per_grant_counts_what_the_grant_already_paid():
    (line,) = split(purchase(), [wallet(100, per_grant=10_000, drawn=4_000)]).lines

    assert (line.amount_cents, line.rule) == (6_000, "cap_per_grant")
    assert "40.00 EUR of it already used" in line.why


def test_the_available_balance_binds_last():
    result = split(purchase(), [wallet(70, available=5_000)])

    assert (result.lines[0].amount_cents, result.lines[0].rule) == (5_000, "available")
    assert result.copayment_cents == 14_200


def test_earliest_expiry_pays_first_and_a_second_wallet_pays_only_what_is_left():
    late = wallet(50, expires=datetime(2027, 12, 1, tzinfo=UTC))
    early = wallet(70, expires=datetime(2027, 6, 1, tzinfo=UTC))

    result = split(purchase(), [late, early])

    assert [line.wallet for line in result.lines] == [early, late]
    assert [(line.amount_cents, line.rule) for line in result.lines] == [(13_440, "coverage"), (5_760, "remaining")]
    assert result.copayment_cents == 0


def test_a_grant_expiring_mid_way_pays_only_until_it_expires():
    # expires at midnight (Rome) starting 18 January: it pays for 4..17 January, 8 h
    short = wallet(100, expires=datetime(2027, 1, 17, 23, tzinfo=UTC))

    (line,) = split(purchase(), [short]).lines

    assert (line.until, line.planned_minutes, line.amount_cents) == (date(2027, 1, 17), 8 * 60, 9_600)


def test_a_grant_expiring_before_the_start_pays_nothing_and_says_why():
    gone = wallet(100, expires=datetime(2026, 12, 31, tzinfo=UTC))

    result = split(purchase(), [gone])

    assert (result.lines[0].amount_cents, result.lines[0].rule) == (0, "expired")
    assert result.copayment_cents == result.planned_cost_cents


def test_an_open_ended_engagement_is_planned_until_the_latest_grant_expires():
    result = split(purchase(end=None), [wallet(70, expires=datetime(2027, 1, 31, 23, tzinfo=UTC))])  # 1 Feb, Rome

    assert result.until == date(2027, 1, 31)
    assert result.planned_cost_cents == 19_200


def test_no_wallet_means_the_household_pays_everything():
    result = split(purchase(), [])

    assert result.lines == [] and result.copayment_cents == 19_200


def test_the_households_own_split_within_the_rules_is_accepted():
    first, second = wallet(70), wallet(50, per_hour=500)
    proposal = split(purchase(), [first, second])

    assert check_choices(proposal, [Choice(second.wallet_id, 8_000), Choice(first.wallet_id, 11_000)]) == []


def test_the_households_own_split_is_refused_line_by_line():
    first, second = wallet(70), wallet(50, per_hour=500)
    proposal = split(purchase(), [first, second])

    found = check_choices(
        proposal,
        [
            Choice(uuid.uuid4(), 100),  # not one of its wallets
            Choice(first.wallet_id, 13_441),  # over 70% of the cost
            Choice(second.wallet_id, 8_001),  # over 5 EUR x 16 h
            Choice(second.wallet_id, 1),  # twice
        ],
    )

    assert [(v.index, v.field, v.code) for v in found] == [
        (0, "wallet_id", "funding_wallet_not_eligible"),
        (1, "amount_cents", "funding_over_ceiling"),
        (2, "amount_cents", "funding_over_ceiling"),
        (3, "wallet_id", "funding_wallet_repeated"),
    ]
    assert "At most 80.00 EUR" in found[2].detail and "5.00 EUR per hour" in found[2].detail


def test_two_wallets_may_not_together_pay_more_than_the_cost():
    first, second = wallet(70), wallet(70)
    proposal = split(purchase(), [first, second])

    found = check_choices(proposal, [Choice(first.wallet_id, 13_440), Choice(second.wallet_id, 13_440)])

    assert [(v.index, v.code) for v in found] == [(1, "funding_over_cost")]
