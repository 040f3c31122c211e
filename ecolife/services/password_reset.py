"""Forgotten passwords: a 6-digit code by SMS or e-mail, then a new password; and the admins'
new invites for shop staff (a re-sent invite, a reset password).

Asking for a code does the same work whether or not the account exists: the request only
queues a job with the login typed, and the worker looks the account up, makes the code and
puts it in the outbox. A refused code gets one answer (ResetCodeInvalid) whether the code is
wrong, expired, replaced or used, or the login has no account. A code is stored as an HMAC
(its key derived from SECRET_KEY for this use only), lives 15 minutes and ends after 5 wrong
tries; a new request replaces it but keeps the wrong tries counted while the old one was live.
Setting the new password ends every earlier session and every unused invite of the account.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert

from ecolife import clock
from ecolife.errors import NotFound, ResetCodeInvalid
from ecolife.extensions import db
from ecolife.identity import normalize_login
from ecolife.links import invite_link
from ecolife.models import AuthSession, Channel, Invite, PasswordResetCode, Role, Shop, User
from ecolife.services import outbox
from ecolife.services.accounts import (
    SignedIn,
    create_invite,
    find_by_login,
    open_session,
    set_password,
)
from ecolife.services.scope import PROVINCE_WIDE, AdminScope

CODE_TTL = timedelta(minutes=15)
MAX_TRIES = 5
CODE_DIGITS = 6
# The purpose the codes' HMAC key is derived for (from SECRET_KEY).
KEY_PURPOSE = b"password-reset"

# The messages, in the account's language (they are sent, not shown on a page).
RESET_SUBJECT = {"th": "รหัสตั้งรหัสผ่านใหม่ EcoLife", "en": "Your EcoLife password reset code"}
RESET_BODY = {
    "th": "รหัสสำหรับตั้งรหัสผ่านใหม่ของ EcoLife คือ {code} ใช้ได้ 15 นาที หากคุณไม่ได้ขอ ไม่ต้องทำอะไร",
    "en": "Your EcoLife password reset code is {code}. It works for 15 minutes. "
    "If you did not ask for it, do nothing.",
}
INVITE_SUBJECT = {"th": "ตั้งรหัสผ่าน EcoLife ของร้าน {shop}", "en": "Set your EcoLife password: {shop}"}
INVITE_BODY = {
    "th": "ตั้งรหัสผ่านสำหรับร้าน {shop} ในระบบ EcoLife ที่ลิงก์นี้ (ใช้ได้ 7 วัน): {link}",
    "en": "Set the password of {shop} on EcoLife with this link (works for 7 days): {link}",
}


def request_reset(login: str) -> None:
    """Ask for a reset code for this login: queue the job that sends it, if there is an
    account. It never reads the accounts, so a known and an unknown login cost the same."""
    from ecolife.jobs import defer_reset_request

    defer_reset_request(login.strip()[:254])
    db.session.commit()


def send_reset_code(login: str) -> None:
    """(In the worker.) Make a new code for the account with this phone or e-mail, if there
    is one that may reset its password, and put it in the outbox."""
    user = _resettable(login)
    if user is None:
        db.session.rollback()
        return
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = clock.now()
    values = dict(
        user_id=user.id,
        code_hash=_code_hash(user.id, code),
        created_at=now,
        expires_at=now + CODE_TTL,
        failures=0,
    )
    # One live code per account: a new request replaces the earlier one (the unique key), but
    # the wrong tries against a code still live stay counted (asking again gives no new tries).
    table = PasswordResetCode.__table__
    upsert = insert(PasswordResetCode).values(**values)
    kept = case((table.c.expires_at > now, table.c.failures), else_=0)
    db.session.execute(
        upsert.on_conflict_do_update(index_elements=["user_id"], set_={**values, "failures": kept})
    )
    channel, to = _address(user, login)
    _send(user, channel, to, RESET_SUBJECT, RESET_BODY, expires_at=now + CODE_TTL, code=code)
    db.session.commit()


def confirm_reset(login: str, code: str, new_password: str) -> SignedIn:
    """Set a new password with the code sent; end every earlier session and unused invite, and
    sign in. Any refusal is ResetCodeInvalid, for a known login as for an unknown one."""
    user = _resettable(login)
    found = (
        None
        if user is None
        else db.session.scalar(
            select(PasswordResetCode).where(PasswordResetCode.user_id == user.id).with_for_update()
        )
    )
    now = clock.now()
    if found is None or found.expires_at <= now or found.failures >= MAX_TRIES:
        db.session.rollback()
        raise ResetCodeInvalid()
    if not hmac.compare_digest(found.code_hash, _code_hash(user.id, code.strip())):
        found.failures += 1
        db.session.commit()
        raise ResetCodeInvalid()
    db.session.delete(found)
    set_password(user, new_password)
    # An invite link sent earlier would set another password: it stops working.
    _expire_invites(user, now)
    signed_in = open_session(user)
    db.session.commit()
    return signed_in


def _resettable(login: str) -> User | None:
    """The account a login names, if it may reset its password (not erased)."""
    user = find_by_login(login)
    return None if user is None or user.erased_at is not None else user


def _address(user: User, login: str) -> tuple[str, str]:
    """Where the code goes: an SMS to a phone login, an e-mail to an e-mail login."""
    kind, _value = normalize_login(login)
    return (Channel.EMAIL, user.email) if kind == "email" else (Channel.SMS, user.phone)


def _send(
    user: User, channel: str, to: str, subjects: dict, bodies: dict, expires_at=None, **values
) -> None:
    """Put a message in the account's language (Thai unless English) into the outbox; an
    e-mail gets a subject, an SMS none; one with expires_at is not sent after it."""
    locale = user.locale if user.locale in bodies else "th"
    subject = subjects[locale].format(**values) if channel == Channel.EMAIL else None
    outbox.send(
        channel=channel,
        to=to,
        user_id=user.id,
        subject=subject,
        body=bodies[locale].format(**values),
        expires_at=expires_at,
    )


def _code_hash(user_id: int, code: str) -> str:
    return hmac.new(_code_key(), f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_key() -> bytes:
    """The codes' own key, derived from SECRET_KEY: no other use of SECRET_KEY shares it."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, KEY_PURPOSE, hashlib.sha256).digest()


@dataclass(frozen=True)
class NewInvite:
    user: User
    invite_url: str
    sent_to: str


def shop_staff(shop_id: int, *, scope: AdminScope = PROVINCE_WIDE) -> list[User]:
    """The staff accounts of a shop inside the admin's area (NotFound outside it)."""
    scope.check_shop(db.session.get(Shop, shop_id))
    stmt = select(User).where(User.shop_id == shop_id, User.role == Role.SHOP_STAFF)
    return list(db.session.scalars(stmt.order_by(User.id)))


def staff_member(shop_id: int, user_id: int, *, scope: AdminScope = PROVINCE_WIDE) -> User:
    """One staff account of a shop inside the admin's area; NotFound for anyone else."""
    for user in shop_staff(shop_id, scope=scope):
        if user.id == user_id:
            return user
    raise NotFound()


def reinvite_staff(
    shop_id: int, user_id: int, *, reset_password: bool, scope: AdminScope = PROVINCE_WIDE
) -> NewInvite:
    """Give a shop's staff member a new invite link (the earlier unused ones stop working),
    sent by the outbox; with reset_password their password is cleared first. Either way their
    sessions end."""
    user = staff_member(shop_id, user_id, scope=scope)
    # Hold the account's row: two admins at once give one live invite (the second waits,
    # then expires the first one's invite with the rest).
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    now = clock.now()
    _expire_invites(user, now)
    db.session.execute(delete(PasswordResetCode).where(PasswordResetCode.user_id == user.id))
    if reset_password:
        user.password_hash = None
    _end_sessions(user)
    token, _invite = create_invite(user)
    link = invite_link(token)
    shop_name = db.session.get(Shop, shop_id).name
    channel, to = (Channel.EMAIL, user.email) if user.email else (Channel.SMS, user.phone)
    _send(user, channel, to, INVITE_SUBJECT, INVITE_BODY, shop=shop_name, link=link)
    db.session.commit()
    return NewInvite(user, link, to)


def _expire_invites(user: User, now) -> None:
    """End the user's unused invite links."""
    db.session.execute(
        update(Invite)
        .where(Invite.user_id == user.id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(expires_at=now)
    )


def _end_sessions(user: User) -> None:
    """Revoke every session of the user (their refresh tokens stop with them)."""
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    from ecolife.services.web_push import forget_browsers  # pushes stop with the sessions

    forget_browsers(user.id)
