"""Areas: reading the tree, finding a sub-district, loading a province's areas from CSV."""

import csv
import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert

from ecolife.errors import NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.models import CODE_LENGTH, Area, AreaLevel
from ecolife.shop_csv import unstorable_columns

LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
AREA_COLUMNS = ("code", "parent_code", "name_th", "name_en", "lat", "lon")
REQUIRED_AREA_COLUMNS = {"code", "parent_code", "name_th", "name_en"}
NAME_LENGTH = 120
# Rows per INSERT: a whole country (~8,500 areas) would pass PostgreSQL's 65,535 parameters.
SAVE_BATCH = 1000
UNKNOWN_TAMBON = "Unknown sub-district: give its code or its Thai or English name."
AMBIGUOUS_TAMBON = "Several sub-districts have this name: give its code, or the district too."
TAMBON_NOT_IN_DISTRICT = "This sub-district is not in the district given."
BAD_CODE = "Give the official code: 2 digits (province), 4 (district) or 6 (sub-district)."


def list_areas(parent_code: str | None = None) -> list[Area]:
    """The areas directly under `parent_code` in code order; the provinces without one."""
    if parent_code is None:
        where = Area.parent_code.is_(None)
    else:
        get_area(parent_code)
        where = Area.parent_code == parent_code
    return list(db.session.scalars(select(Area).where(where).order_by(Area.code)))


def get_area(code: str) -> Area:
    """One area by its official code."""
    area = db.session.get(Area, code)
    if area is None:
        raise NotFound()
    return area


def tambons_by_district() -> list[tuple[Area, list[Area]]]:
    """Every district with its sub-districts, in code order (for a grouped choice)."""
    stmt = select(Area).where(Area.level.in_([AreaLevel.AMPHOE, AreaLevel.TAMBON]))
    groups: dict[str, tuple[Area, list[Area]]] = {}
    for area in db.session.scalars(stmt.order_by(Area.code)):
        if area.level == AreaLevel.AMPHOE:
            groups[area.code] = (area, [])
        elif area.parent_code in groups:
            groups[area.parent_code][1].append(area)
    return list(groups.values())


# ---------- finding a sub-district ----------


def resolve_tambon(value: str, district_code: str | None = None) -> Area:
    """The sub-district `value` names (its code, Thai or English name), in the district if one
    is given; ValidationFailed on `tambon_code` if there is none or several."""
    value = value.strip()
    known = db.session.get(Area, value) if len(value) == 6 and value.isdigit() else None
    if known is not None and known.level == AreaLevel.TAMBON:  # an import read it already
        return _pick_tambon(value, [known], district_code)
    candidates = db.session.scalars(
        select(Area).where(
            Area.level == AreaLevel.TAMBON,
            or_(
                Area.code == value,
                Area.name_th == value,
                func.lower(Area.name_en) == value.lower(),
            ),
        )
    )
    return _pick_tambon(value, list(candidates), district_code)


def tambon_finder() -> Callable[[str, str | None], Area]:
    """Resolve sub-districts as resolve_tambon does, from one read (an import has one a row)."""
    index: dict[str, list[Area]] = {}
    for tambon in db.session.scalars(select(Area).where(Area.level == AreaLevel.TAMBON)):
        for key in {tambon.code, tambon.name_th, tambon.name_en.lower()}:
            index.setdefault(key, []).append(tambon)

    def find(value: str, district_code: str | None = None) -> Area:
        value = value.strip()
        found = {a.code: a for key in (value, value.lower()) for a in index.get(key, ())}
        return _pick_tambon(value, list(found.values()), district_code)

    return find


def _pick_tambon(value: str, candidates: list[Area], district_code: str | None) -> Area:
    by_code = [a for a in candidates if a.code == value]
    if by_code:  # a code names one sub-district, in whichever district it is
        if district_code is not None and by_code[0].parent_code != district_code:
            raise ValidationFailed({"tambon_code": [TAMBON_NOT_IN_DISTRICT]})
        return by_code[0]
    if district_code is not None:
        inside = [a for a in candidates if a.parent_code == district_code]
        if candidates and not inside:
            raise ValidationFailed({"tambon_code": [TAMBON_NOT_IN_DISTRICT]})
        candidates = inside
    if len(candidates) > 1:
        raise ValidationFailed({"tambon_code": [AMBIGUOUS_TAMBON]})
    if not candidates:
        raise ValidationFailed({"tambon_code": [UNKNOWN_TAMBON]})
    return candidates[0]


# ---------- import-areas ----------


@dataclass(frozen=True)
class AreasImported:
    added: int
    updated: int
    by_level: dict[str, int]


def import_areas(text: str) -> AreasImported:
    """Load areas (any province) from CSV text: all rows or none, every problem by line.

    Columns: code, parent_code, name_th, name_en and optionally lat, lon. A code's level
    follows from its length; a parent may come earlier or later in the file or be loaded
    already. Codes already loaded get the file's names and centre.
    """
    reader = csv.DictReader(io.StringIO(text))
    _check_header(reader.fieldnames)
    rows = [(reader.line_num, row) for row in reader]
    if not rows:
        raise ValidationFailed({"file": ["The file has no rows."]})
    loaded = _loaded_codes(rows)
    first_line: dict[str, int] = {}
    read = [(line, *_read_area(row, line, first_line)) for line, row in rows]
    areas, found = [], {}
    for line, area, problems in read:  # every code of the file is known by now
        problems.update(_parent_problems(area, first_line, loaded))
        if problems:
            found[f"line {line}"] = _in_column_order(problems)
        areas.append(area)
    if found:
        raise ValidationFailed(found)
    return _save_areas(areas, loaded)


def _check_header(fieldnames: Iterable[str] | None) -> None:
    names = list(fieldnames or ())
    header = unstorable_columns(dict(enumerate(names)))
    if header:
        raise ValidationFailed({"line 1": sorted(set(header.values()))})
    missing = REQUIRED_AREA_COLUMNS - set(names)
    if missing:
        raise ValidationFailed({"header": [f"Missing columns: {', '.join(sorted(missing))}."]})
    unknown = set(names) - set(AREA_COLUMNS)
    if unknown:
        raise ValidationFailed({"header": [f"Unknown columns: {', '.join(sorted(unknown))}."]})


def _loaded_codes(rows: list[tuple[int, dict]]) -> set[str]:
    """The codes of the file and of their parents that are in the database already."""
    wanted = {(row.get(c) or "").strip() for _line, row in rows for c in ("code", "parent_code")}
    return set(db.session.scalars(select(Area.code).where(Area.code.in_(wanted - {""}))))


def _read_area(row: dict, line: int, first_line: dict[str, int]) -> tuple[dict, dict]:
    """One row as the areas table's values, and what is wrong with it by column."""
    unstorable = unstorable_columns(row)
    problems: dict[str, list[str]] = {c: [m] for c, m in unstorable.items() if c in AREA_COLUMNS}
    if None in row:  # more cells than the header has columns
        problems["file"] = ["This line has more cells than the header has columns."]
    value = {c: "" if c in unstorable else (row.get(c) or "").strip() for c in AREA_COLUMNS}
    code = value["code"]
    if "code" in unstorable:
        pass
    elif not (code.isascii() and code.isdigit() and len(code) in LEVEL_OF_LENGTH):
        problems.setdefault("code", []).append(BAD_CODE)
    elif code in first_line:
        problems.setdefault("code", []).append(f"Also used in line {first_line[code]}.")
    else:
        first_line[code] = line
    for name in ("name_th", "name_en"):
        if not value[name]:
            problems.setdefault(name, []).append("Missing data for required field.")
        elif len(value[name]) > NAME_LENGTH:
            problems.setdefault(name, []).append(f"Longer than maximum length {NAME_LENGTH}.")
    area = {
        "code": code,
        "level": LEVEL_OF_LENGTH.get(len(code)),
        "parent_code": value["parent_code"] or None,
        "name_th": value["name_th"],
        "name_en": value["name_en"],
    }
    for column, limit in (("lat", 90), ("lon", 180)):
        area[column], problem = _coordinate(value[column], limit)
        if problem:
            problems.setdefault(column, []).append(problem)
    return area, problems


def _coordinate(text: str, limit: int) -> tuple[float | None, str | None]:
    if not text:
        return None, None
    try:
        number = float(text)
    except ValueError:
        return None, "Not a valid number."
    if not (math.isfinite(number) and -limit <= number <= limit):
        return None, f"Enter a number from {-limit} to {limit}."
    return number, None


def _parent_problems(area: dict, in_file: dict[str, int], loaded: set[str]) -> dict:
    """A province has no parent; a district's or sub-district's is its code less 2 digits."""
    code, parent = area["code"], area["parent_code"]
    if area["level"] is None:
        return {}
    if area["level"] == AreaLevel.PROVINCE:
        return {"parent_code": ["A province has no parent: leave this empty."]} if parent else {}
    expected = code[:-2]
    if parent is None:
        return {"parent_code": [f"Give the parent's code ({expected})."]}
    if parent != expected:
        return {"parent_code": [f"The parent of {code} is {expected} (its first digits)."]}
    if parent not in in_file and parent not in loaded:
        return {"parent_code": [f"Unknown parent {parent}: it is neither in the file nor loaded."]}
    return {}


def _in_column_order(problems: dict) -> dict:
    order = {column: n for n, column in enumerate(("file", *AREA_COLUMNS))}
    return dict(sorted(problems.items(), key=lambda item: order.get(item[0], len(order))))


def _save_areas(areas: list[dict], loaded: set[str]) -> AreasImported:
    # Parents before children, so that each row's parent exists when it is inserted.
    areas.sort(key=lambda area: (len(area["code"]), area["code"]))
    for start in range(0, len(areas), SAVE_BATCH):
        stmt = insert(Area).values(areas[start : start + SAVE_BATCH])
        stmt = stmt.on_conflict_do_update(
            index_elements=[Area.code],
            set_={c: stmt.excluded[c] for c in ("name_th", "name_en", "lat", "lon")},
        )
        db.session.execute(stmt)
    db.session.commit()
    by_level = {level.value: 0 for level in AreaLevel}
    for area in areas:
        by_level[area["level"]] += 1
    added = sum(area["code"] not in loaded for area in areas)
    return AreasImported(added=added, updated=len(areas) - added, by_level=by_level)
