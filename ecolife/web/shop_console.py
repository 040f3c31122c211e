"""The shop console at /shop: the shop's QR, counter codes, redemptions, rewards, numbers."""

from datetime import timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ecolife import clock, rules
from ecolife.api.earning_schemas import CodeRequestSchema
from ecolife.api.files import poster_file, private_file
from ecolife.errors import NotFound, NotPending
from ecolife.links import qr_link
from ecolife.models import Role
from ecolife.services import (
    actions,
    counter_codes,
    earning,
    impact,
    redemptions,
    reports,
    shop_qr,
    shops,
)
from ecolife.web.forms import submit
from ecolife.web.session import console_required, console_user

bp = Blueprint("shop_console", __name__, url_prefix="/shop")
staff_required = console_required(Role.SHOP_STAFF)
CHART_DAYS = 14
RECENT = 5  # rows of each list on the overview; their own pages show more
PAGE_SIZE = 20
# Why a resident's scan of a counter code was refused, as the staff should hear it.
REFUSALS = {
    "daily_cap_reached": _l(
        "The customer has reached today's points limit and got no points. Cancel this code."
    ),
    "cooldown_active": _l(
        "The customer earned points at this shop a moment ago and must wait before earning "
        "again. Cancel this code."
    ),
    "account_suspended": _l("The customer's account is suspended: no points. Cancel this code."),
    "shop_inactive": _l("This shop is suspended: residents cannot earn points here."),
}
REFUSED = _l("The customer's scan was refused. Cancel this code.")


def _shop_id() -> int:
    return console_user().shop_id


@bp.get("/")
@staff_required
def dashboard():
    today = rules.bangkok_day_start(clock.now()).date()
    days = impact.daily_impact(today - timedelta(days=CHART_DAYS - 1), today, shop_id=_shop_id())
    return render_template(
        "shop/dashboard.html",
        shop=shops.get_shop(_shop_id(), include_inactive=True),
        summary=reports.shop_summary(_shop_id()),
        days=days,
        pending=redemptions.list_pending_for_shop(_shop_id(), limit=RECENT, cursor=None),
        scans=reports.list_shop_scans(_shop_id(), limit=RECENT, cursor=None),
    )


@bp.get("/pending")
@staff_required
def pending():
    page = redemptions.list_pending_for_shop(
        _shop_id(), limit=PAGE_SIZE, cursor=request.args.get("after")
    )
    return render_template("shop/pending.html", page=page)


@bp.get("/scans")
@staff_required
def scans():
    page = reports.list_shop_scans(_shop_id(), limit=PAGE_SIZE, cursor=request.args.get("after"))
    return render_template("shop/scans.html", page=page)


@bp.get("/qr")
@staff_required
def qr():
    shop = shops.get_shop(_shop_id(), include_inactive=True)
    return render_template("shop/qr.html", shop=shop, url=qr_link(shop.qr_token))


@bp.get("/qr.png")
@staff_required
def qr_png_file():
    return private_file(shop_qr.shop_qr_png(_shop_id()), "image/png", "shop-qr.png")


@bp.get("/poster.<any(png, pdf):fmt>")
@staff_required
def poster(fmt: str):
    return poster_file(shop_qr.shop_poster(_shop_id(), fmt), fmt, _shop_id())


@bp.route("/counter", methods=["GET", "POST"])
@staff_required
def counter():
    errors = {}
    if request.method == "POST":
        code, errors = submit(
            CodeRequestSchema(),
            request.form,
            lambda d: earning.issue_code(console_user(), d["action"], d["quantity"]),
        )
        if code is not None:
            return redirect(url_for(".code", code_id=code.id))
    status = 422 if errors else 200
    return render_template(
        "shop/counter.html", actions=actions.list_actions(), errors=errors, values=request.form
    ), status


@bp.get("/codes/<int:code_id>")
@staff_required
def code(code_id: int):
    earning_code = earning.get_code(_shop_id(), code_id)
    short_code = earning_code.short_code and counter_codes.short_code_form(earning_code.short_code)
    return render_template(
        "shop/code.html",
        code=earning_code,
        status=_code_status(earning_code),
        short_code=short_code,
    )


@bp.get("/codes/<int:code_id>/status")
@staff_required
def code_status(code_id: int):
    return jsonify(_code_status(earning.get_code(_shop_id(), code_id)))


@bp.post("/codes/<int:code_id>/cancel")
@staff_required
def cancel_code(code_id: int):
    if counter_codes.cancel_code(_shop_id(), code_id):
        flash(_("The code is cancelled: nobody can scan it now."))
        return redirect(url_for(".counter"))
    flash(
        _("This code could not be cancelled: it was already scanned, or it has expired."), "error"
    )
    return redirect(url_for(".code", code_id=code_id))


@bp.get("/codes/<int:code_id>/qr.png")
@staff_required
def code_qr(code_id: int):
    png = earning.code_qr_png(_shop_id(), code_id)
    return private_file(png, "image/png", f"code-{code_id}.png")


def _code_status(earning_code) -> dict:
    now = clock.now()
    seconds_left = max(0, int((earning_code.expires_at - now).total_seconds()))
    status = earning_code.status(now)
    refusal = None
    if status == "active" and earning_code.refused_code:
        refusal = str(REFUSALS.get(earning_code.refused_code, REFUSED))
    return {"status": status, "seconds_left": seconds_left, "refusal": refusal}


@bp.get("/redeem")
@staff_required
def redeem():
    code_text = request.args.get("code", "").strip()
    if not code_text:
        return render_template("shop/redeem.html", code="", problem=None)
    try:
        redemption = redemptions.lookup_for_shop(_shop_id(), code_text)
    except NotFound:
        problem = _(
            "No redemption with this code at your shop. Check the code, or the reward "
            "may belong to another shop."
        )
        return render_template("shop/redeem.html", code=code_text, problem=problem), 404
    return redirect(url_for(".redemption", redemption_id=redemption.id))


@bp.get("/redemptions/<int:redemption_id>")
@staff_required
def redemption(redemption_id: int):
    found = redemptions.get_shop_redemption(_shop_id(), redemption_id)
    return render_template("shop/redemption.html", redemption=found, now=clock.now())


@bp.post("/redemptions/<int:redemption_id>/confirm")
@staff_required
def confirm(redemption_id: int):
    try:
        redemptions.confirm_redemption(_shop_id(), console_user().id, redemption_id)
    except NotPending:
        flash(_("This redemption could not be confirmed: it is no longer waiting."), "error")
    else:
        flash(_("Confirmed. Hand the reward over."))
    return redirect(url_for(".redemption", redemption_id=redemption_id))
