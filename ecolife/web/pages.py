"""Public pages: home, health check, API docs, the shop owner's (or admin's) invite form."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import text

from ecolife.errors import InviteInvalid
from ecolife.extensions import db
from ecolife.models import Role
from ecolife.services import accounts
from ecolife.web.headers import CSP
from ecolife.web.session import home_of, sign_in

bp = Blueprint("pages", __name__)
WELCOME = {
    Role.SHOP_STAFF: lambda: _("Your password is set. Welcome to your shop's console."),
    Role.ADMIN: lambda: _("Your password is set. Welcome to the admin console."),
}


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/livez")
def livez():
    """Liveness: the process answers (no database), for load balancers and benchmarks."""
    return jsonify(status="ok")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.get("/api/docs")
def api_docs():
    response = make_response(render_template("api_docs.html"))
    # Swagger UI styles its widgets with inline style attributes.
    response.headers["Content-Security-Policy"] = CSP.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
    return response


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """Check the link first; then the shop owner (or admin) sets a password and lands in
    their console."""
    try:
        invited, error = accounts.invitation(token), None
        if request.method == "POST":
            error = _password_problem(request.form)
        if request.method == "POST" and error is None:
            signed_in = accounts.accept_invite(token, request.form["password"])
            sign_in(signed_in)
            flash(WELCOME[invited.role]())
            return redirect(home_of(signed_in.user))
    except InviteInvalid:
        db.session.rollback()
        return render_template("invite_invalid.html"), 404
    return render_template("invite.html", invited=invited, error=error), 422 if error else 200


def _password_problem(form) -> str | None:
    password = form.get("password", "")
    if len(password) < 8 or len(password) > 128:
        return _("Use 8 to 128 characters.")
    if password != form.get("password_again"):
        return _("The two passwords differ.")
    return None


@bp.get("/problems/<code>")
def problem_type(code: str):
    """Explain an error code of the API: the `type` of its problem+json answers."""
    from ecolife.api.problems import PROBLEMS

    if code not in PROBLEMS:
        abort(404)
    status, title, detail = PROBLEMS[code]
    # The detail as a client sees it, with "…" where a number goes (e.g. the minutes to wait).
    text = str(detail) % _Placeholders() if "%(" in str(detail) else str(detail)
    return render_template("problem_type.html", code=code, status=status, title=title, detail=text)


class _Placeholders(dict):
    def __missing__(self, _key: str) -> str:
        return "…"


@bp.get("/lang/<code>")
def set_language(code: str):
    back = request.referrer or ""
    response = redirect(back if back.startswith(request.host_url) else url_for("pages.home"))
    if code in ("th", "en"):
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
