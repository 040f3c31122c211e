"""Which Bangkok months the public figures publish, without an app."""

from datetime import UTC, date, datetime

import pytest

from ecolife.services.public_figures import default_span
from ecolife.services.public_figures_refresh import last_whole_month, month_start, next_month


@pytest.mark.parametrize(
    ("now", "last"),
    [
        # 23:59 on 31 October in Bangkok: October is still running.
        (datetime(2026, 10, 31, 16, 59, tzinfo=UTC), date(2026, 9, 1)),
        # 00:30 on 1 November in Bangkok (still 31 October in UTC): October has ended.
        (datetime(2026, 10, 31, 17, 30, tzinfo=UTC), date(2026, 10, 1)),
        (datetime(2027, 1, 10, tzinfo=UTC), date(2026, 12, 1)),
    ],
)
def test_the_last_whole_month_is_the_last_one_ended_in_bangkok(now, last):
    assert last_whole_month(now) == last


def test_a_month_starts_at_bangkok_midnight():
    assert month_start(date(2026, 11, 1)) == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)


def test_the_default_span_is_twelve_whole_months():
    assert default_span(datetime(2026, 11, 15, tzinfo=UTC)) == (
        date(2025, 11, 1),
        date(2026, 10, 1),
    )
    assert default_span(datetime(2027, 1, 2, tzinfo=UTC)) == (date(2026, 1, 1), date(2026, 12, 1))
