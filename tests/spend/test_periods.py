"""Budget periods are calendar periods in the budget's time zone, as UTC moments."""

from __future__ import annotations

from datetime import UTC, datetime

from app.spend.budgets import Period, period_bounds


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_day_in_utc():
    start, end = period_bounds(Period.DAY, "UTC", at("2026-12-07T17:00:00"))
    assert (start, end) == (at("2026-12-07T00:00:00"), at("2026-12-08T00:00:00"))


def test_a_week_starts_on_monday():
    start, end = period_bounds(Period.WEEK, "UTC", at("2026-12-13T23:59:59"))  # a Sunday
    assert (start, end) == (at("2026-12-07T00:00:00"), at("2026-12-14T00:00:00"))


def test_a_month_rolls_over_the_year():
    start, end = period_bounds(Period.MONTH, "UTC", at("2026-12-31T12:00:00"))
    assert (start, end) == (at("2026-12-01T00:00:00"), at("2027-01-01T00:00:00"))


def test_a_day_in_a_time_zone_is_its_local_midnight():
    # 23:30 UTC on the 7th is already the 8th in Paris (UTC+1 in winter)
    start, end = period_bounds(Period.DAY, "Europe/Paris", at("2026-12-07T23:30:00"))
    assert (start, end) == (at("2026-12-07T23:00:00"), at("2026-12-08T23:00:00"))


def test_a_day_across_a_change_of_clocks_is_23_hours():
    start, end = period_bounds(Period.DAY, "Europe/Paris", at("2026-03-29T12:00:00"))
    assert (end - start).total_seconds() == 23 * 3600
