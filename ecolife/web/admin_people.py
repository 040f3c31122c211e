"""The admin console's resident pages: search, ledger, suspension, manual adjustments."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ecolife.errors import InsufficientPoints
from ecolife.extensions import db
from ecolife.models import Role
from ecolife.services import ledger, residents
from ecolife.web.forms import submit
from ecolife.web.schemas import AdjustmentSchema, ReasonSchema, SearchArgs
from ecolife.web.session import console_required, console_user

bp = Blueprint("admin_residents", __name__, url_prefix="/admin/residents")
admin_required = console_required(Role.ADMIN)


@bp.get("/")
@admin_required
def index():
    args = SearchArgs().load(request.args, unknown="exclude")
    page = residents.search_residents(args["q"], limit=50, cursor=args["after"])
    return render_template("admin/residents.html", page=page, q=args["q"])


@bp.get("/<int:user_id>")
@admin_required
def show(user_id: int):
    return _page(user_id, {}, {})


@bp.post("/<int:user_id>/suspension")
@admin_required
def suspension(user_id: int):
    change = (
        residents.suspend_resident
        if request.form.get("suspend") == "1"
        else residents.unsuspend_resident
    )
    done, errors = submit(
        ReasonSchema(),
        request.form,
        lambda d: change(user_id, reason=d["reason"], actor_id=console_user().id),
    )
    if done is None:
        return _page(user_id, {"suspension": errors}, {"suspension": request.form}), 422
    flash(
        _("The resident is suspended.") if done.is_suspended else _("The resident can earn again.")
    )
    return redirect(url_for(".show", user_id=user_id))


@bp.post("/<int:user_id>/adjustments")
@admin_required
def adjust(user_id: int):
    residents.get_resident(user_id)
    try:
        entry, errors = submit(
            AdjustmentSchema(),
            request.form,
            lambda d: ledger.adjust_balance(
                user_id, d["delta"], reason=d["reason"], actor_id=console_user().id
            ),
        )
    except InsufficientPoints:
        db.session.rollback()
        entry, errors = None, {"delta": [_("The balance cannot go below 0.")]}
    if entry is None:
        return _page(user_id, {"adjust": errors}, {"adjust": request.form}), 422
    flash(_("Balance adjusted by %(delta)s points.", delta=entry.delta))
    return redirect(url_for(".show", user_id=user_id))


def _page(user_id: int, errors: dict, values: dict):
    return render_template(
        "admin/resident.html",
        resident=residents.get_resident(user_id),
        entries=ledger.history(user_id, limit=50, cursor=request.args.get("after")),
        events=residents.account_events(user_id),
        errors=errors,
        values=values,
    )
