"""The admin console's help for shop staff who cannot sign in: a new invite, a reset password."""

from flask import Blueprint, render_template, request

from ecolife.models import Role
from ecolife.services import password_reset, shops
from ecolife.web.session import console_required, console_scope

bp = Blueprint("admin_staff", __name__, url_prefix="/admin/shops/<int:shop_id>/staff")
admin_required = console_required(Role.ADMIN)


@bp.route("/<int:staff_id>/invite", methods=["GET", "POST"])
@admin_required
def resend_invite(shop_id: int, staff_id: int):
    """Ask first (GET), then send a new invite link (POST): earlier links stop working."""
    return _reinvite(shop_id, staff_id, reset_password=False)


@bp.route("/<int:staff_id>/reset-password", methods=["GET", "POST"])
@admin_required
def reset_password(shop_id: int, staff_id: int):
    """Ask first (GET), then clear the password and send a set-password link (POST)."""
    return _reinvite(shop_id, staff_id, reset_password=True)


def _reinvite(shop_id: int, staff_id: int, *, reset_password: bool):
    scope = console_scope()
    shop = shops.get_shop(shop_id, include_inactive=True, scope=scope)
    member = password_reset.staff_member(shop_id, staff_id, scope=scope)
    if request.method == "GET":
        return render_template(
            "admin/staff_reinvite.html",
            shop=shop,
            member=member,
            reset_password=reset_password,
            errors={},
        )
    sent = password_reset.reinvite_staff(
        shop_id, staff_id, reset_password=reset_password, scope=scope
    )
    return render_template(
        "admin/staff_invite_sent.html", shop=shop, sent=sent, reset_password=reset_password
    )
