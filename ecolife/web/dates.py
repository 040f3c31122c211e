"""Days and moments as people read them on every console page: Bangkok time, Thai with the
Buddhist year (as Thai government pages and the resident app write it), English with the
common year."""

from datetime import date, datetime

from babel.dates import format_date
from flask_babel import get_locale

from ecolife import rules

BUDDHIST_ERA = 543


def format_when(moment: datetime) -> str:
    """Write a moment as "29 พ.ย. 2569 14:05" in Thai, "29 Nov 2026, 14:05" in English."""
    local = moment.astimezone(rules.BANGKOK)
    separator = " " if str(get_locale()) == "th" else ", "
    return f"{format_day(local)}{separator}{local:%H:%M}"


def format_day(value: date | datetime) -> str:
    """Write a day as "29 พ.ย. 2569" in Thai, "29 Nov 2026" in English (a moment: its day in
    Bangkok)."""
    day = value.astimezone(rules.BANGKOK).date() if isinstance(value, datetime) else value
    locale = str(get_locale())
    month = format_date(day, "MMM", locale=locale)
    year = day.year + BUDDHIST_ERA if locale == "th" else day.year
    return f"{day.day} {month} {year}"
