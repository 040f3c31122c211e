"""Parse a CSV of shops with the same schema as the admin API, reporting errors by line."""

import csv
import io
import re

from marshmallow import ValidationError

from ecolife.api.schemas import ShopCreateSchema
from ecolife.errors import ValidationFailed

COLUMNS = (
    "name",
    "name_en",
    "tambon_code",
    "district",
    "subdistrict",
    "address",
    "lat",
    "lon",
    "phone",
    "owner_name",
    "owner_email",
    "owner_phone",
)
# The district follows from the sub-district (tambon_code: its code, Thai or English name).
REQUIRED_COLUMNS = {"name", "tambon_code", "owner_name"}
OWNER_COLUMNS = {"owner_name": "display_name", "owner_email": "email", "owner_phone": "phone"}
OWNER_FIELDS = {field: column for column, field in OWNER_COLUMNS.items()}
# PostgreSQL text holds neither NUL nor lone surrogates (what bytes that are not UTF-8 become).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_CHARACTER = "Contains a NUL character. Save the file as CSV in UTF-8 and try again."
NOT_UTF8 = (
    "Contains bytes that are not UTF-8 text, so EcoLife cannot read them. "
    "Save the file as CSV in UTF-8 and try again."
)


def read_shop_csv(data: bytes) -> tuple[list[tuple[int, dict]], dict[str, dict]]:
    """Decode a CSV file's bytes and parse them; text that is not UTF-8 is reported by line."""
    return parse_shop_csv(decode_csv(data))


def decode_csv(data: bytes) -> str:
    """A CSV file's text without its BOM; bytes that are not UTF-8 become lone surrogates,
    which unstorable_columns names by row and column."""
    return data.decode("utf-8-sig", errors="surrogateescape")


def parse_shop_csv(text: str) -> tuple[list[tuple[int, dict]], dict[str, dict]]:
    """Return (line number, shop data) per row, and the bad rows' errors by line and column.

    A bad row keeps the values that did parse, so that the database checks (district, owner's
    account) run on it too and one report lists every problem of every row.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = unstorable_columns(dict(enumerate(reader.fieldnames or ())))
    if header:
        raise ValidationFailed({"line 1": sorted(set(header.values()))})
    missing = REQUIRED_COLUMNS - set(reader.fieldnames or ())
    if missing:
        raise ValidationFailed({"header": [f"Missing columns: {', '.join(sorted(missing))}."]})
    unknown = set(reader.fieldnames or ()) - set(COLUMNS)
    if unknown:
        raise ValidationFailed({"header": [f"Unknown columns: {', '.join(sorted(unknown))}."]})
    rows, errors = [], {}
    schema = ShopCreateSchema()
    for row in reader:
        data, problems = _load_row(schema, row)
        rows.append((reader.line_num, data))
        if problems:
            errors[f"line {reader.line_num}"] = problems
    if not rows:
        raise ValidationFailed({"file": ["The file has no rows."]})
    return rows, errors


def csv_errors(errors: dict, overrides: dict | None = None) -> dict[str, list[str]]:
    """Key a row's errors by the file's column names (owner.email is owner_email), in the
    columns' order; `overrides` replace what was found for their columns."""
    found: dict[str, list[str]] = {}
    for field, problem in errors.items():
        nested = problem if field == "owner" and isinstance(problem, dict) else {field: problem}
        for key, messages in nested.items():
            column = OWNER_FIELDS.get(key, key) if field == "owner" else key
            messages = messages if isinstance(messages, list) else [messages]
            found.setdefault(column, []).extend(messages)
    found.update(overrides or {})
    order = {column: n for n, column in enumerate(COLUMNS)}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


def _load_row(schema: ShopCreateSchema, row: dict) -> tuple[dict, dict[str, list[str]]]:
    """Load one row: (the values that parsed, every problem by column)."""
    unstorable = unstorable_columns(row)
    # A column the database cannot store is left out, so the others are still checked.
    row = {column: "" if column in unstorable else value for column, value in row.items()}
    try:
        data, problems = schema.load(_row_to_payload(row)), {}
    except ValidationError as exc:
        data, problems = exc.valid_data or {}, exc.messages
    return data, csv_errors(problems, {column: [m] for column, m in unstorable.items()})


def unstorable_columns(row: dict) -> dict:
    """Name the columns (or header positions) holding text the database cannot store, with
    why."""
    found = {}
    for column, value in row.items():
        match = UNSTORABLE.search(value) if isinstance(value, str) else None
        if match:
            found[column] = NUL_CHARACTER if match.group() == "\x00" else NOT_UTF8
    return found


def _row_to_payload(row: dict) -> dict:
    payload = {
        k: v.strip()
        for k, v in row.items()
        if k in COLUMNS and k not in OWNER_COLUMNS and v and v.strip()
    }
    for column in ("lat", "lon"):
        if column in payload:
            payload[column] = _number(payload[column])
    payload["owner"] = {
        key: row[col].strip()
        for col, key in OWNER_COLUMNS.items()
        if row.get(col) and row[col].strip()
    }
    return payload


def _number(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value  # the schema reports it as "Not a valid number."
