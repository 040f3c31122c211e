"""Marshmallow fields and base schemas shared by the API."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from ecolife.identity import normalize_email, normalize_thai_mobile, normalize_thai_phone

# PostgreSQL's integer columns (ids, points, stock, …) hold 32 bits.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


# What a person reads when a text holds what unstorable_text refuses.
UNSTORABLE_MESSAGE = _l("Remove NUL characters and unpaired surrogates from this text.")


def unstorable_text(text) -> bool:
    """Tell whether a string holds what PostgreSQL's text cannot: NUL, or a lone surrogate
    (which no UTF-8 can encode)."""
    if not isinstance(text, str):
        return False
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Integer(fields.Integer):
    """A whole number that fits PostgreSQL's integer (the range shows in the OpenAPI too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.insert(
            0,
            validate.Range(
                INT32_MIN,
                INT32_MAX,
                error="Give a whole number from {min} to {max}.",
            ),
        )


class Boolean(fields.Boolean):
    """true or false, nothing else (marshmallow would also take 0, 1, "yes", "on", …)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _Normalised(fields.String):
    normalise = staticmethod(lambda value: value)
    message = "Invalid value."

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        normalised = self.normalise(text)
        if normalised is None:
            raise ValidationError(self.message)
        return normalised


class ThaiMobile(_Normalised):
    """A Thai mobile number, normalised to +66."""

    normalise = staticmethod(normalize_thai_mobile)
    message = "Not a Thai mobile number (e.g. 081 234 5678)."


class ThaiPhone(_Normalised):
    """A Thai landline or mobile number, normalised to +66."""

    normalise = staticmethod(normalize_thai_phone)
    message = "Not a Thai phone number (e.g. 053 511 111)."


class Email(_Normalised):
    """An email address, lower-cased."""

    normalise = staticmethod(normalize_email)
    message = "Not a valid email address."


def text(max_length: int, *, required: bool = False, allow_none: bool = False) -> fields.String:
    """A trimmed, non-empty string of bounded length."""
    return fields.String(
        required=required, allow_none=allow_none, validate=validate.Length(min=1, max=max_length)
    )


class StrictSchema(Schema):
    """Refuse unknown fields and trim surrounding white space from strings."""

    @pre_load
    def strip_strings(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        return {k: self._trimmed(k, v) for k, v in data.items()}

    def _trimmed(self, name, value):
        if not isinstance(value, str) or not self._strips(name):
            return value
        # The length limit is on what was sent, as the OpenAPI document says: a value that is
        # too long is refused whole, even when only its surrounding white space makes it so.
        limit = self._max_length(name)
        return value if limit is not None and len(value) > limit else value.strip()

    def _strips(self, name) -> bool:
        field = self.fields.get(name) if isinstance(name, str) else None
        return field is None or field.metadata.get("strip", True)

    def _max_length(self, name) -> int | None:
        field = self.fields.get(name) if isinstance(name, str) else None
        validators = getattr(field, "validators", ())
        limits = [v.max for v in validators if isinstance(v, validate.Length) and v.max]
        return min(limits, default=None)


MAX_PASSWORD_LENGTH = 128


class _Password(fields.String):
    # Surrounding spaces are dropped, as the consoles (and every earlier version) do, so a
    # password works the same everywhere; the length limit holds for the text as sent.
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_PASSWORD_LENGTH:
            raise ValidationError(f"At most {MAX_PASSWORD_LENGTH} characters.")
        return text.strip()


def password_field(validator) -> fields.String:
    """A password field (trimmed after its length as sent is checked)."""
    return _Password(required=True, validate=validator, metadata={"strip": False})


class PageArgs(Schema):
    limit = Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """Make the `{"items": [...], "next_cursor": ...}` schema for a list endpoint."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "next_cursor": fields.String(allow_none=True),
        },
        name=name,
    )
