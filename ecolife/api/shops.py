"""/api/v1/shops: the public list of partner shops."""

from ecolife.api.blueprint import Blueprint
from ecolife.api.reward_schemas import ShopDetailSchema
from ecolife.api.schemas import ShopListArgs, ShopPageSchema
from ecolife.services import rewards, shops

bp = Blueprint("shops", __name__, url_prefix="/api/v1/shops", description="Partner shops")


@bp.route("")
@bp.arguments(ShopListArgs, location="query")
@bp.response(200, ShopPageSchema)
def list_shops(args):
    """List active partner shops; `q` finds shops by name or district."""
    return shops.list_shops(limit=args["limit"], cursor=args["cursor"], search=args["q"])


@bp.route("/<int:shop_id>")
@bp.response(200, ShopDetailSchema)
def get_shop(shop_id: int):
    """Show one active partner shop with the rewards it offers now."""
    return rewards.shop_detail(shop_id)
