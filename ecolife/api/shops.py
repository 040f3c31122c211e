"""/api/v1/shops: the public list of partner shops."""

from flask_smorest import Blueprint

from ecolife.api.fields import PageArgs
from ecolife.api.schemas import ShopPageSchema, ShopSchema
from ecolife.services import shops

bp = Blueprint("shops", __name__, url_prefix="/api/v1/shops", description="Partner shops")


@bp.route("")
@bp.arguments(PageArgs, location="query")
@bp.response(200, ShopPageSchema)
def list_shops(args):
    """List active partner shops."""
    return shops.list_shops(limit=args["limit"], cursor=args["cursor"])


@bp.route("/<int:shop_id>")
@bp.response(200, ShopSchema)
def get_shop(shop_id: int):
    """Show one active partner shop."""
    return shops.get_shop(shop_id)
