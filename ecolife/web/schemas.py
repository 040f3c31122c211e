"""Form schemas of console actions the phone API does not offer."""

from datetime import timedelta

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates

from ecolife import clock, rules
from ecolife.api.fields import Integer, StrictSchema, text


class ReasonSchema(StrictSchema):
    reason = text(255, required=True)


class AdjustmentSchema(ReasonSchema):
    delta = Integer(
        strict=True, required=True, validate=validate.Range(min=-1_000_000, max=1_000_000)
    )

    @validates("delta")
    def not_zero(self, value, **kwargs):
        if value == 0:
            raise ValidationError("Enter a number other than 0.")


# The longest search a console list accepts.
MAX_SEARCH_LENGTH = 100


class SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=MAX_SEARCH_LENGTH))
    after = fields.String(load_default=None, validate=validate.Length(max=200))


def search_args(given) -> tuple[dict, str | None]:
    """Load a console list's search and page; with a search too long (or a hand-edited
    link), the words to show back and the message saying why nothing was searched."""
    try:
        return SearchArgs().load(given, unknown="exclude"), None
    except ValidationError:
        shown = {"q": given.get("q", "")[: 2 * MAX_SEARCH_LENGTH], "after": None}
        return shown, _("Search for at most %(count)s characters.", count=MAX_SEARCH_LENGTH)


class LedgerArgs(Schema):
    """A resident's ledger in the console: an optional shop and the page to start after."""

    shop = fields.Integer(load_default=None, validate=validate.Range(min=1))
    after = fields.String(load_default=None, validate=validate.Length(max=200))


def last_days(days: int = 30) -> dict:
    """The default report range: the last `days` Bangkok days, today included."""
    today = rules.bangkok_day_start(clock.now()).date()
    return {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}
