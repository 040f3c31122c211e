"""Admins: province-wide ones, and ones scoped to one district or sub-district."""

from dataclasses import dataclass

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.links import invite_link
from ecolife.models import Area, Invite, Role, User
from ecolife.services.accounts import add_account, create_invite
from ecolife.services.scope import admin_area


@dataclass(frozen=True)
class AdminEntry:
    """An admin and the area they manage (None: the whole province)."""

    user: User
    area: Area | None

    def __getattr__(self, name: str):
        return getattr(self.user, name)


@dataclass(frozen=True)
class NewAdmin:
    user: AdminEntry
    invite_url: str
    invite: Invite


def invite_admin(*, email: str, display_name: str, area_code: str | None) -> NewAdmin:
    """Add an admin (scoped to `area_code`, or province-wide) with a one-time invite link."""
    area = admin_area(area_code)
    user = User(
        role=Role.ADMIN,
        email=email,
        display_name=display_name,
        admin_area_code=area.code if area else None,
    )
    add_account(user)
    token, invite = create_invite(user)
    db.session.commit()
    return NewAdmin(AdminEntry(user, area), invite_link(token), invite)


def list_admins() -> list[AdminEntry]:
    """Every admin with the area they manage (None: province-wide), province-wide first."""
    stmt = (
        select(User, Area)
        .outerjoin(Area, Area.code == User.admin_area_code)
        .where(User.role == Role.ADMIN)
        .order_by(User.admin_area_code.nulls_first(), User.id)
    )
    return [AdminEntry(user, area) for user, area in db.session.execute(stmt)]

