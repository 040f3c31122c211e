"""Partner shops: adding them with their owner, editing, listing."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import undefer

from ecolife.errors import AccountExists, NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.links import invite_link
from ecolife.models import District, Invite, Role, Shop, User
from ecolife.pagination import Page, paginate
from ecolife.security import random_token
from ecolife.services.accounts import add_account, create_invite

SHOP_FIELDS = ("name", "name_en", "district", "subdistrict", "address", "lat", "lon", "phone")


@dataclass(frozen=True)
class NewShop:
    shop: Shop
    owner: User
    invite_url: str
    invite: Invite


def create_shop(data: dict, owner: dict) -> NewShop:
    """Add a partner shop with its owner account and a one-time invite link."""
    new_shop = _add_shop(data, owner)
    db.session.commit()
    return new_shop


def import_shops(
    rows: list[tuple[int, dict]],
    *,
    errors: dict | None = None,
    on_progress: Callable[[int], None] = lambda _n: None,
    commit: bool = True,
) -> list[NewShop]:
    """Add many shops in one transaction: all of them, or none and every failing line.

    `errors` holds lines already refused while parsing; the rows are still tried so that
    one report lists every problem. With commit=False the caller commits (a job records
    its outcome in the same transaction).
    """
    created, errors = [], dict(errors or {})
    districts = district_finder()
    for line, data in rows:
        data = dict(data)
        owner = data.pop("owner")
        try:
            with db.session.begin_nested():
                created.append(_add_shop(data, owner, find_district=districts))
        except ValidationFailed as exc:
            errors[f"line {line}"] = exc.errors
        except AccountExists:
            errors[f"line {line}"] = {"owner": ["An account with this phone or email exists."]}
        on_progress(1)
    if errors:
        db.session.rollback()
        raise ValidationFailed(dict(sorted(errors.items(), key=_line_order)))
    if commit:
        db.session.commit()
    return created


def _line_order(item: tuple[str, object]) -> tuple[int, int]:
    """Order "header" and "file" problems first, then "line N" by N."""
    where = item[0]
    return (1, int(where.split()[1])) if where.startswith("line ") else (0, 0)


def update_shop(shop_id: int, changes: dict) -> Shop:
    """Edit a shop's details; `active: False` suspends it."""
    shop = get_shop(shop_id, include_inactive=True)
    _apply_fields(shop, changes)
    if "active" in changes:
        shop.active = changes["active"]
    db.session.commit()
    return shop


def get_shop(shop_id: int, *, include_inactive: bool = False) -> Shop:
    """Return one shop; inactive shops are hidden from the public."""
    shop = db.session.get(Shop, shop_id, options=[undefer(Shop.rewards_count)])
    if shop is None or not (shop.active or include_inactive):
        raise NotFound()
    return shop


def list_shops(
    *, limit: int, cursor: str | None, include_inactive: bool = False, search: str = ""
) -> Page:
    """List shops in id order, a page at a time; `search` matches names and districts."""
    stmt = select(Shop).options(undefer(Shop.rewards_count))
    if not include_inactive:
        stmt = stmt.where(Shop.active.is_(True))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        districts = select(District.code).where(
            or_(func.lower(District.name_en).like(pattern), District.name_th.like(pattern))
        )
        stmt = stmt.where(
            or_(
                func.lower(Shop.name).like(pattern),
                func.lower(Shop.name_en).like(pattern),
                Shop.district_code.in_(districts),
            )
        )
    return paginate(stmt, Shop.id, limit=limit, cursor=cursor)


def list_districts() -> list[District]:
    """Return the districts shops can be in."""
    return list(db.session.scalars(select(District).order_by(District.code)))


def resolve_district(value: str) -> District | None:
    """Find a district by its code, Thai name or English name (any case)."""
    return district_finder()(value)


def district_finder() -> Callable[[str], District | None]:
    """Resolve districts as resolve_district does, from one read (an import has one a row)."""
    districts = list_districts()
    exact = {d.code: d for d in districts} | {d.name_th: d for d in districts}
    english = {d.name_en.lower(): d for d in districts}
    return lambda value: exact.get(value) or english.get(value.lower())


def _add_shop(data: dict, owner: dict, *, find_district=resolve_district) -> NewShop:
    shop = Shop(qr_token=random_token())
    _apply_fields(shop, data, find_district)
    db.session.add(shop)
    db.session.flush()
    return _add_owner(shop, owner)


def _apply_fields(shop: Shop, data: dict, find_district=resolve_district) -> None:
    if "district" in data:
        district = find_district(data["district"])
        if district is None:
            raise ValidationFailed({"district": ["Unknown district."]})
        shop.district = district
    for field in SHOP_FIELDS:
        if field in data and field != "district":
            setattr(shop, field, data[field])


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
