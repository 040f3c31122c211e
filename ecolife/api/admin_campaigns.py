"""/api/v1/admin/campaigns (create, list, read, end) and /api/v1/campaigns for residents."""


from flask import g
from flask_babel import get_locale
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ecolife import clock
from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Integer, StrictSchema, text
from ecolife.api.security import admin_only, current_scope, current_user, resident_only
from ecolife.ledger_text import local_name
from ecolife.models import Shop
from ecolife.services import campaigns

bp = Blueprint("campaigns", __name__, url_prefix="/api/v1", description="Campaigns")

_area_code = fields.String(validate=validate.Regexp(r"^[0-9]{4}([0-9]{2})?$"))


class CampaignCreateSchema(StrictSchema):
    name_th = text(120, required=True)
    name_en = text(120, allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    multiplier = fields.Decimal(
        places=2,
        allow_none=True,
        validate=validate.Range(min=1, max=10, min_inclusive=False),
        # As numbers: apispec would write the Decimal bounds as strings.
        metadata={
            "description": "2 = double points; more than 1, at most 10",
            "minimum": 1,
            "maximum": 10,
            "exclusiveMinimum": True,
        },
    )
    bonus_points = Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=10_000))
    action_codes = fields.List(fields.String(validate=validate.Length(max=32)), allow_none=True)
    area_codes = fields.List(
        _area_code,
        allow_none=True,
        metadata={"description": "Districts or sub-districts; none: the admin's whole area"},
    )
    shop_ids = fields.List(Integer(strict=True), allow_none=True)
    budget_points = Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=100_000_000)
    )

    @validates_schema
    def gives_something_in_time(self, data, **kwargs):
        if data.get("multiplier") is None and data.get("bonus_points") is None:
            raise ValidationError("Give a multiplier, a bonus, or both.", "multiplier")
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("The end must come after the start.", "ends_at")


def _name(item) -> str:
    if isinstance(item, Shop):
        return item.name_en if str(get_locale()) == "en" and item.name_en else item.name
    return local_name(item, str(get_locale()))


def _named(kind: str, key: str, ids_attr: str):
    """A field listing what a campaign names ({code|id, name}), from the names loaded."""

    def dump(campaign):
        found = getattr(g.campaign_names, kind)
        return [
            {key: item, "name": _name(found[item]) if item in found else str(item)}
            for item in getattr(campaign, ids_attr) or ()
        ]

    return fields.Function(dump, metadata={"type": "array", "items": {"type": "object"}})


class CampaignSchema(Schema):
    id = Integer()
    name = fields.Function(_name)
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    multiplier = fields.Float(allow_none=True)
    bonus_points = Integer(allow_none=True)
    action_codes = fields.List(fields.String(), allow_none=True)
    area_codes = fields.List(fields.String(), allow_none=True)
    shop_ids = fields.List(Integer(), allow_none=True)
    # The same, named in the request's language (empty: any action, area or shop).
    actions = _named("actions", "code", "action_codes")
    areas = _named("areas", "code", "area_codes")
    shops = _named("shops", "id", "shop_ids")
    status = fields.Function(
        lambda campaign: campaigns.status(campaign, clock.now()),
        metadata={"enum": ["upcoming", "active", "ended"]},
    )


class AdminCampaignSchema(CampaignSchema):
    budget_points = Integer(allow_none=True)
    # Bonus points given so far (the budget used).
    bonus_granted = Integer()
    owner_area_code = fields.String(allow_none=True)
    created_at = fields.DateTime()
    announced_at = fields.DateTime(allow_none=True)


def _with_names(found):
    """Load the names the answer shows for these campaigns (one query per kind)."""
    g.campaign_names = campaigns.names_for(found if isinstance(found, list) else [found])
    return found


@bp.route("/admin/campaigns", methods=["POST"])
@admin_only
@bp.arguments(CampaignCreateSchema)
@bp.response(201, AdminCampaignSchema)
def create_campaign(data):
    """Create a campaign: bonus points on credited scans for a while (a scoped admin's stays
    inside their area)."""
    campaign = campaigns.create_campaign(data, actor_id=current_user().id, scope=current_scope())
    return _with_names(campaign)


@bp.route("/admin/campaigns")
@admin_only
@bp.response(200, AdminCampaignSchema(many=True))
def list_campaigns():
    """List the campaigns the admin manages, with the bonus points given (the budget used)."""
    return _with_names(campaigns.list_campaigns(current_scope()))


@bp.route("/admin/campaigns/<int:campaign_id>")
@admin_only
@bp.response(200, AdminCampaignSchema)
def get_campaign(campaign_id: int):
    """Show one campaign; another area's is not found."""
    return _with_names(campaigns.get_campaign(campaign_id, current_scope()))


@bp.route("/admin/campaigns/<int:campaign_id>/end", methods=["POST"])
@admin_only
@bp.response(200, AdminCampaignSchema)
def end_campaign(campaign_id: int):
    """End a campaign now: scans from now on get no bonus from it."""
    return _with_names(campaigns.end_campaign(campaign_id, current_scope()))


class NearArgs(Schema):
    include = fields.String(
        load_default=None,
        validate=validate.OneOf(["upcoming"]),
        metadata={"description": "`upcoming`: also those starting within 7 days"},
    )


@bp.route("/campaigns")
@resident_only
@bp.arguments(NearArgs, location="query")
@bp.response(200, CampaignSchema(many=True))
def list_near(args):
    """List the campaigns running now near the resident (with `include=upcoming`, also those
    starting within 7 days): those of the whole province, of their home sub-district, or
    of shops they scanned at."""
    upcoming = args["include"] == "upcoming"
    return _with_names(campaigns.near_resident(current_user().id, upcoming=upcoming))
