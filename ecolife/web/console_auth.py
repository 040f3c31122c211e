"""Signing in to and out of the shop and admin consoles."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ecolife.api.schemas import LoginSchema
from ecolife.errors import AccountSuspended, InvalidCredentials, PermissionDenied
from ecolife.extensions import limiter
from ecolife.identity import login_account_key
from ecolife.services import accounts
from ecolife.web.forms import submit
from ecolife.web.session import console_user, home_of, safe_next, sign_in, sign_out

bp = Blueprint("console_auth", __name__)

REFUSALS = {
    InvalidCredentials: lambda: _("Wrong phone number, email or password."),
    PermissionDenied: lambda: _(
        "This sign-in is for partner shops and admins. Residents use the EcoLife app."
    ),
    AccountSuspended: lambda: _("This account is suspended."),
}


def _login_key() -> str:
    return f"console-login:{login_account_key(request.form.get('login', ''))}"


def _failed(response) -> bool:
    return response.status_code == 401


@bp.get("/login")
def login_form():
    user = console_user()
    if user is not None:
        return redirect(safe_next(request.args.get("next")) or home_of(user))
    return render_template("login.html", errors={}, refusal=None)


@bp.post("/login")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_login_key, deduct_when=_failed
)
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
    return redirect(safe_next(request.args.get("next")) or home_of(signed_in.user))


@bp.post("/logout")
def logout():
    sign_out()
    flash(_("You are signed out."))
    return redirect(url_for("console_auth.login_form"))
