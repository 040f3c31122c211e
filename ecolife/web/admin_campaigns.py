"""The admin console's campaigns page: the list with budget used, a create form, "end now"."""

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import Select, select

from ecolife import clock, rules
from ecolife.api.admin_campaigns import CampaignCreateSchema
from ecolife.errors import ValidationFailed
from ecolife.extensions import db
from ecolife.models import Role, Shop
from ecolife.services import actions, areas, campaigns
from ecolife.services.scope import AdminScope
from ecolife.web.forms import translate_errors
from ecolife.web.session import console_required, console_scope, console_user

bp = Blueprint("admin_campaigns", __name__, url_prefix="/admin/campaigns")
admin_required = console_required(Role.ADMIN)
# The API's messages as an officer reads them on this page.
MESSAGES = {
    "The end must come after the start.": _l("The last day must not be before the first day."),
    "Give a multiplier, a bonus, or both.": _l("Give a multiplier, bonus points, or both."),
    "The campaign would already be over.": _l("The last day has already passed."),
    "Must be greater than 1 and less than or equal to 10.": _l(
        "Enter a multiplier above 1 and at most 10, such as 2."
    ),
}
# The service's messages that name what was refused, by how they start.
STARTS = {
    "Unknown action": _l("Choose kinds of refusal from the list."),
    "Give districts or sub-districts inside your area": _l(
        "Choose places inside the area you manage."
    ),
    "Unknown shop, or outside your area": _l("Choose shops inside the area you manage."),
}
LISTS = ("action_codes", "area_codes", "shop_ids")


@bp.get("/")
@admin_required
def index():
    return _page()


@bp.post("/")
@admin_required
def create():
    try:
        data = CampaignCreateSchema().load(_payload())
        saved = campaigns.create_campaign(data, actor_id=console_user().id, scope=console_scope())
    except (ValidationError, ValidationFailed) as refused:
        db.session.rollback()
        found = refused.messages if isinstance(refused, ValidationError) else refused.errors
        return _page(errors=_translated(found), values=request.form), 422
    flash(_("Campaign %(name)s created.", name=saved.name_th))
    return redirect(url_for(".index"))


@bp.route("/<int:campaign_id>/end", methods=["GET", "POST"])
@admin_required
def end(campaign_id: int):
    """Ask first (GET), then end the campaign now (POST)."""
    campaign = campaigns.get_campaign(campaign_id, console_scope())
    if request.method == "GET":
        return render_template("admin/campaign_end.html", campaign=campaign, errors={})
    campaigns.end_campaign(campaign_id, console_scope())
    flash(_("Campaign %(name)s ended.", name=campaign.name_th))
    return redirect(url_for(".index"))


def _payload() -> dict:
    """The form as the API's body: days in Bangkok (the last one included), lists, numbers."""
    form = request.form
    payload = {name: form.get(name, "").strip() or None for name in ("name_th", "name_en")}
    for name, value in (("starts_at", form.get("first_day")), ("ends_at", form.get("last_day"))):
        payload[name] = _moment(value, next_day=name == "ends_at")
    for name in ("multiplier", "bonus_points", "budget_points"):
        text = form.get(name, "").strip()
        payload[name] = (text if name == "multiplier" else _number(text)) if text else None
    for name in LISTS:
        chosen = [v for v in form.getlist(name) if v]
        payload[name] = [int(v) if name == "shop_ids" else v for v in chosen if _fits(name, v)]
    return {name: value for name, value in payload.items() if value is not None or name in LISTS}


def _moment(text: str | None, *, next_day: bool) -> str | None:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return text or None
    return rules.bangkok_midnight(day + timedelta(days=1 if next_day else 0)).isoformat()


def _number(text: str):
    return int(text) if _digits(text) else text


def _fits(name: str, value: str) -> bool:
    return _digits(value) if name == "shop_ids" else True


def _digits(text: str) -> bool:
    # ASCII only: str.isdigit() also says yes to "²" or "๓", which int() refuses or reads.
    return text.isascii() and text.isdigit()


def _translated(errors: dict) -> dict:
    renamed = {"starts_at": "first_day", "ends_at": "last_day"}
    flat = translate_errors({renamed.get(k, k): v for k, v in errors.items()})
    return {k: [_message(m) for m in messages] for k, messages in flat.items()}


def _message(message: str) -> str:
    for start, said in STARTS.items():
        if message.startswith(start):
            return str(said)
    return str(MESSAGES.get(message, message))


def _page(errors: dict | None = None, values=None):
    scope = console_scope()
    found = campaigns.list_campaigns(scope)
    today = clock.now().astimezone(rules.BANGKOK).date()
    return render_template(
        "admin/campaigns.html",
        campaigns=found,
        names=campaigns.names_for(found),
        now=clock.now(),
        # The last day shown is the one before the end (which is the next day's midnight).
        one_microsecond=timedelta(microseconds=1),
        status=campaigns.status,
        actions=actions.list_actions(),
        districts=[
            (district, tambons)
            for district, tambons in areas.tambons_by_district()
            if scope.covers(district.code) or any(scope.covers(t.code) for t in tambons)
        ],
        scope=scope,
        shops=list(db.session.execute(_shops(scope))),
        errors=errors or {},
        values=values or {"first_day": today.isoformat()},
        chosen={name: (values.getlist(name) if values else []) for name in LISTS},
    )


def _shops(scope: AdminScope) -> Select:
    """The active shops the admin may limit a campaign to, by name."""
    return (
        select(Shop.id, Shop.name)
        .where(scope.shop_clause(), Shop.active)
        .order_by(Shop.name)
        .limit(1000)
    )
