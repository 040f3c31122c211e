"""A forgotten password on the console's sign-in page: ask for a code, then set a new password."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ecolife.api.password_reset import (
    ResetConfirmSchema,
    ResetRequestSchema,
    confirm_reset,
    limit_reset_requests,
    limit_wrong_codes,
)
from ecolife.errors import ResetCodeInvalid
from ecolife.models import Role
from ecolife.services import accounts, password_reset
from ecolife.web.forms import submit
from ecolife.web.session import home_of, sign_in

bp = Blueprint("password_reset_pages", __name__, url_prefix="/login")

# The login the code was asked for, to fill in the next page.
RESET_LOGIN = "reset_login"


@bp.get("/forgot")
def forgot_form():
    return render_template("password_forgot.html", errors={})


@bp.post("/forgot")
@limit_reset_requests(lambda: request.form.get("login", ""))
def forgot():
    """Send a code if the login has an account; the next page says the same either way."""
    _done, errors = submit(
        ResetRequestSchema(), request.form, lambda d: password_reset.request_reset(d["login"])
    )
    if errors:
        return render_template("password_forgot.html", errors=errors), 422
    session[RESET_LOGIN] = request.form["login"].strip()
    return redirect(url_for(".reset_form"))


@bp.get("/reset")
def reset_form():
    values = {"login": session.get(RESET_LOGIN, "")}
    return render_template("password_reset.html", values=values, errors={}, refusal=None)


@bp.post("/reset")
@limit_wrong_codes(lambda: request.form.get("login", ""))
def reset():
    """Set the new password with the code; staff and admins are signed in, residents sent to
    the app."""
    form = request.form
    if form.get("new_password", "") != form.get("new_password_again", ""):
        errors = {"new_password_again": [_("The two passwords differ.")]}
        return render_template("password_reset.html", values=form, errors=errors, refusal=None), 422
    try:
        signed_in, errors = submit(
            ResetConfirmSchema(),
            form,
            lambda d: confirm_reset(d["login"], d["code"], d["new_password"]),
        )
    except ResetCodeInvalid:
        # One answer for every refusal: it does not tell whether the login has an account.
        refusal = _(
            "This code is wrong or no longer works. Check the message, or ask for a new code."
        )
        return render_template("password_reset.html", values=form, errors={}, refusal=refusal), 422
    if errors:
        return render_template("password_reset.html", values=form, errors=errors, refusal=None), 422
    session.pop(RESET_LOGIN, None)
    if signed_in.user.role == Role.RESIDENT:
        # Residents sign in in the app, not here: this page's session is not needed.
        accounts.log_out(signed_in.session_id)
        return render_template("password_reset_done.html")
    sign_in(signed_in)
    flash(_("Your password is changed. You are signed out everywhere else."))
    return redirect(home_of(signed_in.user))
