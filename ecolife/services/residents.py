"""Residents: what they see of themselves, and how admins find, suspend and reinstate them."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from ecolife import clock
from ecolife.database import read_alone
from ecolife.errors import InvalidToken, NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.identity import normalize_login
from ecolife.models import AccountEvent, Action, AuthSession, Impact, Role, User
from ecolife.pagination import Page, paginate
from ecolife.services.accounts import TokenClaims


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
        User.suspended_at.isnot(None).label("suspended"),
        User.suspended_at,
        User.suspended_reason,
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


def search_residents(query: str, *, limit: int, cursor: str | None) -> Page:
    """Find residents by phone number, email or part of their name, newest first."""
    stmt = select(User).where(User.role == Role.RESIDENT)
    query = query.strip()
    if query:
        login = normalize_login(query)
        pattern = f"%{query.lower()}%"
        matches = [func.lower(User.display_name).like(pattern), User.email.like(pattern)]
        if login is not None:
            matches.append((User.phone if login[0] == "phone" else User.email) == login[1])
        stmt = stmt.where(or_(*matches))
    return paginate(stmt, User.id, limit=limit, cursor=cursor, newest_first=True)


def get_resident(user_id: int) -> Profile:
    """Return one resident's profile for an admin."""
    found = profile(user_id)
    if found.user.role != Role.RESIDENT:
        raise NotFound()
    return found


def account_events(user_id: int) -> list[AccountEvent]:
    """Return the suspensions and reinstatements of an account, newest first."""
    return list(
        db.session.scalars(
            select(AccountEvent)
            .where(AccountEvent.user_id == user_id)
            .order_by(AccountEvent.id.desc())
        )
    )


def suspend_resident(user_id: int, *, reason: str, actor_id: int) -> User:
    """Stop a resident from earning, keeping the admin's reason."""
    return _set_suspension(user_id, suspend=True, reason=reason, actor_id=actor_id)


def unsuspend_resident(user_id: int, *, reason: str, actor_id: int) -> User:
    """Let a suspended resident earn again, keeping the admin's reason."""
    return _set_suspension(user_id, suspend=False, reason=reason, actor_id=actor_id)


def _set_suspension(user_id: int, *, suspend: bool, reason: str, actor_id: int) -> User:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": ["Give a reason."]})
    resident = get_resident(user_id).user
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
    db.session.commit()
    db.session.refresh(resident)
    return resident
