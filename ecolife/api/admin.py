"""/api/v1/admin: what province and municipality admins do."""

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import PageArgs
from ecolife.api.files import POSTER_DOC, QR_DOC, poster_file, private_file
from ecolife.api.schemas import (
    AdminShopSchema,
    NewShopSchema,
    ShopCreateSchema,
    ShopUpdateSchema,
    page_schema,
)
from ecolife.api.security import admin_only, current_scope
from ecolife.services import shop_qr, shops

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@bp.route("/shops", methods=["GET"])
@admin_only
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(AdminShopSchema, "AdminShopPage"))
def list_shops(args):
    """List the shops (a scoped admin's: those in their area), suspended ones included."""
    return shops.list_shops(
        limit=args["limit"], cursor=args["cursor"], include_inactive=True, scope=current_scope()
    )


@bp.route("/shops", methods=["POST"])
@admin_only
@bp.arguments(ShopCreateSchema)
@bp.response(201, NewShopSchema)
def create_shop(data):
    """Add a partner shop (inside a scoped admin's area) and its owner account; returns the
    owner's invite link."""
    owner = data.pop("owner")
    return shops.create_shop(data, owner, scope=current_scope())


@bp.route("/shops/<int:shop_id>", methods=["GET"])
@admin_only
@bp.response(200, AdminShopSchema)
def get_shop(shop_id: int):
    """Show one shop, suspended or not."""
    return shops.get_shop(shop_id, include_inactive=True, scope=current_scope())


@bp.route("/shops/<int:shop_id>", methods=["PATCH"])
@admin_only
@bp.arguments(ShopUpdateSchema)
@bp.response(200, AdminShopSchema)
def update_shop(data, shop_id: int):
    """Edit a shop; `active: false` suspends it."""
    return shops.update_shop(shop_id, data, scope=current_scope())


@bp.route("/shops/<int:shop_id>/rotate-qr", methods=["POST"])
@admin_only
@bp.response(200, AdminShopSchema)
def rotate_qr(shop_id: int):
    """Give the shop a new QR token; the old poster stops working."""
    return shop_qr.rotate_shop_qr(shop_id, scope=current_scope())


@bp.route("/shops/<int:shop_id>/qr.png")
@admin_only
@bp.doc(**QR_DOC)
def shop_qr_png(shop_id: int):
    """Return the shop's QR code as a PNG."""
    png = shop_qr.shop_qr_png(shop_id, scope=current_scope())
    return private_file(png, "image/png", f"shop-{shop_id}-qr.png")


@bp.route("/shops/<int:shop_id>/poster.<any(png, pdf):fmt>")
@admin_only
@bp.doc(**POSTER_DOC)
def shop_poster(shop_id: int, fmt: str):
    """Return the shop's printable poster as PNG or PDF."""
    return poster_file(shop_qr.shop_poster(shop_id, fmt, scope=current_scope()), fmt, shop_id)
