"""Request and response schemas of rewards, redemptions and shop reports."""

from datetime import date

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ecolife import clock
from ecolife.api.earning_schemas import ShopRefSchema, localised
from ecolife.api.fields import Boolean, Integer, StrictSchema, page_schema, text
from ecolife.api.schemas import ShopSchema


class RewardFieldsSchema(StrictSchema):
    name_th = text(120)
    name_en = text(120, allow_none=True)
    description_th = text(2000, allow_none=True)
    description_en = text(2000, allow_none=True)
    points = Integer(strict=True, validate=validate.Range(min=1, max=1_000_000))
    stock = Integer(strict=True, allow_none=True, validate=validate.Range(min=0))
    per_resident_limit = Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=1000)
    )
    active = Boolean()
    active_from = fields.AwareDateTime(allow_none=True)
    active_to = fields.AwareDateTime(allow_none=True)


class RewardCreateSchema(RewardFieldsSchema):
    name_th = text(120, required=True)
    points = Integer(strict=True, required=True, validate=validate.Range(min=1, max=1_000_000))


class RewardUpdateSchema(RewardFieldsSchema):
    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class RewardRefSchema(Schema):
    id = Integer()
    name = fields.Function(lambda r: localised(r, "name_th", "name_en") or r.name_th)
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    shop = fields.Nested(ShopRefSchema)


class RewardSchema(RewardRefSchema):
    description = fields.Function(
        lambda r: localised(r, "description_th", "description_en") or r.description_th
    )
    points = Integer()
    stock_left = Integer(attribute="stock", allow_none=True)
    per_resident_limit = Integer(allow_none=True)
    active_from = fields.DateTime(allow_none=True)
    active_to = fields.DateTime(allow_none=True)
    image_url = fields.Function(
        lambda r: (
            url_for("rewards.reward_image", reward_id=r.id, v=r.image_version)
            if r.image_version
            else None
        )
    )


class ShopDetailSchema(ShopSchema):
    rewards = fields.List(fields.Nested(RewardSchema))


class ManagedRewardSchema(RewardSchema):
    active = Boolean()


RewardPageSchema = page_schema(RewardSchema, "RewardPage")
ManagedRewardPageSchema = page_schema(ManagedRewardSchema, "ManagedRewardPage")


class RedemptionRequestSchema(StrictSchema):
    reward_id = Integer(strict=True, required=True, validate=validate.Range(min=1))


class RedemptionSchema(Schema):
    id = Integer()
    code = fields.String()
    # A pending hold past its time reads as expired, before the expiry job refunds it.
    status = fields.Function(lambda r: r.status_at(clock.now()))
    reward = fields.Nested(RewardRefSchema)
    points = Integer()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    confirmed_at = fields.Method("confirmed_at_or_none")
    resolved_at = fields.DateTime(allow_none=True)
    qr_png_url = fields.Function(lambda r: url_for("rewards.redemption_qr", redemption_id=r.id))

    def confirmed_at_or_none(self, redemption):
        if redemption.status != "confirmed":
            return None
        return fields.DateTime()._serialize(redemption.resolved_at, "confirmed_at", redemption)


class ShopRedemptionSchema(RedemptionSchema):
    resident = fields.String(attribute="user.display_name")


class RedemptionResultSchema(Schema):
    redemption = fields.Nested(RedemptionSchema)
    balance = Integer()


RedemptionPageSchema = page_schema(RedemptionSchema, "RedemptionPage")


class LookupSchema(StrictSchema):
    code = text(64, required=True)


class ShopConfirmedSchema(Schema):
    redemption = fields.Nested(ShopRedemptionSchema)


class PeriodSchema(Schema):
    scans = Integer()
    items = Integer()
    points_issued = Integer()
    points_redeemed = Integer()
    redemptions = fields.Dict(keys=fields.String(), values=Integer())


class SummarySchema(Schema):
    today = fields.Nested(PeriodSchema)
    month = fields.Nested(PeriodSchema)
    all_time = fields.Nested(PeriodSchema)


# Days a statement may cover: the programme's years, not the calendar's ends.
_DAYS = validate.Range(min=date(2000, 1, 1), max=date(2999, 12, 31))


class StatementArgs(Schema):
    from_ = fields.Date(required=True, data_key="from", validate=_DAYS)
    to = fields.Date(required=True, validate=_DAYS)

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["to"] < data["from_"]:
            raise ValidationError("Must not be before from.", "to")
        if (data["to"] - data["from_"]).days > 366:
            raise ValidationError("At most one year at a time.", "to")


class StatementSchema(PeriodSchema):
    shop_id = Integer()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
