"""Participation: households per sub-district or village, active residents, declarations.

A resident takes part when they live in the place (their `home_tambon_code` and, for a
village, `home_village_no`) and have a credited scan in the last 30 Bangkok days (today
included). Participation is those residents against the households the admin entered.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from ecolife import clock
from ecolife.errors import DeclarationExists, NotFound, TargetNotReached, ValidationFailed
from ecolife.extensions import db
from ecolife.models import Area, Declaration, ParticipationTarget, Scan, User
from ecolife.models.area import AreaLevel
from ecolife.pagination import Page, paginate
from ecolife.rules import BANGKOK, bangkok_days
from ecolife.services.scope import AdminScope

ACTIVE_DAYS = 30
MAX_HOUSEHOLDS = 1_000_000


@dataclass(frozen=True)
class ParticipationRow:
    """One target (a whole sub-district, or one village in it) and how far it got."""

    target_id: int
    district_code: str
    district_name_th: str
    district_name_en: str
    tambon_code: str
    tambon_name_th: str
    tambon_name_en: str
    # None: the whole sub-district.
    village_no: int | None
    households: int
    target_percent: int
    active_residents: int
    # Active residents per 100 households, one decimal (may pass 100).
    percent: float
    reached: bool

    def tambon_name(self, locale: str) -> str:
        return self.tambon_name_en if locale == "en" else self.tambon_name_th

    def district_name(self, locale: str) -> str:
        return self.district_name_en if locale == "en" else self.district_name_th


def active_window(now: datetime) -> tuple[datetime, datetime]:
    """Return [start, end) of the last 30 Bangkok calendar days, today included."""
    today = now.astimezone(BANGKOK).date()
    return bangkok_days(today - timedelta(days=ACTIVE_DAYS - 1), today)


def target_reached(active_residents: int, households: int, target_percent: int) -> bool:
    """Say whether active residents reach `target_percent` of the households (exactly)."""
    return active_residents * 100 >= households * target_percent


def participation(area_code: str | None) -> list[ParticipationRow]:
    """Return every target inside the area (None: everywhere), by sub-district and village."""
    active = _active_residents(area_code, *active_window(clock.now()))
    tambon, district = aliased(Area), aliased(Area)
    stmt = (
        select(ParticipationTarget, tambon, district)
        .join(tambon, tambon.code == ParticipationTarget.tambon_code)
        .join(district, district.code == tambon.parent_code)
        .where(_inside(ParticipationTarget.tambon_code, area_code))
        .order_by(
            ParticipationTarget.tambon_code, ParticipationTarget.village_no.asc().nulls_first()
        )
    )
    return [
        _row(target, tambon, district, _active_at(active, target))
        for target, tambon, district in db.session.execute(stmt)
    ]


def declarations(area_code: str | None) -> list[Declaration]:
    """Return the declarations made inside the area (None: everywhere), newest first."""
    stmt = (
        select(Declaration)
        .where(_inside(Declaration.area_code, area_code))
        .order_by(Declaration.declared_on.desc(), Declaration.id.desc())
    )
    return list(db.session.scalars(stmt))


def declaration_page(
    scope: AdminScope, area_code: str | None, *, limit: int, cursor: str | None
) -> Page:
    """Return one page of the declarations inside the admin's area, latest recorded first."""
    area_code = scoped_area(scope, area_code)
    stmt = select(Declaration).where(_inside(Declaration.area_code, area_code))
    return paginate(stmt, Declaration.id, limit=limit, cursor=cursor, newest_first=True)


def scoped_area(scope: AdminScope, area_code: str | None) -> str | None:
    """Return the area an admin asks about (their own by default); NotFound outside it."""
    if area_code is None:
        return scope.area_code
    if not scope.covers(area_code) or db.session.get(Area, area_code) is None:
        raise NotFound()
    return area_code


def set_target(scope: AdminScope, data: dict, *, actor_id: int | None) -> ParticipationRow:
    """Enter (or change) the households and target share of a sub-district or village."""
    tambon_code, village_no = data["tambon_code"], data.get("village_no")
    _check_target(scope, data)
    values = {
        "households": data["households"],
        "target_percent": data["target_percent"],
        "updated_by": actor_id,
        "updated_at": clock.now(),
    }
    # One statement, so two admins saving the same place at once leave one row.
    stmt = insert(ParticipationTarget).values(
        tambon_code=tambon_code, village_no=village_no, **values
    )
    stmt = stmt.on_conflict_do_update(constraint="uq_participation_targets_place", set_=values)
    db.session.execute(stmt)
    db.session.commit()
    return _find_row(tambon_code, village_no)


def find_target(scope: AdminScope, target_id: int) -> ParticipationRow:
    """Return one target inside the admin's area, with its progress."""
    target = _scoped_target(scope, target_id)
    return _find_row(target.tambon_code, target.village_no)


def delete_target(scope: AdminScope, target_id: int) -> None:
    """Remove a target (the households of a place) inside the admin's area."""
    db.session.delete(_scoped_target(scope, target_id))
    db.session.commit()


def _scoped_target(scope: AdminScope, target_id: int) -> ParticipationTarget:
    target = db.session.get(ParticipationTarget, target_id)
    if target is None or not scope.covers(target.tambon_code):
        raise NotFound()
    return target


def record_declaration(scope: AdminScope, data: dict, *, actor_id: int | None) -> Declaration:
    """Declare an area (e.g. "ตำบลลดพลาสติก") that has reached its participation target."""
    area_code, village_no = data["area_code"], data.get("village_no")
    area = _declarable_area(scope, area_code, village_no)
    declared_on = data.get("declared_on") or clock.now().astimezone(BANGKOK).date()
    if declared_on > clock.now().astimezone(BANGKOK).date():
        raise ValidationFailed({"declared_on": ["The date cannot be in the future."]})
    title = data["title"].strip()
    # One declaration of a place at a time: two admins sending the same one at once record it
    # once (the lock is the transaction's, released by the commit or the rollback).
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"declare:{area.code}"))))
    same = _same_declaration(area.code, village_no, title, declared_on)
    if same is not None:
        raise DeclarationExists(id=same)
    if not area_reached(area, village_no):
        raise TargetNotReached(area=area_code)
    declaration = Declaration(
        area_code=area.code,
        village_no=village_no,
        title=title,
        declared_on=declared_on,
        note=(data.get("note") or "").strip() or None,
        created_by=actor_id,
    )
    db.session.add(declaration)
    db.session.commit()
    return declaration


def _same_declaration(
    area_code: str, village_no: int | None, title: str, declared_on: date
) -> int | None:
    """The id of a declaration with this place, village, title and date, if one is recorded."""
    return db.session.scalar(
        select(Declaration.id).where(
            Declaration.area_code == area_code,
            Declaration.village_no.is_not_distinct_from(village_no),
            Declaration.title == title,
            Declaration.declared_on == declared_on,
        )
    )


def find_declaration(scope: AdminScope, declaration_id: int) -> Declaration:
    """Return one declaration inside the admin's area (NotFound outside it)."""
    declaration = db.session.get(Declaration, declaration_id)
    if declaration is None or not scope.covers(declaration.area_code):
        raise NotFound()
    return declaration


def delete_declaration(scope: AdminScope, declaration_id: int) -> None:
    """Remove a declaration (recorded by mistake, or twice) inside the admin's area; it is no
    longer shown, in the console or on the public page."""
    db.session.delete(find_declaration(scope, declaration_id))
    db.session.commit()


def area_reached(area: Area, village_no: int | None = None) -> bool:
    """Say whether a village, sub-district or district reached its target (see `declarable`)."""
    return (area.code, village_no) in declarable(participation(area.code))


def declarable(rows: list[ParticipationRow]) -> set[tuple[str, int | None]]:
    """Return the places among `rows` that reached their target: (area code, village or None).

    A village: its own target. A sub-district: its whole-sub-district target, or, without
    one, every village target in it. A district: every one of its sub-districts, as above.
    A place without any target has not reached one.
    """
    places = {(r.tambon_code, r.village_no) for r in rows if r.village_no and r.reached}
    by_tambon: dict[str, list[ParticipationRow]] = {}
    for row in rows:
        by_tambon.setdefault(row.tambon_code, []).append(row)
    reached = {code for code, group in by_tambon.items() if _tambon_reached(group)}
    places |= {(code, None) for code in reached}
    districts = {r.district_code for r in rows}
    for district, tambons in _tambons_of(districts).items():
        if tambons <= reached:
            places.add((district, None))
    return places


def tambons_in(area_code: str | None) -> list[Area]:
    """Return the sub-districts inside an area (None: all), in code order."""
    stmt = select(Area).where(Area.level == AreaLevel.TAMBON, _inside(Area.code, area_code))
    return list(db.session.scalars(stmt.order_by(Area.code)))


def _tambons_of(districts: set[str]) -> dict[str, set[str]]:
    stmt = select(Area.parent_code, Area.code).where(Area.parent_code.in_(districts))
    found: dict[str, set[str]] = {}
    for district, code in db.session.execute(stmt):
        found.setdefault(district, set()).add(code)
    return found


def _tambon_reached(rows: list[ParticipationRow]) -> bool:
    whole = [r for r in rows if r.village_no is None]
    if whole:
        return whole[0].reached
    return all(r.reached for r in rows)


def _active_residents(
    area_code: str | None, start: datetime, end: datetime
) -> dict[tuple[str, int | None], int]:
    """Count residents who scanned in [start, end), by home (sub-district, village or None).

    One pass over the residents of the area, whatever the number of targets.
    """
    scanned = exists().where(
        Scan.user_id == User.id, Scan.created_at >= start, Scan.created_at < end
    )
    stmt = (
        select(User.home_tambon_code, User.home_village_no, func.count())
        .where(User.home_tambon_code.is_not(None), _inside(User.home_tambon_code, area_code))
        .where(scanned)
        .group_by(User.home_tambon_code, User.home_village_no)
    )
    return {(tambon, village): count for tambon, village, count in db.session.execute(stmt)}


def _active_at(active: dict[tuple[str, int | None], int], target: ParticipationTarget) -> int:
    """Active residents of a village, or of the whole sub-district (any village or none)."""
    if target.village_no is not None:
        return active.get((target.tambon_code, target.village_no), 0)
    return sum(n for (tambon, _), n in active.items() if tambon == target.tambon_code)


def _row(
    target: ParticipationTarget, tambon: Area, district: Area, active: int
) -> ParticipationRow:
    return ParticipationRow(
        target_id=target.id,
        district_code=district.code,
        district_name_th=district.name_th,
        district_name_en=district.name_en,
        tambon_code=tambon.code,
        tambon_name_th=tambon.name_th,
        tambon_name_en=tambon.name_en,
        village_no=target.village_no,
        households=target.households,
        target_percent=target.target_percent,
        active_residents=active,
        percent=round(active * 100 / target.households, 1),
        reached=target_reached(active, target.households, target.target_percent),
    )


def _find_row(tambon_code: str, village_no: int | None) -> ParticipationRow:
    return next(r for r in participation(tambon_code) if r.village_no == village_no)


def _inside(column, area_code: str | None) -> ColumnElement[bool]:
    if area_code is None:
        return true()
    return column.startswith(area_code, autoescape=True)


def _check_target(scope: AdminScope, data: dict) -> None:
    if not scope.covers(data["tambon_code"]):
        raise NotFound()
    errors: dict[str, list[str]] = {}
    if _area(data["tambon_code"], AreaLevel.TAMBON) is None:
        errors["tambon_code"] = ["Choose a sub-district (tambon)."]
    if not 0 < data["households"] <= MAX_HOUSEHOLDS:
        errors["households"] = [f"Give a whole number from 1 to {MAX_HOUSEHOLDS}."]
    if not 1 <= data["target_percent"] <= 100:
        errors["target_percent"] = ["Give a whole number from 1 to 100."]
    village_no = data.get("village_no")
    if village_no is not None and not 1 <= village_no <= 99:
        errors["village_no"] = ["Give a whole number from 1 to 99."]
    if errors:
        raise ValidationFailed(errors)


def _declarable_area(scope: AdminScope, area_code: str, village_no: int | None) -> Area:
    if not scope.covers(area_code):
        raise NotFound()
    area = _area(area_code, AreaLevel.TAMBON, AreaLevel.AMPHOE)
    if area is None:
        raise ValidationFailed({"area_code": ["Choose a district or a sub-district."]})
    if village_no is not None and (area.level != AreaLevel.TAMBON or not 1 <= village_no <= 99):
        raise ValidationFailed(
            {"village_no": ["A village number (1 to 99) goes with a sub-district only."]}
        )
    return area


def _area(code: str, *levels: str) -> Area | None:
    return db.session.scalar(select(Area).where(Area.code == code, Area.level.in_(levels)))
