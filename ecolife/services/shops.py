"""Partner shops: adding them with their owner, editing, listing."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import undefer

from ecolife.errors import AccountExists, NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.links import invite_link
from ecolife.models import Area, AreaLevel, Invite, Role, Shop, User
from ecolife.pagination import Page, paginate
from ecolife.security import random_token
from ecolife.services.accounts import add_account, create_invite
from ecolife.services.areas import resolve_tambon, tambon_finder
from ecolife.services.scope import PROVINCE_WIDE, AdminScope
from ecolife.shop_csv import csv_errors

ACCOUNT_EXISTS = "An account with this phone or email exists."
UNKNOWN_DISTRICT = "Unknown district: give its code or its Thai or English name."
TAMBON_ELSEWHERE = "The shop's sub-district is in another district: change the sub-district."
OUTSIDE_AREA = "Outside the area you manage."
SHOP_FIELDS = (
    "name",
    "name_en",
    "district",
    "subdistrict",
    "address",
    "lat",
    "lon",
    "phone",
    "opening_hours",
)


@dataclass(frozen=True)
class NewShop:
    shop: Shop
    owner: User
    invite_url: str
    invite: Invite


def create_shop(data: dict, owner: dict, *, scope: AdminScope = PROVINCE_WIDE) -> NewShop:
    """Add a partner shop with its owner account and a one-time invite link."""
    new_shop = _add_shop(data, owner, scope=scope)
    db.session.commit()
    return new_shop


def import_shops(
    rows: list[tuple[int, dict]],
    *,
    errors: dict | None = None,
    on_progress: Callable[[int], None] = lambda _n: None,
    commit: bool = True,
    scope: AdminScope = PROVINCE_WIDE,
) -> list[NewShop]:
    """Add many shops in one transaction: all of them, or none and every problem of every line.

    `rows` hold each line's values that parsed, `errors` what parsing refused, by line and CSV
    column. The district and the owner's account are checked on every line as well, so one
    report lists everything. With commit=False the caller commits (a job records its outcome
    in the same transaction). A scoped admin's lines outside their area are errors too.
    """
    created, found = [], dict(errors or {})
    districts, tambons, logins = district_finder(), tambon_finder(), _logins_in_use(rows)
    for line, data in rows:
        where = f"line {line}"
        problems = {**_row_problems(data, districts, tambons, logins, line), **found.get(where, {})}
        if not problems:
            problems = _try_add(data, districts, created, scope)
        if problems:
            found[where] = csv_errors(problems)
        on_progress(1)
    if found:
        db.session.rollback()
        raise ValidationFailed(dict(sorted(found.items(), key=_line_order)))
    if commit:
        db.session.commit()
    return created


def _row_problems(
    data: dict, find_district, find_tambon, logins: dict, line: int
) -> dict[str, list[str]]:
    """What the database says of a row: an unknown district or sub-district, or one not in
    the district given, an owner's login in use."""
    problems = {}
    district = find_district(data["district"]) if "district" in data else None
    if "district" in data and district is None:
        problems["district"] = [UNKNOWN_DISTRICT]
    elif "tambon_code" in data:
        try:
            find_tambon(data["tambon_code"], district.code if district else None)
        except ValidationFailed as exc:
            problems.update(exc.errors)
    owner = data.get("owner", {})
    for field, column in (("email", "owner_email"), ("phone", "owner_phone")):
        value = owner.get(field)
        if value is None:
            continue
        first_line = logins.setdefault((field, value), line)
        if first_line is None:
            problems[column] = [ACCOUNT_EXISTS]
        elif first_line != line:
            problems[column] = [f"Also used in line {first_line}."]
    return problems


def _try_add(data: dict, find_district, created: list[NewShop], scope: AdminScope) -> dict:
    shop = {k: v for k, v in data.items() if k != "owner"}
    try:
        with db.session.begin_nested():
            created.append(
                _add_shop(shop, data["owner"], find_district=find_district, scope=scope)
            )
    except ValidationFailed as exc:
        return exc.errors
    except AccountExists:  # taken since _logins_in_use read them: the unique key decides
        column = "owner_email" if data["owner"].get("email") else "owner_phone"
        return {column: [ACCOUNT_EXISTS]}
    return {}


def _logins_in_use(rows: list[tuple[int, dict]]) -> dict[tuple[str, str], int | None]:
    """The owners' emails and phones that already belong to an account (one read a file)."""
    owners = [data.get("owner", {}) for _line, data in rows]
    emails = {owner["email"] for owner in owners if owner.get("email")}
    phones = {owner["phone"] for owner in owners if owner.get("phone")}
    in_use: dict[tuple[str, str], int | None] = {}
    taken = select(User.email, User.phone).where(
        or_(User.email.in_(emails), User.phone.in_(phones))
    )
    for email, phone in db.session.execute(taken):
        in_use.update({("email", email): None} if email in emails else {})
        in_use.update({("phone", phone): None} if phone in phones else {})
    return in_use


def _line_order(item: tuple[str, object]) -> tuple[int, int]:
    """Order "header" and "file" problems first, then "line N" by N."""
    where = item[0]
    return (1, int(where.split()[1])) if where.startswith("line ") else (0, 0)


def update_shop(shop_id: int, changes: dict, *, scope: AdminScope = PROVINCE_WIDE) -> Shop:
    """Edit a shop's details; `active: False` suspends it. A scoped admin can't move a shop
    out of their area."""
    shop = get_shop(shop_id, include_inactive=True, scope=scope)
    _apply_fields(shop, changes)
    _check_inside(shop, scope)
    if "active" in changes:
        shop.active = changes["active"]
    db.session.commit()
    return shop


def get_shop(
    shop_id: int, *, include_inactive: bool = False, scope: AdminScope = PROVINCE_WIDE
) -> Shop:
    """Return one shop; inactive shops are hidden from the public, and shops outside a
    scoped admin's area from that admin."""
    shop = db.session.get(Shop, shop_id, options=[undefer(Shop.rewards_count)])
    if shop is None or not (shop.active or include_inactive):
        raise NotFound()
    return scope.check_shop(shop)


def list_shops(
    *,
    limit: int,
    cursor: str | None,
    include_inactive: bool = False,
    search: str = "",
    scope: AdminScope = PROVINCE_WIDE,
) -> Page:
    """List shops in id order, a page at a time; `search` matches names and districts."""
    stmt = select(Shop).options(undefer(Shop.rewards_count)).where(scope.shop_clause())
    if not include_inactive:
        stmt = stmt.where(Shop.active.is_(True))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        districts = select(Area.code).where(
            Area.level == AreaLevel.AMPHOE,
            or_(func.lower(Area.name_en).like(pattern), Area.name_th.like(pattern)),
        )
        stmt = stmt.where(
            or_(
                func.lower(Shop.name).like(pattern),
                func.lower(Shop.name_en).like(pattern),
                Shop.district_code.in_(districts),
            )
        )
    return paginate(stmt, Shop.id, limit=limit, cursor=cursor)


def list_districts() -> list[Area]:
    """Return the districts (อำเภอ) shops can be in."""
    stmt = select(Area).where(Area.level == AreaLevel.AMPHOE).order_by(Area.code)
    return list(db.session.scalars(stmt))


def resolve_district(value: str) -> Area | None:
    """Find a district by its official code, Thai name or English name (any case)."""
    return district_finder()(value)


def district_finder() -> Callable[[str], Area | None]:
    """Resolve districts as resolve_district does, from one read (an import has one a row).

    An English name may be written with underscores for spaces ("pa_sang"), as the codes of
    Lamphun's districts were before the official ones.
    """
    districts = list_districts()
    exact = {d.code: d for d in districts} | {d.name_th: d for d in districts}
    english = {d.name_en.lower(): d for d in districts}
    return lambda value: exact.get(value) or english.get(value.lower().replace("_", " "))


def _add_shop(
    data: dict, owner: dict, *, find_district=resolve_district, scope: AdminScope = PROVINCE_WIDE
) -> NewShop:
    shop = Shop(qr_token=random_token())
    _apply_fields(shop, data, find_district)
    db.session.add(shop)
    _check_inside(shop, scope)
    return _add_owner(shop, owner)


def _check_inside(shop: Shop, scope: AdminScope) -> None:
    """Refuse a shop placed outside a scoped admin's area (flushed first: the codes are
    set from the areas chosen)."""
    db.session.flush()
    if not scope.covers_shop(shop):
        field = "district" if len(scope.area_code or "") <= 4 else "tambon_code"
        raise ValidationFailed({field: [OUTSIDE_AREA]})


def _apply_fields(shop: Shop, data: dict, find_district=resolve_district) -> None:
    """Set the given fields. A sub-district places the shop in it and in its district; a
    district alone must be the shop's sub-district's; a new shop needs a sub-district."""
    district = find_district(data["district"]) if "district" in data else None
    if "district" in data and district is None:
        raise ValidationFailed({"district": ["Unknown district."]})
    if "tambon_code" in data:
        _place_in_tambon(shop, data["tambon_code"], district)
    elif district is not None:
        if shop.tambon is not None and shop.tambon.parent_code != district.code:
            raise ValidationFailed({"district": [TAMBON_ELSEWHERE]})
        shop.district = district
    if shop.tambon is None and shop.id is None:
        raise ValidationFailed({"tambon_code": ["Missing data for required field."]})
    for field in SHOP_FIELDS:
        if field in data and field != "district":
            setattr(shop, field, data[field])


def _place_in_tambon(shop: Shop, value: str, district: Area | None) -> None:
    """Put the shop in a sub-district, and so in its district (which must be `district`)."""
    tambon = resolve_tambon(value, district.code if district else None)
    # Both at once: a flush between the two would break the sub-district-in-district key.
    district = district or db.session.get(Area, tambon.parent_code)
    shop.tambon, shop.district = tambon, district


def _add_owner(shop: Shop, owner: dict) -> NewShop:
    user = User(
        role=Role.SHOP_STAFF,
        shop_id=shop.id,
        display_name=owner["display_name"],
        email=owner.get("email"),
        phone=owner.get("phone"),
    )
    add_account(user)
    token, invite = create_invite(user)
    return NewShop(shop, user, invite_link(token), invite)
