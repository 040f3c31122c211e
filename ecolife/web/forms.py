"""HTML forms parsed with the API's marshmallow schemas, errors translated for people."""

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from ecolife import rules
from ecolife.api.fields import UNSTORABLE_MESSAGE, unstorable_text
from ecolife.errors import AccountExists, ValidationFailed
from ecolife.extensions import db

# Messages of marshmallow and of our services, as people should read them.
MESSAGES: dict[str, Any] = {
    "Missing data for required field.": _l("Please fill this in."),
    "The file is empty.": _l("The file is empty."),
    "Save the file as CSV in UTF-8 and try again.": _l(
        "Save the file as CSV in UTF-8 and try again."
    ),
    "The job failed unexpectedly.": _l(
        "The job failed unexpectedly. Try again; if it fails again, tell the system's "
        "administrator (the worker's log says why)."
    ),
    "Field may not be null.": _l("Please fill this in."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid number.": _l("Enter a number."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid boolean.": _l("Choose yes or no."),
    "Not a valid datetime.": _l("Enter a date."),
    "Not a valid date.": _l("Enter a date."),
    "Invalid value.": _l("This value is not valid."),
    "Not a valid email address.": _l("Enter an email address such as name@example.com."),
    "Not a Thai mobile number (e.g. 081 234 5678).": _l(
        "Enter a Thai mobile number such as 081 234 5678."
    ),
    "Not a Thai phone number (e.g. 053 511 111).": _l(
        "Enter a Thai phone number such as 053 511 111."
    ),
    "Unknown district.": _l("Choose a district from the list."),
    "Unknown district: give its code or its Thai or English name.": _l(
        "No such district. Give the district's code or its Thai or English name."
    ),
    "Outside the area you manage.": _l("This place is outside the area you manage."),
    "Unknown sub-district: give its code or its Thai or English name.": _l(
        "No such sub-district. Give the sub-district's code or its Thai or English name."
    ),
    "Several sub-districts have this name: give its code, or the district too.": _l(
        "Several sub-districts have this name. Give its code, or the district too."
    ),
    "This sub-district is not in the district given.": _l(
        "This sub-district is not in the district given."
    ),
    "The shop's sub-district is in another district: change the sub-district.": _l(
        "The shop's sub-district is in another district: change the sub-district instead."
    ),
    "Unknown action.": _l("Choose an action from the list."),
    "Give a reason.": _l("Please give a reason."),
    "Give the owner's phone number or email.": _l("Give the owner's phone number or email."),
    "Give at least one field to change.": _l("Change at least one field."),
    "Give at least one limit to change.": _l("Change at least one field."),
    "Must be after active_from.": _l("The last day must not be before the first day."),
    "Must not be before from.": _l("The last day must not be before the first day."),
    "At most one year at a time.": _l("Choose at most one year."),
    "An account with this phone or email exists.": _l(
        "An account with this phone number or email already exists."
    ),
    "An action with this code exists.": _l("An action with this code already exists."),
    "The file has no rows.": _l("The file has no rows."),
    "Use a-z, 0-9 and _.": _l("Use a-z, 0-9 and _."),
    "Enter a number other than 0.": _l("Enter a number other than 0."),
    "Choose a sub-district (tambon).": _l("Choose a sub-district from the list."),
    "Choose a district or a sub-district.": _l("Choose a district or a sub-district."),
    "A village number (1 to 99) goes with a sub-district only.": _l(
        "A village number (1 to 99) goes with a sub-district only."
    ),
    "Give an official area code.": _l("Give an official area code, such as 5104 or 510401."),
    "The date cannot be in the future.": _l("The date cannot be in the future."),
    # The member card (ecolife/services/cards.py, ecolife/web/admin_register.py).
    "Give exactly 4 digits.": _l("Enter exactly 4 digits."),
    "Choose a PIN that is hard to guess: not one digit four times"
    " (like 0000) and not digits in a row (like 1234 or 4321).": _l(
        "Choose a PIN that is hard to guess: not one digit four times"
        " (like 0000) and not digits in a row (like 1234 or 4321)."
    ),
    "The two PINs are not the same.": _l("The two PINs are not the same."),
    "Not a sub-district: give a 6-digit sub-district code (see /api/v1/areas).": _l(
        "Choose a sub-district from the list."
    ),
    "Choose the resident's sub-district inside the area you manage.": _l(
        "Choose the resident's sub-district inside the area you manage."
    ),
    "You registered a resident with this name and sub-district less than a minute ago:"
    " open their card from the residents list instead of registering them twice.": _l(
        "You registered a resident with this name and sub-district less than a minute ago:"
        " open their card from the residents list instead of registering them twice."
    ),
}
PATTERNS: list[tuple[re.Pattern, Any]] = [
    (
        re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
        _l("Use %(min)s to %(max)s characters."),
    ),
    (
        re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"),
        _l("Use at most %(max)s characters."),
    ),
    (
        re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"),
        _l("Use at least %(min)s characters."),
    ),
    (
        re.compile(
            r"^Must be greater than or equal to (?P<min>[-\d.]+) and less than or equal to "
            r"(?P<max>[-\d.]+)\.$"
        ),
        _l("Enter a number from %(min)s to %(max)s."),
    ),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>[-\d.]+)\.$"),
        _l("Enter %(min)s or more."),
    ),
    (
        re.compile(r"^Must be less than or equal to (?P<max>[-\d.]+)\.$"),
        _l("Enter %(max)s or less."),
    ),
    (
        re.compile(r"^Give a whole number from (?P<min>-?\d+) to (?P<max>-?\d+)\.$"),
        _l("Enter a whole number from %(min)s to %(max)s."),
    ),
    (re.compile(r"^Must be one of: .*\.$"), _l("Choose one of the options.")),
    (re.compile(r"^Missing columns: (?P<columns>.+)\.$"), _l("Missing columns: %(columns)s.")),
    (re.compile(r"^Unknown columns: (?P<columns>.+)\.$"), _l("Unknown columns: %(columns)s.")),
    (re.compile(r"^Also used in line (?P<line>\d+)\.$"), _l("Also used in line %(line)s.")),
]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def translate(message: str) -> str:
    """Say a validation message in the reader's language."""
    if message in MESSAGES:
        return str(MESSAGES[message])
    for pattern, template in PATTERNS:
        match = pattern.match(message)
        if match:
            return str(template) % match.groupdict()
    return message


def translate_errors(errors: dict, prefix: str = "") -> dict[str, list[str]]:
    """Flatten nested marshmallow errors to {"owner.email": [message, ...]} and translate."""
    flat: dict[str, list[str]] = {}
    for name, value in errors.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(translate_errors(value, f"{key}."))
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(key, []).extend(translate(str(m)) for m in messages)
    return flat


def parse_form(
    schema: Schema,
    form: MultiDict,
    *,
    checkboxes: Iterable[str] = (),
    required: Iterable[str] = (),
) -> dict:
    """Turn form strings into the schema's input and load it; ValidationError on bad input.

    `required` names fields an edit form must not empty although the API may leave them out.
    """
    return schema.load(_raw(schema, form, set(checkboxes), set(required), ""))


def submit(
    schema: Schema,
    form: MultiDict,
    action: Callable[[dict], Any],
    *,
    checkboxes: Iterable[str] = (),
    required: Iterable[str] = (),
    account_field: str = "owner.email",
) -> tuple[Any, dict[str, list[str]]]:
    """Parse a form and run the service with it: (result, {}) or (None, field errors)."""
    try:
        return action(parse_form(schema, form, checkboxes=checkboxes, required=required)), {}
    except ValidationError as exc:
        return None, translate_errors(exc.messages)
    except ValidationFailed as exc:
        db.session.rollback()
        return None, translate_errors(exc.errors)
    except AccountExists:
        db.session.rollback()
        return None, {account_field: [translate("An account with this phone or email exists.")]}


def _raw(
    schema: Schema, form: MultiDict, checkboxes: set[str], required: set[str], prefix: str
) -> dict:
    raw: dict[str, Any] = {}
    for field_name, field in schema.fields.items():
        name = field.data_key or field_name
        key = prefix + name
        if field.dump_only:
            continue
        if isinstance(field, fields.Nested):
            raw[name] = _raw(field.schema, form, checkboxes, required, f"{key}.")
        elif key in checkboxes:
            raw[name] = key in form
        elif key in form:
            value = form.get(key, "").strip()
            if unstorable_text(value):
                raise ValidationError({key: [str(UNSTORABLE_MESSAGE)]})
            if value:
                raw[name] = _coerce(field, name, value)
            elif field.allow_none or field.required or key in required:
                # Emptied: fine where optional, "please fill this in" where it is needed.
                raw[name] = None
    return raw


def _coerce(field: fields.Field, name: str, value: str) -> Any:
    if isinstance(field, fields.Integer) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if isinstance(field, fields.Float):
        try:
            return float(value)
        except ValueError:
            return value
    if (
        isinstance(field, fields.DateTime)
        and not isinstance(field, fields.Date)
        and DATE.match(value)
    ):
        try:
            return _day_edge(value, end=name.endswith("_to")).isoformat()
        except (ValueError, OverflowError):  # 2026-02-30, 9999-12-31: the schema says so
            return value
    return value


def _day_edge(value: str, *, end: bool) -> datetime:
    # A date picker says a whole Bangkok day: "until" means until the end of it.
    day = date.fromisoformat(value)
    start, next_start = rules.bangkok_days(day, day)
    return next_start if end else start
