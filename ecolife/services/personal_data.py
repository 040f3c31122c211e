"""A resident's PDPA rights over their data: a copy of everything held (export), and erasure,
by the resident or after years without activity.

Erasing keeps the account's row, ledger, scans and redemptions under a pseudonym, so balances,
shop statements, public figures and `verify-ledger` stay as they were; only what identifies
the person goes: name, phone, e-mail, password, member card, village.
"""

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, exists, select, update

from ecolife import clock
from ecolife.errors import PermissionDenied, ValidationFailed
from ecolife.extensions import db
from ecolife.models import (
    AccountActivity,
    AuthSession,
    Notification,
    Redemption,
    RefreshToken,
    Role,
    Scan,
    User,
)
from ecolife.models.recovery import OutboxMessage, PasswordResetCode
from ecolife.security import random_code, verify_password
from ecolife.services.delivery import erase_delivery_addresses
from ecolife.services.redemptions import cancel_all_pending

log = logging.getLogger(__name__)

# The name an erased account keeps, with a short random tag so two erased accounts differ.
PSEUDONYM = "ผู้ใช้ที่ลบบัญชี {tag}"
WRONG_PASSWORD = "The password is wrong."


def erase_own_account(session_id: int, password: str) -> None:
    """Erase the personal data of a session's resident, who proves their password."""
    user = db.session.get(AuthSession, session_id).user
    if user.role != Role.RESIDENT:
        raise PermissionDenied()  # staff and admins are removed by an admin, not erased
    if not verify_password(user.password_hash, password):
        raise ValidationFailed({"password": [WRONG_PASSWORD]})
    erase_resident(user.id, clock.now(), actor_id=user.id)
    db.session.commit()


def erase_resident(user_id: int, now: datetime, *, actor_id: int | None, idle_since=None) -> bool:
    """Erase a resident's personal data in the caller's transaction; False if there was none
    to erase (already erased, or, with `idle_since`, active since then after all).

    Pending redemptions are cancelled and refunded (nobody will show their codes), and every
    session ends at once.
    """
    # Lock the row first: a scan or redemption of this resident waits, then finds no session.
    found = select(User.id).where(
        User.id == user_id, User.role == Role.RESIDENT, User.erased_at.is_(None)
    )
    if idle_since is not None:
        found = found.where(inactive_since(idle_since))
    if db.session.scalar(found.with_for_update()) is None:
        return False
    cancel_all_pending(user_id, now, actor_id=actor_id)
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            display_name=PSEUDONYM.format(tag=random_code(4)),
            phone=None,
            email=None,
            password_hash=None,
            card_code=None,
            card_pin_hash=None,
            card_pin_failures=0,
            home_village_no=None,
            erased_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # Their sessions stay (as sign-in times, under the pseudonym); the refresh tokens go.
    db.session.execute(
        delete(RefreshToken).where(
            RefreshToken.session_id.in_(
                select(AuthSession.id).where(AuthSession.user_id == user_id)
            )
        )
    )
    # Messages sent to them hold their phone or e-mail; a reset code is of no use any more.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user_id))
    db.session.execute(delete(PasswordResetCode).where(PasswordResetCode.user_id == user_id))
    # Their inbox may quote an admin's words about them (a suspension's reason).
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    # Where notifications reached them: their browsers' push addresses and their LINE account.
    erase_delivery_addresses(user_id)
    return True


def inactive_since(cutoff: datetime):
    """A WHERE clause on User: no sign-in, token refresh, scan or redemption since `cutoff`,
    and joined before it."""
    return (
        (User.created_at < cutoff)
        & ~exists().where(
            AccountActivity.user_id == User.id, AccountActivity.last_active_at >= cutoff
        )
        & ~exists().where(AuthSession.user_id == User.id, AuthSession.created_at >= cutoff)
        & ~exists().where(Scan.user_id == User.id, Scan.created_at >= cutoff)
        & ~exists().where(Redemption.user_id == User.id, Redemption.created_at >= cutoff)
    )


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment `years` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def erase_inactive() -> int:
    """Erase every resident idle for ANONYMISE_INACTIVE_AFTER_YEARS (0: never); return how
    many. Each is its own transaction, re-checked under the row lock."""
    years = current_app.config["ANONYMISE_INACTIVE_AFTER_YEARS"]
    if not years:
        return 0
    now = clock.now()
    cutoff = years_before(now, years)
    idle = select(User.id).where(
        User.role == Role.RESIDENT, User.erased_at.is_(None), inactive_since(cutoff)
    )
    erased = 0
    for user_id in db.session.scalars(idle.order_by(User.id)).all():
        erased += erase_resident(user_id, now, actor_id=None, idle_since=cutoff)
        db.session.commit()
    return erased
