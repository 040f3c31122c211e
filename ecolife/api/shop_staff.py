"""/api/v1/shop: what a partner shop's staff do at the counter."""

from flask_smorest import Blueprint

from ecolife.api.earning_schemas import CodeRequestSchema, EarningCodeSchema
from ecolife.api.files import POSTER_DOC, QR_DOC, poster_file, private_file
from ecolife.api.security import auth_required, current_user
from ecolife.links import qr_link
from ecolife.models import Role
from ecolife.qr import qr_png
from ecolife.services import earning, shop_qr

bp = Blueprint("shop_staff", __name__, url_prefix="/api/v1/shop", description="Shop staff")
staff_only = auth_required(Role.SHOP_STAFF)


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
    earning_code = earning.get_code(current_user().shop_id, code_id)
    png = qr_png(qr_link(earning_code.token), box_size=12)
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
