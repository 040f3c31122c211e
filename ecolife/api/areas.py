"""/api/v1/areas: provinces, districts (อำเภอ) and sub-districts (ตำบล), public reference data."""

from marshmallow import Schema, fields, validate

from ecolife.api.blueprint import Blueprint
from ecolife.models import AreaLevel
from ecolife.services import areas

bp = Blueprint("areas", __name__, url_prefix="/api/v1/areas", description="Areas")


class AreaSchema(Schema):
    code = fields.String(metadata={"example": "5101"})
    level = fields.String(metadata={"enum": [level.value for level in AreaLevel]})
    parent_code = fields.String(allow_none=True)
    name_th = fields.String()
    name_en = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)


class AreaListArgs(Schema):
    parent = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9]{2,6}$", error="Give an area's code (2 to 6 digits)."),
        metadata={"description": "The code of the area whose parts to list; none: provinces"},
    )


@bp.route("")
@bp.arguments(AreaListArgs, location="query")
@bp.response(200, AreaSchema(many=True))
def list_areas(args):
    """List the areas directly under `parent` (official codes: 51 → 5101 → 510101)."""
    return areas.list_areas(args["parent"])
