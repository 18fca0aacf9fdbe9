"""The dated data files: every level has a minimum every year (its own or an earlier year's, said so),
every figure names a source, and the INPS bands are in order."""

from datetime import date

import pytest

from app.domestic_work import tables

LEVELS = ("A", "AS", "B", "BS", "C", "CS", "D", "DS")


@pytest.mark.parametrize("year", [*tables.years_known(), tables.years_known()[-1] + 1])
@pytest.mark.parametrize("table", ["hourly_non_live_in", "monthly_live_in"])
def test_every_level_has_a_sourced_minimum_every_year(year, table):
    for level in LEVELS:
        figure = tables.ccnl_figure(table, level, date(year, 6, 1))

        assert figure.cents > 0 and figure.source
        assert (figure.fallback is None) == (figure.year == year)


def test_a_year_without_a_file_falls_back_to_the_latest_and_says_so():
    latest = tables.years_known()[-1]

    figure = tables.ccnl_figure("hourly_non_live_in", "B", date(latest + 1, 1, 1))

    assert figure.year == latest
    assert f"No verified {latest + 1} figure for B" in (figure.fallback or "")


def test_2026_figures_verified_in_the_sources_are_used():
    on = date(2026, 3, 1)

    assert tables.ccnl_figure("hourly_non_live_in", "B", on).cents == 701
    assert tables.ccnl_figure("hourly_non_live_in", "BS", on).cents == 745
    assert tables.ccnl_figure("monthly_live_in", "CS", on).cents == 119384
    assert tables.ccnl_figure("hourly_non_live_in", "CS", on).year == 2025


@pytest.mark.parametrize("year", tables.years_known())
def test_inps_bands_rise_and_every_section_names_its_source(year):
    _, inps = tables.year_section("inps", date(year, 1, 1))
    _, libretto = tables.year_section("libretto_famiglia", date(year, 1, 1))
    _, rules = tables.year_section("rules", date(year, 1, 1))

    limits = [band["up_to_hourly_cents"] for band in inps["bands"]]
    assert limits[-1] is None and limits[:-1] == sorted(limits[:-1])
    assert inps["circular"] and inps["source"] and libretto["source"] and rules["source"]
    assert all(entry["source"] for key, entry in rules.items() if key != "source")
