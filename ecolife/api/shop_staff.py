"""/api/v1/shop: what a partner shop's staff do at the counter."""

from ecolife.api.blueprint import Blueprint
from ecolife.api.earning_schemas import CodeRequestSchema, EarningCodeSchema
from ecolife.api.fields import PageArgs
from ecolife.api.files import POSTER_DOC, QR_DOC, poster_file, private_file
from ecolife.api.reward_schemas import (
    LookupSchema,
    ManagedRewardPageSchema,
    ManagedRewardSchema,
    RewardCreateSchema,
    RewardUpdateSchema,
    ShopConfirmedSchema,
    ShopRedemptionSchema,
    SummarySchema,
)
from ecolife.api.security import current_user, staff_only
from ecolife.api.uploads import IMAGE_DOC, uploaded_image
from ecolife.services import earning, redemptions, reports, rewards, shop_qr

bp = Blueprint("shop_staff", __name__, url_prefix="/api/v1/shop", description="Shop staff")


@bp.route("/codes", methods=["POST"])
@staff_only
@bp.arguments(CodeRequestSchema)
@bp.response(201, EarningCodeSchema)
def create_code(data):
    """Issue a single-use code for a refusal seen at the counter."""
    return earning.issue_code(current_user(), data["action"], data["quantity"])


@bp.route("/codes/<int:code_id>")
@staff_only
@bp.response(200, EarningCodeSchema)
def get_code(code_id: int):
    """Show whether a one-time code is still waiting, used or expired."""
    return earning.get_code(current_user().shop_id, code_id)


@bp.route("/codes/<int:code_id>/qr.png")
@staff_only
@bp.doc(**QR_DOC)
def code_qr(code_id: int):
    """Return the one-time code's QR as a PNG to show the customer."""
    png = earning.code_qr_png(current_user().shop_id, code_id)
    return private_file(png, "image/png", f"code-{code_id}.png")


@bp.route("/qr.png")
@staff_only
@bp.doc(**QR_DOC)
def shop_qr_png():
    """Return the staff member's own shop QR code."""
    shop_id = current_user().shop_id
    return private_file(shop_qr.shop_qr_png(shop_id), "image/png", f"shop-{shop_id}-qr.png")


@bp.route("/poster.<any(png, pdf):fmt>")
@staff_only
@bp.doc(**POSTER_DOC)
def shop_poster(fmt: str):
    """Return the staff member's own shop poster to print."""
    shop_id = current_user().shop_id
    return poster_file(shop_qr.shop_poster(shop_id, fmt), fmt, shop_id)


@bp.route("/rewards", methods=["GET"])
@staff_only
@bp.arguments(PageArgs, location="query")
@bp.response(200, ManagedRewardPageSchema)
def list_rewards(args):
    """List your shop's rewards, inactive ones included."""
    shop_id = current_user().shop_id
    return rewards.list_shop_rewards(shop_id, limit=args["limit"], cursor=args["cursor"])


@bp.route("/rewards", methods=["POST"])
@staff_only
@bp.arguments(RewardCreateSchema)
@bp.response(201, ManagedRewardSchema)
def create_reward(data):
    """Add a reward to your shop."""
    return rewards.create_reward(current_user().shop_id, data)


@bp.route("/rewards/<int:reward_id>", methods=["PATCH"])
@staff_only
@bp.arguments(RewardUpdateSchema)
@bp.response(200, ManagedRewardSchema)
def update_reward(data, reward_id: int):
    """Edit one of your shop's rewards."""
    return rewards.update_reward(reward_id, data, shop_id=current_user().shop_id)


@bp.route("/rewards/<int:reward_id>/image", methods=["PUT"])
@staff_only
@bp.doc(**IMAGE_DOC)
@bp.response(200, ManagedRewardSchema)
def put_reward_image(reward_id: int):
    """Upload a picture for one of your shop's rewards."""
    shop_id = current_user().shop_id
    return rewards.set_reward_image(reward_id, uploaded_image(), shop_id=shop_id)


@bp.route("/redemptions/lookup", methods=["POST"])
@staff_only
@bp.arguments(LookupSchema)
@bp.response(200, ShopRedemptionSchema)
def lookup_redemption(data):
    """Find a resident's redemption by the code they show or read out."""
    return redemptions.lookup_for_shop(current_user().shop_id, data["code"])


@bp.route("/redemptions/<int:redemption_id>/confirm", methods=["POST"])
@staff_only
@bp.response(200, ShopConfirmedSchema)
def confirm_redemption(redemption_id: int):
    """Confirm you handed the reward over."""
    staff = current_user()
    return {"redemption": redemptions.confirm_redemption(staff.shop_id, staff.id, redemption_id)}


@bp.route("/summary")
@staff_only
@bp.response(200, SummarySchema)
def summary():
    """Your shop's scans, points issued and redeemed, and redemptions."""
    return reports.shop_summary(current_user().shop_id)
