"""Sign-up, sign-in, token rotation, sign-out and password changes."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ecolife import clock
from ecolife.errors import (
    AccountExists,
    AccountSuspended,
    InvalidCredentials,
    InvalidToken,
    InviteInvalid,
    PermissionDenied,
    ValidationFailed,
)
from ecolife.extensions import db
from ecolife.identity import normalize_login
from ecolife.models import Area, AuthSession, Invite, RefreshToken, Role, Shop, User
from ecolife.security import (
    decode_access_token,
    encode_access_token,
    hash_password,
    password_needs_rehash,
    random_token,
    token_digest,
    verify_password,
)
from ecolife.services.card_codes import ensure_card
from ecolife.services.privacy import note_activity, record_consent
from ecolife.services.scope import admin_area

# A field error of change_password (English, like marshmallow's; the consoles translate it).
WRONG_CURRENT_PASSWORD = "The current password is wrong."


@dataclass(frozen=True)
class SignedIn:
    user: User
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: int


def register_resident(
    *,
    password: str,
    display_name: str,
    phone: str | None = None,
    email: str | None = None,
    locale: str = "th",
    privacy_notice_version: int | None = None,
) -> SignedIn:
    """Create a resident account with its member card and sign it in; with
    `privacy_notice_version`, keep that they accepted that version of the privacy notice
    (the one in force)."""
    user = User(
        phone=phone,
        email=email,
        display_name=display_name,
        locale=locale,
        role=Role.RESIDENT,
        password_hash=hash_password(password),
    )
    add_account(user)
    ensure_card(user)  # the member card is made now: reading it never writes
    signed_in = open_session(user)
    if privacy_notice_version is not None:
        record_consent(user.id, privacy_notice_version, clock.now())
    db.session.commit()
    return signed_in


def create_admin(
    *, email: str, password: str, display_name: str = "Admin", area_code: str | None = None
) -> User:
    """Create an admin account, or reset the password of the admin with that email; with
    `area_code` the admin manages that district or sub-district only (the province's code:
    the whole province again)."""
    area = admin_area(area_code)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.role != Role.ADMIN:
        raise AccountExists()
    if user is None:
        user = User(email=email, display_name=display_name, role=Role.ADMIN)
        add_account(user)
    if area_code is not None:
        user.admin_area_code = area.code if area else None
    set_password(user, password)
    db.session.commit()
    return user


def change_password(session_id: int, current_password: str, new_password: str) -> None:
    """Change the password of a session's user, who proves the current one; end the others."""
    auth_session = db.session.get(AuthSession, session_id)
    user = auth_session.user
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed({"current_password": [WRONG_CURRENT_PASSWORD]})
    set_password(user, new_password, keep_session_id=session_id)
    db.session.commit()


def set_password(user: User, password: str, *, keep_session_id: int | None = None) -> None:
    """Set a user's password and revoke their sessions but `keep_session_id`.

    Every password change goes through here, so no session outlives the password it began with.
    """
    user.password_hash = hash_password(password)
    # Revoking a session refuses its access tokens and its refresh tokens at once.
    revoke = update(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        revoke = revoke.where(AuthSession.id != keep_session_id)
    db.session.execute(revoke.values(revoked_at=clock.now()))
    # Pushes stop with the sessions: a lost phone's browser gets no more notifications.
    from ecolife.services.web_push import forget_browsers

    forget_browsers(user.id)


def log_in(login: str, password: str) -> SignedIn:
    """Check a phone-or-email and password and open a new session."""
    signed_in = open_session(_verified_user(login, password))
    db.session.commit()
    return signed_in


def log_in_console(login: str, password: str) -> SignedIn:
    """Sign shop staff or an admin in to the web consoles; residents use the app."""
    user = _verified_user(login, password)
    if user.role == Role.RESIDENT:
        db.session.rollback()
        raise PermissionDenied()
    if user.is_suspended:
        db.session.rollback()
        raise AccountSuspended()
    signed_in = open_session(user)
    db.session.commit()
    return signed_in


def console_session(session_id: int) -> AuthSession | None:
    """Return a web console session while it is live: not signed out, not expired."""
    auth_session = db.session.get(AuthSession, session_id)
    if (
        auth_session is None
        or auth_session.revoked_at is not None
        or auth_session.expires_at <= clock.now()
        or auth_session.user.is_suspended
    ):
        return None
    return auth_session


def refresh_session(refresh_token: str) -> SignedIn:
    """Swap a refresh token for a new pair; a reused token revokes its whole session."""
    now = clock.now()
    digest = token_digest(refresh_token)
    # Mark used in one statement so two concurrent refreshes cannot both win.
    session_id = db.session.scalar(
        update(RefreshToken)
        .where(RefreshToken.token_hash == digest, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .returning(RefreshToken.session_id)
    )
    if session_id is None:
        _revoke_if_reused(digest)
        raise InvalidToken()
    auth_session = db.session.get(AuthSession, session_id)
    if auth_session.revoked_at is not None or auth_session.expires_at <= now:
        db.session.rollback()
        raise InvalidToken()
    signed_in = _issue_tokens(auth_session)
    db.session.commit()
    return signed_in


def log_out(session_id: int) -> None:
    """Revoke a session: its access and refresh tokens stop working at once."""
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    db.session.commit()


@dataclass(frozen=True)
class TokenClaims:
    """What a verified access token says: whose it is, of which session, in which role."""

    user_id: int
    session_id: int
    role: str


def read_access_token(access_token: str) -> TokenClaims:
    """Verify an access token's signature and expiry (no database), returning its claims."""
    claims = decode_access_token(current_app.config["SECRET_KEY"], access_token)
    subject = claims.get("sub")
    if not (isinstance(subject, str) and subject.isdigit()):
        raise InvalidToken()
    return TokenClaims(int(subject), claims["sid"], str(claims.get("role")))


def live_session(claims: TokenClaims) -> AuthSession:
    """Return the session behind verified claims (user loaded) while it is not signed out."""
    auth_session = db.session.get(AuthSession, claims.session_id)
    if (
        auth_session is None
        or auth_session.revoked_at is not None
        or auth_session.user_id != claims.user_id
    ):
        raise InvalidToken()
    return auth_session


def authenticate(access_token: str) -> AuthSession:
    """Return the live session behind an access token (with its user loaded)."""
    return live_session(read_access_token(access_token))


@dataclass(frozen=True)
class Invitation:
    role: str
    shop_name: str | None  # None for an invited admin
    area: Area | None = None  # the area an invited admin will manage (None: the province)


def invitation(token: str) -> Invitation:
    """Say whom an open invite is for (a shop owner and their shop, or an admin and the area
    they will manage); InviteInvalid if used, expired or made up.

    Read only: the invite page checks its link before showing the form; accept_invite decides.
    """
    found = db.session.execute(
        select(User.role, Shop.name, Area)
        .select_from(Invite)
        .join(User, User.id == Invite.user_id)
        .outerjoin(Shop, Shop.id == User.shop_id)
        .outerjoin(Area, Area.code == User.admin_area_code)
        .where(
            Invite.token_hash == token_digest(token),
            Invite.used_at.is_(None),
            Invite.expires_at > clock.now(),
        )
    ).first()
    if found is None:
        raise InviteInvalid()
    return Invitation(*found)


def accept_invite(token: str, password: str) -> SignedIn:
    """Let an invited shop owner or admin set a password, once, before the invite expires."""
    now = clock.now()
    user_id = db.session.scalar(
        update(Invite)
        .where(
            Invite.token_hash == token_digest(token),
            Invite.used_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_at=now)
        .returning(Invite.user_id)
    )
    if user_id is None:
        db.session.rollback()
        raise InviteInvalid()
    user = db.session.get(User, user_id)
    set_password(user, password)
    signed_in = open_session(user)
    db.session.commit()
    return signed_in


def add_account(user: User) -> None:
    """Add a new account, turning a duplicate phone or email into AccountExists."""
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise AccountExists() from exc


def create_invite(user: User) -> tuple[str, Invite]:
    """Add a one-time invite for a user; return the secret token and the row."""
    token = random_token()
    invite = Invite(
        user_id=user.id,
        token_hash=token_digest(token),
        expires_at=clock.now() + current_app.config["INVITE_TTL"],
    )
    db.session.add(invite)
    return token, invite


def _verified_user(login: str, password: str) -> User:
    user = find_by_login(login)
    if user is None or not verify_password(user.password_hash, password):
        raise InvalidCredentials()
    # Hold the account's row until the new session is committed: a password change that
    # committed meanwhile is seen here (the old password no longer counts), and one that
    # comes later waits for this sign-in and then revokes its session with the others.
    current = db.session.scalar(
        select(User.password_hash).where(User.id == user.id).with_for_update(read=True)
    )
    if current != user.password_hash:
        db.session.rollback()
        raise InvalidCredentials()
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def find_by_login(login: str) -> User | None:
    parsed = normalize_login(login)
    if parsed is None:
        return None
    column = User.email if parsed[0] == "email" else User.phone
    return db.session.scalar(select(User).where(column == parsed[1]))


def _revoke_if_reused(digest: str) -> None:
    used = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest))
    if used is None:
        db.session.rollback()
        return
    # A refresh token seen twice was copied: end the session for both holders.
    db.session.execute(
        update(AuthSession).where(AuthSession.id == used.session_id).values(revoked_at=clock.now())
    )
    db.session.commit()


def open_session(user: User) -> SignedIn:
    auth_session = AuthSession(
        user=user, expires_at=clock.now() + current_app.config["REFRESH_TOKEN_TTL"]
    )
    db.session.add(auth_session)
    db.session.flush()
    return _issue_tokens(auth_session)


def _issue_tokens(auth_session: AuthSession) -> SignedIn:
    config = current_app.config
    refresh_token = random_token()
    db.session.add(RefreshToken(session_id=auth_session.id, token_hash=token_digest(refresh_token)))
    ttl = config["ACCESS_TOKEN_TTL"]
    user = auth_session.user
    # A sign-in or refresh is activity: inactive accounts are erased after years (PDPA).
    note_activity(user.id, clock.now())
    access_token = encode_access_token(
        config["SECRET_KEY"],
        user_id=user.id,
        session_id=auth_session.id,
        role=user.role,
        now=clock.now(),
        ttl=ttl,
    )
    return SignedIn(user, access_token, refresh_token, int(ttl.total_seconds()), auth_session.id)
