"""What an admin may see: the whole programme, or one district or sub-district.

Area codes nest by prefix (51 → 5104 → 510401), so "inside the area" is a prefix test.
A shop is inside a district by its `district_code`, inside a sub-district by its
`tambon_code` (a shop not yet placed in a sub-district is inside its district only).
Whatever lies outside a scoped admin's area answers NotFound, never PermissionDenied, so
that it does not even reveal it exists.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, literal, or_, select, true

from ecolife.errors import NotFound, PermissionDenied, ValidationFailed
from ecolife.extensions import db
from ecolife.models import Area, AreaLevel, Redemption, Scan, Shop, User

UNKNOWN_AREA = "Unknown area: give the code of a district or sub-district."


@dataclass(frozen=True)
class AdminScope:
    # None: province-wide (the whole installation).
    area_code: str | None = None

    @property
    def province_wide(self) -> bool:
        return self.area_code is None

    def covers(self, code: str | None) -> bool:
        """Is the area `code` (any level) inside this scope?"""
        if self.area_code is None:
            return True
        return code is not None and code.startswith(self.area_code)

    def covers_shop(self, shop: Shop) -> bool:
        return self.covers(shop.tambon_code) or self.covers(shop.district_code)

    def shop_clause(self) -> ColumnElement[bool]:
        """A WHERE clause on `Shop` keeping the shops inside this scope."""
        if self.area_code is None:
            return true()
        return or_(
            Shop.district_code.startswith(self.area_code, autoescape=True),
            Shop.tambon_code.startswith(self.area_code, autoescape=True),
        )

    def area_clause(self, column) -> ColumnElement[bool]:
        """A WHERE clause keeping the areas (code `column`) that overlap this scope: inside
        it, or containing it (a sub-district admin's district row)."""
        if self.area_code is None:
            return true()
        return or_(
            column.startswith(self.area_code, autoescape=True),
            literal(self.area_code).startswith(column),  # codes are digits: no wildcards
        )

    def shop_id_clause(self, column) -> ColumnElement[bool]:
        """A WHERE clause keeping rows whose shop id `column` is a shop inside this scope."""
        if self.area_code is None:
            return true()
        return column.in_(select(Shop.id).where(self.shop_clause()))

    def resident_clause(self) -> ColumnElement[bool]:
        """A WHERE clause on `User` keeping the residents who scanned or redeemed inside, or
        whom an admin registered inside (a card holder who has not scanned yet). The home a
        resident declared themselves gives no access: anyone could name any sub-district."""
        if self.area_code is None:
            return true()
        scanned = select(Scan.id).where(Scan.user_id == User.id, self.shop_id_clause(Scan.shop_id))
        redeemed = select(Redemption.id).where(
            Redemption.user_id == User.id, self.shop_id_clause(Redemption.shop_id)
        )
        registered = User.registered_area_code.startswith(self.area_code, autoescape=True)
        return or_(exists(scanned), exists(redeemed), registered)

    def check_shop(self, shop: Shop | None) -> Shop:
        """Return the shop if it is inside this scope; NotFound if not (or if None)."""
        if shop is None or not self.covers_shop(shop):
            raise NotFound()
        return shop

    def require_province_wide(self) -> None:
        """Refuse programme-wide work (rules, limits, adding admins) to a scoped admin."""
        if self.area_code is not None:
            raise PermissionDenied()


PROVINCE_WIDE = AdminScope()


def admin_area(code: str | None) -> Area | None:
    """The area an admin is to be scoped to: a district or sub-district; None (or the
    province's code) is province-wide."""
    if code is None:
        return None
    area = db.session.get(Area, code)
    if area is None:
        raise ValidationFailed({"area_code": [UNKNOWN_AREA]})
    return None if area.level == AreaLevel.PROVINCE else area


def scope_of(user: User) -> AdminScope:
    """The scope of an admin account (its `admin_area_code`; None is province-wide)."""
    return AdminScope(user.admin_area_code)
