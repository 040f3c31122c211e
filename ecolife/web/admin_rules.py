"""The admin console's rules page: points and grams per action, cooldown and caps."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ecolife.api.earning_schemas import ActionCreateSchema, ActionUpdateSchema, LimitsUpdateSchema
from ecolife.models import Role
from ecolife.services import actions, settings
from ecolife.web.forms import submit
from ecolife.web.session import console_required

bp = Blueprint("console_rules", __name__, url_prefix="/admin/rules")
# Programme-wide rules: province-wide admins only.
admin_required = console_required(Role.ADMIN, province_wide=True)
LIMITS = (
    "scan_cooldown_seconds",
    "daily_scans_per_shop",
    "daily_scans",
    "max_quantity",
    "code_ttl_seconds",
    "redemption_ttl_seconds",
    "card_credits_per_shop_per_day",
)
# Optional: left empty, points never expire.
OPTIONAL_LIMITS = ("points_expire_after_months",)


@bp.get("/")
@admin_required
def index():
    return _page()


@bp.post("/actions/<code>")
@admin_required
def update_action(code: str):
    saved, errors = submit(
        ActionUpdateSchema(),
        request.form,
        lambda d: actions.update_action(code, d),
        checkboxes=("active",),
        required=("name_th", "name_en", "points", "grams"),
    )
    if saved is None:
        return _page(action_errors={code: errors}, action_values={code: request.form}), 422
    flash(_("%(name)s saved.", name=saved.name_th))
    return redirect(url_for(".index"))


@bp.post("/actions")
@admin_required
def create_action():
    saved, errors = submit(ActionCreateSchema(), request.form, actions.create_action)
    if saved is None:
        return _page(new_errors=errors, new_values=request.form), 422
    flash(_("%(name)s added.", name=saved.name_th))
    return redirect(url_for(".index"))


@bp.post("/limits")
@admin_required
def update_limits():
    saved, errors = submit(
        LimitsUpdateSchema(), request.form, settings.update_limits, required=LIMITS
    )
    if saved is None:
        return _page(limit_errors=errors, limit_values=request.form), 422
    flash(_("Limits saved."))
    return redirect(url_for(".index"))


def _page(**forms):
    limits = settings.current_limits()
    return render_template(
        "admin/rules.html",
        actions=actions.list_actions(include_inactive=True),
        limits=limits,
        limit_values=forms.get("limit_values") or _shown(limits),
        limit_errors=forms.get("limit_errors", {}),
        action_errors=forms.get("action_errors", {}),
        action_values=forms.get("action_values", {}),
        new_errors=forms.get("new_errors", {}),
        new_values=forms.get("new_values", {}),
    )


def _shown(limits) -> dict:
    shown = {n: getattr(limits, n) for n in LIMITS + OPTIONAL_LIMITS}
    return {n: "" if value is None else value for n, value in shown.items()}
