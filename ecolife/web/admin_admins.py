"""The admin console's admins page: who administers what, and adding an admin (province-wide
admins only)."""

from flask import Blueprint, render_template, request

from ecolife.api.admin_admins import AdminCreateSchema
from ecolife.models import Role
from ecolife.services import admins, areas
from ecolife.web.forms import submit
from ecolife.web.session import console_required

bp = Blueprint("admin_admins", __name__, url_prefix="/admin/admins")
province_admin_required = console_required(Role.ADMIN, province_wide=True)


@bp.route("/", methods=["GET", "POST"])
@province_admin_required
def index():
    created, errors = None, {}
    if request.method == "POST":
        created, errors = submit(
            AdminCreateSchema(),
            request.form,
            lambda d: admins.invite_admin(**d),
            account_field="email",
        )
    return render_template(
        "admin/admins.html",
        admins=admins.list_admins(),
        area_groups=areas.tambons_by_district(),
        created=created,
        values=request.form if errors else {},
        errors=errors,
    ), 422 if errors else 200
