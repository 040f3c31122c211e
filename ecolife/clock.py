"""The one source of "now", so tests can move time."""

from datetime import datetime

from ecolife.orm import utcnow


def now() -> datetime:
    """Return the current UTC time."""
    return utcnow()
