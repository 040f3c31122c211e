"""The anti-abuse limits admins may tune."""

from dataclasses import asdict, fields

from ecolife.extensions import db
from ecolife.models import RuleSettings
from ecolife.rules import Limits

LIMIT_NAMES = tuple(f.name for f in fields(Limits))


def current_limits() -> Limits:
    """Return the limits in force (the defaults if the row is missing)."""
    return limits_from(db.session.get(RuleSettings, 1))


def limits_from(row, *, prefix: str = "") -> Limits:
    """Read the limits from a rule_settings row, or from a row that outer-joined it with
    its columns named `prefix` + name (the defaults of `Limits` when it was missing)."""
    if row is None or getattr(row, prefix + LIMIT_NAMES[0]) is None:
        return Limits()
    return Limits(**{name: getattr(row, prefix + name) for name in LIMIT_NAMES})


def update_limits(changes: dict) -> Limits:
    """Change some limits; the others keep their values."""
    row = db.session.get(RuleSettings, 1)
    if row is None:
        row = RuleSettings(id=1, **asdict(Limits()))
        db.session.add(row)
    for name in LIMIT_NAMES:
        if name in changes:
            setattr(row, name, changes[name])
    db.session.commit()
    return current_limits()
