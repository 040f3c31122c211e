"""Keyset pagination with opaque cursors: `{"items": [...], "next_cursor": ...}`."""

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from ecolife.errors import ValidationFailed
from ecolife.extensions import db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    """Turn the last id of a page into an opaque cursor."""
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Read the id inside a cursor, refusing anything we did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "id":
            raise ValueError(raw)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"cursor": ["Invalid cursor."]}) from exc


def paginate(
    stmt: Select, id_column, *, limit: int, cursor: str | None, newest_first: bool = False
) -> Page:
    """Run a select one page at a time, ordered by a unique id column."""
    if cursor:
        after = decode_cursor(cursor)
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    stmt = stmt.order_by(id_column.desc() if newest_first else id_column).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if has_more else None)
