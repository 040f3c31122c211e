"""Request and response schemas of accounts and shops."""

from flask_babel import get_locale
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ecolife.api.fields import (
    MAX_PASSWORD_LENGTH,
    Boolean,
    Email,
    Integer,
    PageArgs,
    StrictSchema,
    ThaiMobile,
    ThaiPhone,
    page_schema,
    password_field,
    text,
)
from ecolife.links import qr_link

PASSWORD = validate.Length(min=8, max=MAX_PASSWORD_LENGTH)


class RegisterSchema(StrictSchema):
    phone = ThaiMobile()
    email = Email()
    password = password_field(PASSWORD)
    display_name = text(80, required=True)
    locale = fields.String(load_default="th", validate=validate.OneOf(["th", "en"]))
    # The version of the privacy notice shown before sign-up, if the resident accepted it.
    privacy_notice_version = Integer(strict=True, validate=validate.Range(min=1, max=1_000_000))

    @validates_schema
    def phone_or_email(self, data, **kwargs):
        if not data.get("phone") and not data.get("email"):
            raise ValidationError("Give a phone number or an email.", "phone")


class LoginSchema(StrictSchema):
    login = text(254, required=True)
    password = password_field(validate.Length(min=1, max=MAX_PASSWORD_LENGTH))


class RefreshSchema(StrictSchema):
    refresh_token = text(200, required=True)


class AcceptInviteSchema(StrictSchema):
    token = text(200, required=True)
    password = password_field(PASSWORD)


class PasswordChangeSchema(StrictSchema):
    current_password = password_field(validate.Length(min=1, max=MAX_PASSWORD_LENGTH))
    new_password = password_field(PASSWORD)


class UserSchema(Schema):
    id = Integer()
    display_name = fields.String()
    role = fields.String()
    locale = fields.String()
    shop_id = Integer(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class SignedInSchema(Schema):
    user = fields.Nested(UserSchema)
    access_token = fields.String()
    refresh_token = fields.String()
    expires_in = Integer()
    token_type = fields.Constant("Bearer")


class ShopSchema(Schema):
    id = Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    district = fields.String(attribute="district_code")
    district_name = fields.Method("localised_district")
    tambon_code = fields.String(allow_none=True)
    tambon_name = fields.Method(
        "localised_tambon", allow_none=True, metadata={"type": "string", "nullable": True}
    )
    tambon_name_en = fields.String(attribute="tambon.name_en", allow_none=True)
    subdistrict = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    phone = fields.String(allow_none=True)
    opening_hours = fields.String(allow_none=True)
    rewards_count = Integer()

    def localised_district(self, shop) -> str:
        district = shop.district
        return district.name_en if str(get_locale()) == "en" else district.name_th

    def localised_tambon(self, shop) -> str | None:
        return shop.tambon.name(str(get_locale())) if shop.tambon is not None else None


class AdminShopSchema(ShopSchema):
    active = Boolean()
    qr_url = fields.Function(lambda shop: qr_link(shop.qr_token))


class OwnerSchema(StrictSchema):
    email = Email()
    phone = ThaiMobile()
    display_name = text(80, required=True)

    @validates_schema
    def phone_or_email(self, data, **kwargs):
        if not data.get("phone") and not data.get("email"):
            raise ValidationError("Give the owner's phone number or email.", "email")


class ShopFieldsSchema(StrictSchema):
    name = text(120)
    name_en = text(120, allow_none=True)
    district = text(40)
    # The sub-district (ตำบล): its code, or its Thai or English name (the CSV import's too).
    tambon_code = text(120)
    subdistrict = text(80, allow_none=True)
    address = text(255, allow_none=True)
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    phone = ThaiPhone(allow_none=True)
    opening_hours = text(120, allow_none=True)


class ShopCreateSchema(ShopFieldsSchema):
    name = text(120, required=True)
    # The district follows from the sub-district; if it is given as well, they must agree.
    tambon_code = text(120, required=True)
    owner = fields.Nested(OwnerSchema, required=True)


class ShopUpdateSchema(ShopFieldsSchema):
    active = Boolean()

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class NewShopSchema(Schema):
    shop = fields.Nested(AdminShopSchema)
    owner = fields.Nested(UserSchema)
    invite_url = fields.String()
    invite_expires_at = fields.DateTime(attribute="invite.expires_at")


class ShopListArgs(PageArgs):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=80),
        metadata={"description": "Part of a shop's name or district"},
    )


ShopPageSchema = page_schema(ShopSchema, "ShopPage")
