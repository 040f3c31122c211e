"""Cookie sessions of the web consoles, backed by the same revocable sessions as the API."""

from collections.abc import Callable
from functools import wraps

from flask import abort, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ecolife.extensions import db
from ecolife.models import Area, AreaLevel, Role, User
from ecolife.services import accounts
from ecolife.services.scope import AdminScope, scope_of

SESSION_KEY = "auth_session_id"


def sign_in(signed_in: accounts.SignedIn) -> None:
    """Remember the new session in the cookie (a fresh cookie, so no fixation)."""
    session.clear()
    session[SESSION_KEY] = signed_in.session_id
    session.permanent = True


def sign_out() -> None:
    """Revoke the console session and forget it."""
    session_id = session.pop(SESSION_KEY, None)
    session.clear()
    if session_id is not None:
        accounts.log_out(session_id)


def console_user() -> User | None:
    """Return the user signed in to the consoles in this browser, if any."""
    if "console_user" not in g:
        session_id = session.get(SESSION_KEY)
        auth_session = accounts.console_session(session_id) if session_id else None
        g.console_user = auth_session.user if auth_session else None
    return g.console_user


def console_scope() -> AdminScope:
    """Return what the signed-in admin may see: the whole programme or their area."""
    return scope_of(console_user())


def console_area() -> Area | None:
    """Return the area the signed-in admin manages (None: the whole province)."""
    user = console_user()
    code = user.admin_area_code if user is not None else None
    return db.session.get(Area, code) if code is not None else None


def area_label(area: Area) -> str:
    """Name a district or sub-district as people say it: "อำเภอลี้", "District Li"."""
    name = area.name(str(get_locale()))
    if area.level == AreaLevel.TAMBON:
        return _("Sub-district %(name)s", name=name)
    return _("District %(name)s", name=name)


def console_required(role: Role, *, province_wide: bool = False) -> Callable:
    """Send visitors to the sign-in page, and refuse users of another role (and, with
    `province_wide`, admins scoped to one area)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = console_user()
            if user is None:
                return redirect(
                    url_for("console_auth.login_form", next=request.full_path.rstrip("?"))
                )
            if user.role != role or (province_wide and not scope_of(user).province_wide):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def home_of(user: User) -> str:
    """Return the console a user lands on after signing in."""
    return url_for(
        "shop_console.dashboard" if user.role == Role.SHOP_STAFF else "admin_reports.impact_page"
    )
