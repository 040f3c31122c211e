"""/api/v1/admin/reports/liability: points outstanding and each shop's monthly settlement."""

from marshmallow import Schema, fields

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Integer
from ecolife.api.public import month_field
from ecolife.api.security import admin_only, current_scope
from ecolife.services import liability

bp = Blueprint(
    "admin_liability", __name__, url_prefix="/api/v1/admin", description="Administration"
)


class LiabilityArgs(Schema):
    from_ = month_field(
        data_key="from", load_default=None, metadata={"description": "11 months before `to`"}
    )
    to = month_field(load_default=None, metadata={"description": "This month by default."})


class ShopNameSchema(Schema):
    id = Integer(attribute="shop_id")
    name = fields.String()
    name_en = fields.String(allow_none=True)


class ShopMonthSchema(Schema):
    shop = fields.Function(lambda row: ShopNameSchema().dump(row), metadata={"type": "object"})
    month = month_field()
    issued = Integer(metadata={"description": "Points of scans and bonuses credited there."})
    bonus = Integer(metadata={"description": "The part of `issued` from campaign bonuses."})
    redeemed = Integer(
        metadata={
            "description": "Points of rewards handed over there (redemptions confirmed at the"
            " shop), by the month of confirmation."
        }
    )


class LiabilitySchema(Schema):
    from_ = month_field(data_key="from")
    to = month_field()
    outstanding_points = Integer(
        allow_none=True,
        metadata={"description": "All balances; null for an admin scoped to one area."},
    )
    expiring_next_30_days = Integer(
        allow_none=True,
        metadata={
            "description": "Points the expiry rule writes off within 30 days; null"
            " for an admin scoped to one area."
        },
    )
    issued = Integer()
    bonus = Integer()
    redeemed = Integer()
    by_shop = fields.List(fields.Nested(ShopMonthSchema))


@bp.route("/reports/liability")
@admin_only
@bp.arguments(LiabilityArgs, location="query")
@bp.response(200, LiabilitySchema)
def liability_report(args):
    """Points outstanding, expiring within 30 days, and per shop per Bangkok month the points
    issued and redeemed there (a scoped admin: their area's shops, no programme totals)."""
    return liability.liability(args["from_"], args["to"], scope=current_scope())
