"""/api/v1/admin/admins: province-wide admins add admins, province-wide or scoped to one
district or sub-district, who set their password through an invite link."""

from marshmallow import Schema, fields, validate

from ecolife.api.areas import AreaSchema
from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Email, StrictSchema, text
from ecolife.api.schemas import UserSchema
from ecolife.api.security import province_admin_only
from ecolife.services import admins

bp = Blueprint("admins", __name__, url_prefix="/api/v1/admin", description="Administration: admins")

AREA_CODE = validate.Regexp(r"^[0-9]{2,6}$", error="Give an area's code (2 to 6 digits).")


class AdminCreateSchema(StrictSchema):
    email = Email(required=True)
    display_name = text(80, required=True)
    area_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=AREA_CODE,
        metadata={
            "description": "A district (5104) or sub-district (510401); null or the "
            "province's code (51): a province-wide admin",
        },
    )


class AdminSchema(UserSchema):
    area = fields.Nested(AreaSchema, allow_none=True)


class NewAdminSchema(Schema):
    user = fields.Nested(AdminSchema)
    invite_url = fields.String()
    invite_expires_at = fields.DateTime(attribute="invite.expires_at")


@bp.route("/admins", methods=["GET"])
@province_admin_only
@bp.response(200, AdminSchema(many=True))
def list_admins():
    """List the admins and the area each manages (`area: null`: the whole province)."""
    return admins.list_admins()


@bp.route("/admins", methods=["POST"])
@province_admin_only
@bp.arguments(AdminCreateSchema)
@bp.response(201, NewAdminSchema)
def create_admin(data):
    """Add an admin; returns the invite link with which they set their password."""
    return admins.invite_admin(**data)
