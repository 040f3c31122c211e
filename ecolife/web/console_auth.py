"""Signing in to and out of the shop and admin consoles, and changing one's password."""

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ecolife.api.account import limit_wrong_current_passwords
from ecolife.api.auth import limit_failed_sign_ins
from ecolife.api.schemas import LoginSchema, PasswordChangeSchema
from ecolife.errors import AccountSuspended, InvalidCredentials, PermissionDenied
from ecolife.services import accounts
from ecolife.web.forms import submit
from ecolife.web.session import SESSION_KEY, console_user, home_of, sign_in, sign_out

bp = Blueprint("console_auth", __name__)

REFUSALS = {
    InvalidCredentials: lambda: _("Wrong phone number, email or password."),
    PermissionDenied: lambda: _(
        "This sign-in is for partner shops and admins. Residents use the EcoLife app."
    ),
    AccountSuspended: lambda: _("This account is suspended."),
}
# Field errors of the services, as people should read them.
SERVICE_MESSAGES = {accounts.WRONG_CURRENT_PASSWORD: _l("The current password is wrong.")}


def same_site_path(target: str | None) -> str | None:
    """Accept only a path on this site as the page to return to; None for anything else.

    Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so a
    path with either can lead to another site ("//evil.example"): any whitespace, control
    character or backslash refuses the target.
    """
    if not target or "\\" in target or any(_invisible(ch) for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. "/[x": no path of ours
        return None
    return None if parts.scheme or parts.netloc else target


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def _back_or_home(user) -> str:
    return same_site_path(request.args.get("next")) or home_of(user)


@bp.get("/login")
def login_form():
    user = console_user()
    if user is not None:
        return redirect(_back_or_home(user))
    return render_template("login.html", errors={}, refusal=None)


@bp.post("/login")
@limit_failed_sign_ins(lambda: request.form.get("login", ""))
def login():
    try:
        signed_in, errors = submit(
            LoginSchema(),
            request.form,
            lambda d: accounts.log_in_console(d["login"], d["password"]),
        )
    except tuple(REFUSALS) as exc:
        refusal = REFUSALS[type(exc)]()
        return render_template("login.html", errors={}, refusal=refusal), 401
    if errors:
        return render_template("login.html", errors=errors, refusal=None), 422
    sign_in(signed_in)
    return redirect(_back_or_home(signed_in.user))


@bp.post("/logout")
def logout():
    sign_out()
    flash(_("You are signed out."))
    return redirect(url_for("console_auth.login_form"))


def _console_user_id() -> int | None:
    user = console_user()
    return user.id if user else None


@bp.route("/account/password", methods=["GET", "POST"])
@limit_wrong_current_passwords(_console_user_id, lambda _response: g.get("wrong_password", False))
def change_password():
    """Let any console user change their password; their other sign-ins end."""
    user = console_user()
    if user is None:
        return redirect(url_for("console_auth.login_form", next=request.path))
    if request.method == "GET":
        return render_template("account_password.html", errors={})
    errors = _change_password(request.form)
    if errors:
        return render_template("account_password.html", errors=errors), 422
    flash(_("Your password is changed. You are signed out everywhere else."))
    return redirect(home_of(user))


def _change_password(form) -> dict[str, list[str]]:
    if form.get("new_password", "") != form.get("new_password_again", ""):
        return {"new_password_again": [_("The two passwords differ.")]}
    _done, errors = submit(
        PasswordChangeSchema(),
        form,
        lambda d: accounts.change_password(
            session[SESSION_KEY], d["current_password"], d["new_password"]
        ),
    )
    g.wrong_password = accounts.WRONG_CURRENT_PASSWORD in errors.get("current_password", [])
    return {
        name: [str(SERVICE_MESSAGES.get(message, message)) for message in messages]
        for name, messages in errors.items()
    }
