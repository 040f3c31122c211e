"""/api/v1/rewards and /api/v1/redemptions: residents spend their points."""

from flask import Response
from marshmallow import validate

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Integer, PageArgs
from ecolife.api.files import QR_DOC, private_file
from ecolife.api.idempotency import DOC, idempotency_key
from ecolife.api.reward_schemas import (
    RedemptionPageSchema,
    RedemptionRequestSchema,
    RedemptionResultSchema,
    RedemptionSchema,
    RewardPageSchema,
    RewardSchema,
)
from ecolife.api.security import current_user, resident_only, resident_token, token_claims
from ecolife.qr import qr_png
from ecolife.services import redemptions, rewards

bp = Blueprint("rewards", __name__, url_prefix="/api/v1", description="Rewards and redemptions")


class RewardArgs(PageArgs):
    shop_id = Integer(load_default=None, validate=validate.Range(min=1))


@bp.route("/rewards")
@bp.arguments(RewardArgs, location="query")
@bp.response(200, RewardPageSchema)
def list_rewards(args):
    """List rewards residents can request now, optionally of one shop."""
    return rewards.list_rewards(shop_id=args["shop_id"], limit=args["limit"], cursor=args["cursor"])


@bp.route("/rewards/<int:reward_id>")
@bp.response(200, RewardSchema)
def get_reward(reward_id: int):
    """Show one reward residents can request."""
    return rewards.get_available_reward(reward_id)


@bp.route("/rewards/<int:reward_id>/image.jpg")
@bp.doc(responses={200: {"description": "Reward picture", "content": {"image/jpeg": {}}}})
def reward_image(reward_id: int):
    """Return a reward's picture."""
    response = Response(rewards.reward_image(reward_id), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/redemptions", methods=["POST"])
@resident_token
@bp.doc(**DOC)
@bp.arguments(RedemptionRequestSchema)
@bp.response(201, RedemptionResultSchema)
def request_redemption(data):
    """Hold a reward's points; show the code at the shop before it expires."""
    key = idempotency_key()
    return redemptions.request_redemption(token_claims(), key=key, **data)


@bp.route("/redemptions/<int:redemption_id>")
@resident_only
@bp.response(200, RedemptionSchema)
def get_redemption(redemption_id: int):
    """Show one of your redemptions."""
    return redemptions.get_own_redemption(current_user().id, redemption_id)


@bp.route("/redemptions/<int:redemption_id>/qr.png")
@resident_only
@bp.doc(**QR_DOC)
def redemption_qr(redemption_id: int):
    """Return your redemption code as a QR for the shop to scan."""
    redemption = redemptions.get_own_redemption(current_user().id, redemption_id)
    return private_file(qr_png(redemption.code, box_size=12), "image/png", "redemption.png")


@bp.route("/redemptions/<int:redemption_id>/cancel", methods=["POST"])
@resident_only
@bp.response(200, RedemptionResultSchema)
def cancel_redemption(redemption_id: int):
    """Call off a pending redemption and get the points back."""
    return redemptions.cancel_redemption(current_user().id, redemption_id)


@bp.route("/me/redemptions")
@resident_only
@bp.arguments(PageArgs, location="query")
@bp.response(200, RedemptionPageSchema)
def my_redemptions(args):
    """List your redemptions, newest first."""
    user_id = current_user().id
    return redemptions.list_own_redemptions(user_id, limit=args["limit"], cursor=args["cursor"])
