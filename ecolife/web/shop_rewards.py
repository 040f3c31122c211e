"""The shop console's reward pages: list, add, edit (stock, dates, picture, on/off)."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ecolife import rules
from ecolife.api.reward_schemas import RewardCreateSchema, RewardUpdateSchema
from ecolife.errors import ImageTooLarge, InvalidImage
from ecolife.extensions import db
from ecolife.models import Reward, Role
from ecolife.services import rewards
from ecolife.web.forms import submit
from ecolife.web.session import console_required, console_user

bp = Blueprint("shop_rewards", __name__, url_prefix="/shop/rewards")
staff_required = console_required(Role.SHOP_STAFF)
CHECKBOXES = ("active",)


@bp.get("/")
@staff_required
def index():
    page = rewards.list_shop_rewards(
        console_user().shop_id, limit=100, cursor=request.args.get("after")
    )
    return render_template("shop/rewards.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    values, errors = request.form if request.method == "POST" else {"active": "on"}, {}
    if request.method == "POST":
        reward, errors = _save(
            RewardCreateSchema(),
            lambda d: rewards.create_reward(console_user().shop_id, d, image=_picture()),
        )
        if reward is not None:
            flash(_("Reward added."))
            return redirect(url_for(".index"))
    return _form(None, values, errors)


@bp.route("/<int:reward_id>", methods=["GET", "POST"])
@staff_required
def edit(reward_id: int):
    shop_id = console_user().shop_id
    reward = rewards.get_reward(reward_id, shop_id=shop_id)
    values, errors = request.form if request.method == "POST" else form_values(reward), {}
    if request.method == "POST":
        saved, errors = _save(
            RewardUpdateSchema(),
            lambda d: rewards.update_reward(reward_id, d, shop_id=shop_id, image=_picture()),
        )
        if saved is not None:
            flash(_("Reward saved."))
            return redirect(url_for(".index"))
    return _form(reward, values, errors)


def _save(schema, action):
    try:
        return submit(
            schema, request.form, action, checkboxes=CHECKBOXES, required=("name_th", "points")
        )
    except InvalidImage:
        db.session.rollback()
        return None, {"image": [_("Upload a JPEG, PNG or WebP image (at most 4 MB).")]}
    except ImageTooLarge as exc:
        db.session.rollback()
        message = _(
            "This image has too many pixels. Upload one of at most %(megapixels)s megapixels.",
            megapixels=exc.params["megapixels"],
        )
        return None, {"image": [message]}


def _picture() -> bytes | None:
    upload = request.files.get("image")
    data = upload.read() if upload is not None else b""
    return data or None


def _form(reward: Reward | None, values, errors):
    status = 422 if errors else 200
    return render_template(
        "shop/reward_form.html", reward=reward, values=values, errors=errors
    ), status


def form_values(reward: Reward) -> dict:
    """Show a reward in its form: empty for none, dates as Bangkok days."""
    values = {
        name: "" if getattr(reward, name) is None else str(getattr(reward, name))
        for name in rewards.REWARD_FIELDS
        if name not in ("active", "active_from", "active_to")
    }
    if reward.active:
        values["active"] = "on"
    if reward.active_from:
        values["active_from"] = reward.active_from.astimezone(rules.BANGKOK).date().isoformat()
    if reward.active_to:
        last = reward.active_to - timedelta(microseconds=1)
        values["active_to"] = last.astimezone(rules.BANGKOK).date().isoformat()
    return values
