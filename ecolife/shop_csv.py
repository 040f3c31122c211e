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
REQUIRED_COLUMNS = {"name", "district", "owner_name"}
OWNER_COLUMNS = {"owner_name": "display_name", "owner_email": "email", "owner_phone": "phone"}
# PostgreSQL text holds neither NUL nor lone surrogates (what bytes that are not UTF-8 become).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_CHARACTER = "Contains a NUL character. Save the file as CSV in UTF-8 and try again."
NOT_UTF8 = (
    "Contains bytes that are not UTF-8 text, so EcoLife cannot read them. "
    "Save the file as CSV in UTF-8 and try again."
)


def read_shop_csv(data: bytes) -> tuple[list[tuple[int, dict]], dict[str, dict]]:
    """Decode a CSV file's bytes and parse them; text that is not UTF-8 is reported by line."""
    # surrogateescape keeps undecodable bytes as lone surrogates, so their row can be named.
    return parse_shop_csv(data.decode("utf-8-sig", errors="surrogateescape"))


def parse_shop_csv(text: str) -> tuple[list[tuple[int, dict]], dict[str, dict]]:
    """Return (line number, shop data) per good row, and the errors of the bad rows by line."""
    reader = csv.DictReader(io.StringIO(text))
    header = _unstorable(dict(enumerate(reader.fieldnames or ())))
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
        line = reader.line_num
        unstorable = _unstorable(row)
        if unstorable:
            errors[f"line {line}"] = {column: [m] for column, m in unstorable.items()}
            continue
        try:
            rows.append((line, schema.load(_row_to_payload(row))))
        except ValidationError as exc:
            errors[f"line {line}"] = exc.messages
    if not rows and not errors:
        raise ValidationFailed({"file": ["The file has no rows."]})
    return rows, errors


def _unstorable(row: dict) -> dict:
    """Name the columns holding text the database cannot store, with why."""
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
