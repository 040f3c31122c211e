"""The admin console's resident pages: search, ledger, suspension, manual adjustments.

A scoped admin may look at the residents who scanned or redeemed in their area; balances
and suspensions are programme-wide, so changing them is for province-wide admins only.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from ecolife.errors import InsufficientPoints
from ecolife.extensions import db
from ecolife.ledger_text import describe
from ecolife.models import Role
from ecolife.pagination import Page
from ecolife.services import ledger, privacy, residents
from ecolife.web.forms import submit
from ecolife.web.schemas import AdjustmentSchema, LedgerArgs, ReasonSchema, search_args
from ecolife.web.session import console_required, console_scope, console_user

bp = Blueprint("admin_residents", __name__, url_prefix="/admin/residents")
admin_required = console_required(Role.ADMIN)
province_admin_required = console_required(Role.ADMIN, province_wide=True)
bp.add_app_template_filter(describe, "ledger_reason")


@bp.get("/")
@admin_required
def index():
    args, error = search_args(request.args)
    if error:
        empty = Page(items=[], next_cursor=None)
        return render_template("admin/residents.html", page=empty, q=args["q"], error=error), 422
    page = residents.search_residents(
        args["q"], limit=50, cursor=args["after"], scope=console_scope()
    )
    # The list shows each resident's phone or e-mail: the PDPA access log keeps who saw them.
    privacy.log_access(console_user().id, [user.id for user in page.items], privacy.RESIDENT_SEARCH)
    return render_template("admin/residents.html", page=page, q=args["q"])


@bp.get("/<int:user_id>")
@admin_required
def show(user_id: int):
    return _page(user_id, {}, {})


@bp.route("/<int:user_id>/suspension", methods=["GET", "POST"])
@province_admin_required
def suspension(user_id: int):
    """Suspending asks first: GET says what will happen and asks for the reason; POST does it."""
    resident = residents.get_resident(user_id, scope=console_scope())
    if request.method == "GET" and resident.is_suspended:
        return redirect(url_for(".show", user_id=user_id))
    if request.method == "GET":
        return _confirm_suspension(user_id, {}, {})
    suspend = request.form.get("suspend") == "1"
    change = residents.suspend_resident if suspend else residents.unsuspend_resident
    done, errors = submit(
        ReasonSchema(),
        request.form,
        lambda d: change(
            user_id, reason=d["reason"], actor_id=console_user().id, scope=console_scope()
        ),
    )
    if done is None and suspend:
        return _confirm_suspension(user_id, errors, request.form), 422
    if done is None:
        return _page(user_id, {"suspension": errors}, {"suspension": request.form}), 422
    flash(
        _("The resident is suspended.") if done.is_suspended else _("The resident can earn again.")
    )
    return redirect(url_for(".show", user_id=user_id))


@bp.post("/<int:user_id>/adjustments")
@province_admin_required
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


def _confirm_suspension(user_id: int, errors: dict, values):
    return render_template(
        "admin/resident_suspend.html",
        resident=residents.get_resident(user_id, scope=console_scope()),
        errors=errors,
        values=values,
    )


def _page(user_id: int, errors: dict, values: dict):
    given = {name: value for name, value in request.args.items() if value}  # "All shops": ""
    try:
        args = LedgerArgs().load(given, unknown="exclude")
    except ValidationError:
        args = {"shop": None, "after": None}  # a hand-edited link: show the whole ledger
    resident = residents.get_resident(user_id, scope=console_scope())
    privacy.log_access(console_user().id, [user_id], privacy.RESIDENT_PAGE)
    return render_template(
        "admin/resident.html",
        resident=resident,
        entries=ledger.history(user_id, limit=50, cursor=args["after"], shop_id=args["shop"]),
        shops=ledger.shops_in_history(user_id),
        shop_id=args["shop"],
        events=residents.account_events(user_id),
        may_change=console_scope().province_wide,
        errors=errors,
        values=values,
    )
