"""Quiet hours: a notification made between 21:00 and 07:00 Bangkok time waits until 07:00."""

from datetime import UTC, datetime

import pytest

from ecolife import rules

# Bangkok is UTC+7 all year: 21:00 there is 14:00 UTC, 07:00 is 00:00 UTC.
SEVEN_NEXT_MORNING = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "made_at",
    [
        datetime(2026, 11, 30, 14, 0, tzinfo=UTC),  # 21:00 sharp
        datetime(2026, 11, 30, 16, 59, tzinfo=UTC),  # 23:59
        datetime(2026, 11, 30, 17, 0, tzinfo=UTC),  # midnight
        datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),  # 06:59:59
    ],
)
def test_a_notification_made_in_the_quiet_hours_waits_until_seven(made_at):
    assert rules.quiet_hours_end(made_at) == SEVEN_NEXT_MORNING


@pytest.mark.parametrize(
    "made_at",
    [
        datetime(2026, 12, 1, 0, 0, tzinfo=UTC),  # 07:00 sharp
        datetime(2026, 12, 1, 5, 0, tzinfo=UTC),  # noon
        datetime(2026, 12, 1, 13, 59, 59, tzinfo=UTC),  # 20:59:59
    ],
)
def test_a_notification_made_in_the_day_goes_at_once(made_at):
    assert rules.quiet_hours_end(made_at) is None


def test_the_end_of_the_quiet_hours_is_seven_in_bangkok_whatever_the_zone_given():
    made_at = datetime(2026, 12, 31, 22, 30, tzinfo=rules.BANGKOK)
    end = rules.quiet_hours_end(made_at)
    assert end.astimezone(rules.BANGKOK) == datetime(2027, 1, 1, 7, 0, tzinfo=rules.BANGKOK)
