"""Request and response schemas of actions, scans, one-time codes, the ledger and limits."""

from flask import url_for
from flask_babel import get_locale
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ecolife import clock
from ecolife.api.fields import Boolean, Integer, StrictSchema, page_schema, text
from ecolife.api.schemas import UserSchema
from ecolife.ledger_text import describe, local_name
from ecolife.links import qr_link
from ecolife.models import ReasonCode
from ecolife.rules import BANGKOK
from ecolife.services.expiry import as_expiring


def localised(obj, thai: str, english: str) -> str:
    """Pick the Thai or English name for this request's language."""
    return getattr(obj, english) if str(get_locale()) == "en" else getattr(obj, thai)


class ActionRefSchema(Schema):
    code = fields.String()
    name = fields.Function(lambda action: localised(action, "name_th", "name_en"))
    name_th = fields.String()
    name_en = fields.String()


class ActionSchema(ActionRefSchema):
    points = Integer()
    grams = fields.Float()


class AdminActionSchema(ActionSchema):
    active = Boolean()
    position = Integer()
    milligrams_source = fields.String(allow_none=True)
    milligrams_set_on = fields.Date(allow_none=True)


def not_in_the_future(day) -> None:
    """Refuse a day after today in Bangkok (when a figure was set, a declaration made …)."""
    if day is not None and day > clock.now().astimezone(BANGKOK).date():
        raise ValidationError("The date cannot be in the future.")


class ActionUpdateSchema(StrictSchema):
    name_th = text(80)
    name_en = text(80)
    points = Integer(strict=True, validate=validate.Range(min=1, max=10_000))
    grams = fields.Float(validate=validate.Range(min=0, max=100_000))
    # Where the grams per item come from, and the day the figure was set (default: today,
    # when `grams` changes): shown in the public method section.
    milligrams_source = text(500, allow_none=True)
    milligrams_set_on = fields.Date(allow_none=True, validate=not_in_the_future)
    active = Boolean()
    position = Integer(strict=True, validate=validate.Range(min=0, max=1000))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class ActionCreateSchema(ActionUpdateSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$", error="Use a-z, 0-9 and _."),
    )
    name_th = text(80, required=True)
    name_en = text(80, required=True)
    points = Integer(strict=True, required=True, validate=validate.Range(min=1, max=10_000))
    grams = fields.Float(required=True, validate=validate.Range(min=0, max=100_000))


class ShopRefSchema(Schema):
    id = Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class ScanRequestSchema(StrictSchema):
    code = text(500, required=True)
    action = text(32)
    quantity = Integer(strict=True, validate=validate.Range(min=1, max=1000))


class ScanCampaignSchema(Schema):
    id = Integer()
    name = fields.Function(lambda campaign: local_name(campaign, str(get_locale())))
    bonus_points = Integer()


class ScanSchema(Schema):
    id = Integer()
    shop = fields.Nested(ShopRefSchema)
    action = fields.String(attribute="action.code")
    quantity = Integer()
    points = Integer()
    one_time_code = fields.Function(lambda scan: scan.code_id is not None)
    # Credited by staff at the counter with the resident's member card.
    card = fields.Function(lambda scan: scan.card_staff_id is not None)
    created_at = fields.DateTime()
    # The campaign whose bonus `points` includes (null: none applied).
    campaign = fields.Nested(ScanCampaignSchema, allow_none=True)


class CodePreviewSchema(Schema):
    kind = fields.String(metadata={"enum": ["shop", "one_time"]})
    shop = fields.Nested(ShopRefSchema)
    action = fields.Nested(ActionSchema, attribute="one_time.action", allow_none=True)
    quantity = Integer(attribute="one_time.quantity", allow_none=True)
    expires_at = fields.DateTime(attribute="one_time.expires_at", allow_none=True)


class ScanResultSchema(Schema):
    scan = fields.Nested(ScanSchema)
    balance = Integer()


class ImpactSchema(Schema):
    items = fields.Dict(keys=fields.String(), values=Integer())
    grams_plastic = fields.Float()


class ExpiringSchema(Schema):
    points = Integer()
    # The first moment the points no longer count: the last day to use them is the day before.
    expires_at = fields.DateTime()


class MeSchema(UserSchema):
    balance = Integer()
    impact = fields.Nested(ImpactSchema)
    # Unspent points that will expire, by date, soonest first ([]: none will). A date already
    # past: points the expiry job (every 15 minutes) has not taken yet.
    expiring = fields.Method(
        "_expiring",
        metadata={
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "points": {"type": "integer"},
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    )
    # Where the user says they live (optional), for the programme's area figures.
    home_tambon_code = fields.String(allow_none=True)
    home_village_no = Integer(allow_none=True)
    # A suspended resident still reads their own data; the app says why and whom to ask.
    suspended = Boolean()
    suspended_at = fields.DateTime(allow_none=True)
    suspended_reason = fields.String(allow_none=True)
    # The privacy notice in force and the version the user accepted (null: none yet): when
    # they differ the app shows the notice and asks again (POST /me/consents).
    privacy_notice = fields.Function(
        lambda me: {
            "version": me.privacy_notice_version,
            "accepted_version": me.privacy_notice_accepted_version,
        },
        metadata={
            "type": "object",
            "properties": {
                "version": {"type": "integer", "nullable": True},
                "accepted_version": {"type": "integer", "nullable": True},
            },
        },
    )

    def _expiring(self, me) -> list:
        return ExpiringSchema(many=True).dump(as_expiring(me.expiring))


class MeUpdateSchema(StrictSchema):
    home_tambon_code = fields.String(
        allow_none=True,
        validate=validate.Length(equal=6),
        metadata={"description": "A sub-district (ตำบล) code; null to clear"},
    )
    home_village_no = Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=99),
        metadata={"description": "หมู่ที่: the village number in the sub-district; null to clear"},
    )

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class LedgerEntrySchema(Schema):
    id = Integer()
    delta = Integer()
    kind = fields.String()
    reason = fields.Function(
        describe, metadata={"type": "string", "description": "In the request's language."}
    )
    reason_code = fields.String(metadata={"enum": [code.value for code in ReasonCode]})
    reason_params = fields.Dict(keys=fields.String())
    # The scan's, for an entry that credits one (null for the others).
    action = fields.Nested(
        ActionRefSchema, attribute="scan.action", allow_none=True, dump_default=None
    )
    quantity = Integer(attribute="scan.quantity", allow_none=True, dump_default=None)
    shop = fields.Nested(ShopRefSchema, allow_none=True)
    created_at = fields.DateTime()
    balance_after = Integer()


LedgerPageSchema = page_schema(LedgerEntrySchema, "LedgerPage")


class CodeRequestSchema(StrictSchema):
    action = text(32, required=True)
    quantity = Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=1000))


class EarningCodeSchema(Schema):
    id = Integer()
    token = fields.String()
    # What a resident can type instead of scanning (8 characters; case and spaces ignored).
    short_code = fields.String(allow_none=True)
    url = fields.Function(lambda code: qr_link(code.token))
    qr_png_url = fields.Function(
        lambda code: url_for("shop_staff.code_qr", code_id=code.id, _external=False)
    )
    action = fields.String(attribute="action.code")
    quantity = Integer()
    status = fields.Function(lambda code: code.status(clock.now()))
    expires_at = fields.DateTime()
    used_at = fields.DateTime(allow_none=True)


def _limit(minimum: int, maximum: int, **kwargs) -> fields.Integer:
    return Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)


class LimitsSchema(Schema):
    scan_cooldown_seconds = _limit(0, 7 * 24 * 3600)
    daily_scans_per_shop = _limit(1, 1000)
    daily_scans = _limit(1, 10_000)
    max_quantity = _limit(1, 1000)
    code_ttl_seconds = _limit(30, 24 * 3600)
    redemption_ttl_seconds = _limit(60, 7 * 24 * 3600)
    card_credits_per_shop_per_day = _limit(1, 10_000)
    # Points expire at the end of the Bangkok month this many months after the month they were
    # credited in (null: never); a change applies to points credited from then on.
    points_expire_after_months = _limit(1, 120, allow_none=True)


class LimitsUpdateSchema(LimitsSchema, StrictSchema):
    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one limit to change.", "_schema")
