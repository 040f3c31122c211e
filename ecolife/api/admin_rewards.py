"""/api/v1/admin: shops' rewards and per-shop statements."""

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import PageArgs
from ecolife.api.reward_schemas import (
    ManagedRewardPageSchema,
    ManagedRewardSchema,
    RewardCreateSchema,
    RewardUpdateSchema,
    StatementArgs,
    StatementSchema,
)
from ecolife.api.security import admin_only, current_scope
from ecolife.api.uploads import IMAGE_DOC, uploaded_image
from ecolife.services import reports, rewards

bp = Blueprint("admin_rewards", __name__, url_prefix="/api/v1/admin", description="Rewards (admin)")


@bp.route("/shops/<int:shop_id>/rewards", methods=["GET"])
@admin_only
@bp.arguments(PageArgs, location="query")
@bp.response(200, ManagedRewardPageSchema)
def list_rewards(args, shop_id: int):
    """List a shop's rewards, inactive ones included."""
    return rewards.list_shop_rewards(
        shop_id, limit=args["limit"], cursor=args["cursor"], scope=current_scope()
    )


@bp.route("/shops/<int:shop_id>/rewards", methods=["POST"])
@admin_only
@bp.arguments(RewardCreateSchema)
@bp.response(201, ManagedRewardSchema)
def create_reward(data, shop_id: int):
    """Add a reward to a shop."""
    return rewards.create_reward(shop_id, data, scope=current_scope())


@bp.route("/rewards/<int:reward_id>", methods=["PATCH"])
@admin_only
@bp.arguments(RewardUpdateSchema)
@bp.response(200, ManagedRewardSchema)
def update_reward(data, reward_id: int):
    """Edit a reward: names, points, stock, limits, dates; `active: false` withdraws it."""
    return rewards.update_reward(reward_id, data, scope=current_scope())


@bp.route("/rewards/<int:reward_id>/image", methods=["PUT"])
@admin_only
@bp.doc(**IMAGE_DOC)
@bp.response(200, ManagedRewardSchema)
def put_reward_image(reward_id: int):
    """Upload a reward's picture (JPEG, PNG or WebP; stored as a resized JPEG)."""
    return rewards.set_reward_image(reward_id, uploaded_image(), scope=current_scope())


@bp.route("/shops/<int:shop_id>/statement")
@admin_only
@bp.arguments(StatementArgs, location="query")
@bp.response(200, StatementSchema)
def statement(args, shop_id: int):
    """Points issued and redeemed at a shop, and its redemptions, over Bangkok days."""
    return reports.shop_statement(shop_id, args["from_"], args["to"], scope=current_scope())
