"""Parse a CSV of shops with the same schema as the admin API, reporting errors by line."""

import csv
import io

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


def parse_shop_csv(text: str) -> tuple[list[tuple[int, dict]], dict[str, dict]]:
    """Return (line number, shop data) per good row, and the errors of the bad rows by line."""
    reader = csv.DictReader(io.StringIO(text))
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
        try:
            rows.append((line, schema.load(_row_to_payload(row))))
        except ValidationError as exc:
            errors[f"line {line}"] = exc.messages
    if not rows and not errors:
        raise ValidationFailed({"file": ["The file has no rows."]})
    return rows, errors


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
