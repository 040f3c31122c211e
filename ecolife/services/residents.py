"""Residents: what they see of themselves, and how admins find, suspend and reinstate them."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from ecolife import clock
from ecolife.database import read_alone
from ecolife.errors import InvalidToken, NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.identity import normalize_login
from ecolife.models import (
    AccountEvent,
    Action,
    Area,
    AreaLevel,
    AuthSession,
    Consent,
    Impact,
    PrivacyNotice,
    Role,
    User,
)
from ecolife.pagination import Page, paginate
from ecolife.services import notifications
from ecolife.services.accounts import TokenClaims
from ecolife.services.expiry import expiring_column
from ecolife.services.scope import PROVINCE_WIDE, AdminScope


@dataclass(frozen=True)
class Profile:
    user: User
    impact: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


def profile(user_id: int) -> Profile:
    """Return the user with their balance and what they have kept out of the bin."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    impacts = db.session.execute(
        select(Action.code, Impact.items, Impact.milligrams)
        .join(Action, Action.id == Impact.action_id)
        .where(Impact.user_id == user_id)
    )
    return Profile(user, _impact(impacts))


# The signed-in user and their impact, checking the token's session, in one statement.
OWN_PROFILE = (
    select(
        User.id,
        User.display_name,
        User.role,
        User.locale,
        User.shop_id,
        User.phone,
        User.email,
        User.balance,
        User.home_tambon_code,
        User.home_village_no,
        User.suspended_at.isnot(None).label("suspended"),
        User.suspended_at,
        User.suspended_reason,
        # The notice in force and the newest the user accepted: the app asks again when they
        # differ (in this one read: /me is the app's hottest request).
        select(func.max(PrivacyNotice.version)).scalar_subquery().label("privacy_notice_version"),
        select(func.max(Consent.notice_version))
        .where(Consent.user_id == User.id)
        .scalar_subquery()
        .label("privacy_notice_accepted_version"),
        # Points that will expire, soonest first (services.expiry; run once per statement).
        expiring_column(bindparam("user_id")).label("expiring"),
        Action.code.label("impact_action"),
        Impact.items.label("impact_items"),
        Impact.milligrams.label("impact_milligrams"),
    )
    .select_from(AuthSession)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Impact, Impact.user_id == User.id)
    .outerjoin(Action, Action.id == Impact.action_id)
    .where(
        AuthSession.id == bindparam("session_id"),
        AuthSession.user_id == bindparam("user_id"),
        AuthSession.revoked_at.is_(None),
    )
)


def own_profile(claims: TokenClaims) -> Profile:
    """Return the profile of a verified token's user, refusing a signed-out session."""
    rows = read_alone(OWN_PROFILE, {"session_id": claims.session_id, "user_id": claims.user_id})
    if not rows:
        raise InvalidToken()
    impacts = [
        (row.impact_action, row.impact_items, row.impact_milligrams)
        for row in rows
        if row.impact_action is not None
    ]
    return Profile(rows[0], _impact(impacts))


def _impact(rows) -> dict[str, Any]:
    items, milligrams = {}, 0
    for code, count, weight in rows:
        items[code] = count
        milligrams += weight
    return {"items": items, "grams_plastic": milligrams / 1000}


def search_residents(
    query: str, *, limit: int, cursor: str | None, scope: AdminScope = PROVINCE_WIDE
) -> Page:
    """Find residents by phone number, email or part of their name, newest first; a scoped
    admin finds only those who scanned or redeemed at a shop in their area, or live there."""
    stmt = select(User).where(User.role == Role.RESIDENT, scope.resident_clause())
    query = query.strip()
    if query:
        login = normalize_login(query)
        pattern = f"%{query.lower()}%"
        matches = [func.lower(User.display_name).like(pattern), User.email.like(pattern)]
        if login is not None:
            matches.append((User.phone if login[0] == "phone" else User.email) == login[1])
        stmt = stmt.where(or_(*matches))
    return paginate(stmt, User.id, limit=limit, cursor=cursor, newest_first=True)


def get_resident(user_id: int, *, scope: AdminScope = PROVINCE_WIDE) -> Profile:
    """Return one resident's profile for an admin (NotFound for a scoped admin when the
    resident never scanned nor redeemed in their area)."""
    found = profile(user_id)
    if found.user.role != Role.RESIDENT or not _in_scope(user_id, scope):
        raise NotFound()
    return found


def _in_scope(user_id: int, scope: AdminScope) -> bool:
    if scope.province_wide:
        return True
    inside = select(User.id).where(User.id == user_id, scope.resident_clause())
    return db.session.scalar(inside) is not None


def account_events(user_id: int) -> list[AccountEvent]:
    """Return the suspensions and reinstatements of an account, newest first."""
    return list(
        db.session.scalars(
            select(AccountEvent)
            .where(AccountEvent.user_id == user_id)
            .order_by(AccountEvent.id.desc())
        )
    )


def suspend_resident(
    user_id: int, *, reason: str, actor_id: int, scope: AdminScope = PROVINCE_WIDE
) -> User:
    """Stop a resident from earning, keeping the admin's reason (a province-wide admin's
    only: a suspension holds across the programme)."""
    return _set_suspension(user_id, True, reason=reason, actor_id=actor_id, scope=scope)


def unsuspend_resident(
    user_id: int, *, reason: str, actor_id: int, scope: AdminScope = PROVINCE_WIDE
) -> User:
    """Let a suspended resident earn again, keeping the admin's reason."""
    return _set_suspension(user_id, False, reason=reason, actor_id=actor_id, scope=scope)


def _set_suspension(
    user_id: int, suspend: bool, *, reason: str, actor_id: int, scope: AdminScope
) -> User:
    scope.require_province_wide()
    resident = get_resident(user_id).user
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": ["Give a reason."]})
    now = clock.now()
    # Only a real change is recorded: suspending twice leaves one event.
    changed = db.session.execute(
        update(User)
        .where(
            User.id == user_id,
            User.suspended_at.is_(None) if suspend else User.suspended_at.isnot(None),
        )
        .values(suspended_at=now if suspend else None, suspended_reason=reason if suspend else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        kind = "suspend" if suspend else "unsuspend"
        db.session.add(
            AccountEvent(
                user_id=user_id, kind=kind, reason=reason, actor_id=actor_id, created_at=now
            )
        )
        if suspend:
            notifications.tell_suspended(user_id, reason)
    db.session.commit()
    db.session.refresh(resident)
    return resident


NOT_A_TAMBON = "Not a sub-district: give a 6-digit sub-district code (see /api/v1/areas)."
VILLAGE_WITHOUT_TAMBON = "Give the village's sub-district too."


def home_tambon(code: str) -> Area:
    """Return the sub-district a resident says they live in; ValidationFailed if `code` is
    not one."""
    area = db.session.get(Area, code)
    if area is None or area.level != AreaLevel.TAMBON:
        raise ValidationFailed({"home_tambon_code": [NOT_A_TAMBON]})
    return area


def set_home(user_id: int, changes: dict) -> None:
    """Record or clear where the user lives (a sub-district, a village number in it): only
    for the programme's area figures. A new sub-district forgets the old village number.
    (`own_profile` then reads the user as `GET /me` shows them.)"""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if "home_tambon_code" in changes:
        code = changes["home_tambon_code"]
        if code is not None:
            home_tambon(code)
        if code != user.home_tambon_code:
            user.home_village_no = None
        user.home_tambon_code = code
    if changes.get("home_village_no") is not None and user.home_tambon_code is None:
        raise ValidationFailed({"home_village_no": [VILLAGE_WITHOUT_TAMBON]})
    if "home_village_no" in changes:
        user.home_village_no = changes["home_village_no"]
    db.session.commit()
