"""/api/v1/admin: households and participation targets per area, and declarations."""

from marshmallow import Schema, fields, validate

from ecolife.api.blueprint import Blueprint
from ecolife.api.earning_schemas import localised
from ecolife.api.fields import Integer, PageArgs, StrictSchema, page_schema, text
from ecolife.api.security import admin_only, current_user
from ecolife.services import participation
from ecolife.services.participation import MAX_HOUSEHOLDS
from ecolife.services.scope import scope_of

bp = Blueprint(
    "admin_areas",
    __name__,
    url_prefix="/api/v1/admin",
    description="Participation targets and declarations (admin)",
)

AREA_CODE = validate.Regexp(r"^\d{2}(\d{2}){0,2}$", error="Give an official area code.")
VILLAGE_NO = validate.Range(min=1, max=99)


class AreaArgs(Schema):
    area = fields.String(load_default=None, validate=AREA_CODE)


class DeclarationArgs(PageArgs, AreaArgs):
    pass


class TargetSchema(StrictSchema):
    tambon_code = fields.String(required=True, validate=AREA_CODE)
    village_no = Integer(strict=True, load_default=None, allow_none=True, validate=VILLAGE_NO)
    households = Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=MAX_HOUSEHOLDS)
    )
    target_percent = Integer(strict=True, required=True, validate=validate.Range(min=1, max=100))


class ParticipationRowSchema(Schema):
    id = Integer(attribute="target_id")
    district_code = fields.String()
    district_name = fields.Function(
        lambda row: localised(row, "district_name_th", "district_name_en")
    )
    tambon_code = fields.String()
    tambon_name = fields.Function(lambda row: localised(row, "tambon_name_th", "tambon_name_en"))
    tambon_name_th = fields.String()
    tambon_name_en = fields.String()
    village_no = Integer(allow_none=True)
    households = Integer()
    target_percent = Integer()
    active_residents = Integer()
    percent = fields.Float()
    reached = fields.Boolean()


class DeclarationCreateSchema(StrictSchema):
    area_code = fields.String(required=True, validate=AREA_CODE)
    village_no = Integer(strict=True, load_default=None, allow_none=True, validate=VILLAGE_NO)
    title = text(200, required=True)
    declared_on = fields.Date(load_default=None, allow_none=True)
    note = text(2000, allow_none=True)


class DeclarationSchema(Schema):
    id = Integer()
    area_code = fields.String()
    area_name = fields.Function(lambda d: localised(d.area, "name_th", "name_en"))
    village_no = Integer(allow_none=True)
    title = fields.String()
    declared_on = fields.Date()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


def _scope():
    return scope_of(current_user())


@bp.route("/participation", methods=["GET"])
@admin_only
@bp.arguments(AreaArgs, location="query")
@bp.response(200, ParticipationRowSchema(many=True))
def list_participation(args):
    """List the targets inside an area (the admin's own by default) and how far each got."""
    return participation.participation(participation.scoped_area(_scope(), args["area"]))


@bp.route("/participation", methods=["PUT"])
@admin_only
@bp.arguments(TargetSchema)
@bp.response(200, ParticipationRowSchema)
def set_target(data):
    """Enter the households of a sub-district (or one village) and the share to reach."""
    return participation.set_target(_scope(), data, actor_id=current_user().id)


@bp.route("/participation/<int:target_id>", methods=["DELETE"])
@admin_only
@bp.response(204)
def delete_target(target_id: int):
    """Remove a target."""
    participation.delete_target(_scope(), target_id)


@bp.route("/declarations", methods=["GET"])
@admin_only
@bp.arguments(DeclarationArgs, location="query")
@bp.response(200, page_schema(DeclarationSchema, "DeclarationPage"))
def list_declarations(args):
    """List the declarations inside an area (the admin's own by default), latest first."""
    return participation.declaration_page(
        _scope(), args["area"], limit=args["limit"], cursor=args["cursor"]
    )


@bp.route("/declarations", methods=["POST"])
@admin_only
@bp.arguments(DeclarationCreateSchema)
@bp.response(201, DeclarationSchema)
def record_declaration(data):
    """Declare an area that reached its participation target (409 before it has, and for a
    declaration already recorded with the same place, village, title and date)."""
    return participation.record_declaration(_scope(), data, actor_id=current_user().id)


@bp.route("/declarations/<int:declaration_id>", methods=["DELETE"])
@admin_only
@bp.response(204)
def delete_declaration(declaration_id: int):
    """Remove a declaration (recorded by mistake, or twice); also from the public page."""
    participation.delete_declaration(_scope(), declaration_id)
