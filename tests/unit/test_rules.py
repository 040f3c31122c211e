"""The pure earning rules, at their boundaries, without an app."""

from datetime import UTC, date, datetime, timedelta

import pytest

from ecolife import rules
from ecolife.errors import (
    AccountSuspended,
    CodeExpired,
    CodeUsed,
    CooldownActive,
    DailyCapReached,
    ShopInactive,
    ValidationFailed,
)

LIMITS = rules.Limits()
NOON = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 12:00 in Bangkok
FRESH = rules.ScanHistory(last_scan_at_shop=None, scans_today_at_shop=0, scans_today=0)


def check(history=FRESH, now=NOON, *, shop_active=True, suspended=False, one_time=False):
    rules.check_scan(
        LIMITS,
        history,
        now,
        shop_active=shop_active,
        resident_suspended=suspended,
        one_time_code=one_time,
    )


def test_a_first_scan_passes():
    check()


def test_one_second_before_the_cooldown_ends_is_refused_with_one_second_to_wait():
    history = rules.ScanHistory(NOON - timedelta(seconds=1799), 1, 1)
    with pytest.raises(CooldownActive) as refused:
        check(history)
    assert refused.value.params["retry_after"] == 1
    assert refused.value.params["minutes"] == 1


def test_the_moment_the_cooldown_ends_is_accepted():
    check(rules.ScanHistory(NOON - timedelta(seconds=1800), 1, 1))


def test_retry_after_rounds_up_partial_seconds():
    history = rules.ScanHistory(NOON - timedelta(seconds=10, microseconds=500), 1, 1)
    with pytest.raises(CooldownActive) as refused:
        check(history)
    assert refused.value.params["retry_after"] == 1790
    assert refused.value.params["minutes"] == 30


def test_a_one_time_code_skips_the_cooldown_but_not_the_caps():
    check(rules.ScanHistory(NOON - timedelta(seconds=5), 1, 1), one_time=True)
    with pytest.raises(DailyCapReached):
        check(rules.ScanHistory(NOON - timedelta(seconds=5), 3, 3), one_time=True)


def test_the_cap_th_scan_at_a_shop_is_accepted_and_the_next_refused():
    long_ago = NOON - timedelta(hours=2)
    check(rules.ScanHistory(long_ago, LIMITS.daily_scans_per_shop - 1, 2))
    with pytest.raises(DailyCapReached) as refused:
        check(rules.ScanHistory(long_ago, LIMITS.daily_scans_per_shop, 3))
    # Noon in Bangkok: twelve hours until the next Bangkok day.
    assert refused.value.params["retry_after"] == 12 * 3600


def test_the_overall_daily_cap_counts_every_shop():
    check(rules.ScanHistory(None, 0, LIMITS.daily_scans - 1))
    with pytest.raises(DailyCapReached):
        check(rules.ScanHistory(None, 0, LIMITS.daily_scans))


def test_a_suspended_resident_is_refused_first():
    with pytest.raises(AccountSuspended):
        check(suspended=True, shop_active=False)


def test_an_inactive_shop_is_refused():
    with pytest.raises(ShopInactive):
        check(shop_active=False)


@pytest.mark.parametrize(
    "utc_moment, bangkok_day",
    [
        (datetime(2026, 11, 22, 16, 59, 59, tzinfo=UTC), "2026-11-22"),
        (datetime(2026, 11, 22, 17, 0, 0, tzinfo=UTC), "2026-11-23"),
        (datetime(2026, 12, 31, 17, 0, 1, tzinfo=UTC), "2027-01-01"),
    ],
)
def test_the_day_for_caps_is_the_bangkok_calendar_day(utc_moment, bangkok_day):
    start = rules.bangkok_day_start(utc_moment)
    assert start.date().isoformat() == bangkok_day
    assert start <= utc_moment < start + timedelta(days=1)


def test_one_second_before_bangkok_midnight_waits_one_second():
    just_before = datetime(2026, 11, 22, 16, 59, 59, tzinfo=UTC)
    assert rules.seconds_until_next_bangkok_day(just_before) == 1


@pytest.mark.parametrize("quantity", [0, -1, LIMITS.max_quantity + 1])
def test_quantities_outside_the_limit_are_refused(quantity):
    with pytest.raises(ValidationFailed) as refused:
        rules.check_quantity(LIMITS, quantity)
    assert "quantity" in refused.value.errors


@pytest.mark.parametrize("quantity", [1, LIMITS.max_quantity])
def test_quantities_inside_the_limit_pass(quantity):
    rules.check_quantity(LIMITS, quantity)


def test_a_code_is_good_until_its_expiry_moment():
    expires_at = rules.code_expiry(LIMITS, NOON)
    assert expires_at == NOON + timedelta(minutes=10)
    rules.check_code(expires_at - timedelta(microseconds=1), expires_at=expires_at, used=False)
    with pytest.raises(CodeExpired):
        rules.check_code(expires_at, expires_at=expires_at, used=False)


def test_a_used_code_is_used_even_after_expiry():
    with pytest.raises(CodeUsed):
        rules.check_code(NOON + timedelta(days=1), expires_at=NOON, used=True)


def test_points_are_per_item():
    assert rules.scan_points(5, 3) == 15


def test_bangkok_days_run_from_midnight_to_the_midnight_after_the_last_day():
    start, end = rules.bangkok_days(date(2026, 11, 1), date(2026, 11, 3))
    assert start == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 3, 17, 0, tzinfo=UTC)
