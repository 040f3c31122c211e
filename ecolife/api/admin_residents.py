"""/api/v1/admin/residents: assisted registration of a resident at a municipal office."""

from marshmallow import Schema, fields

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Email, StrictSchema, ThaiMobile, text
from ecolife.api.schemas import UserSchema
from ecolife.api.security import admin_only, current_scope, current_user
from ecolife.services import cards, privacy

bp = Blueprint(
    "admin_registration", __name__, url_prefix="/api/v1/admin", description="Administration"
)


class AssistedRegistrationSchema(StrictSchema):
    """A resident registered by an admin: phone and e-mail are optional (as at sign-up when
    given: valid, and no other account's)."""

    display_name = text(80, required=True)
    phone = ThaiMobile(allow_none=True)
    email = Email(allow_none=True)
    home_tambon_code = text(6, allow_none=True)
    pin = text(8, allow_none=True)


class AssistedRegistrationResultSchema(Schema):
    user = fields.Nested(UserSchema)
    card_code = fields.String()
    card_code_display = fields.String()


@bp.route("/residents", methods=["POST"])
@admin_only
@bp.arguments(AssistedRegistrationSchema)
@bp.response(201, AssistedRegistrationResultSchema)
def register_resident(data):
    """Register a resident without a phone or e-mail (or with one) and make their member
    card; a scoped admin registers residents of a sub-district in their area. With `pin`
    (4 digits), the card holder can redeem at a counter at once. The same name and
    sub-district sent again by the same admin within a minute is refused (422)."""
    # The answer carries the resident's phone or e-mail: the PDPA access log keeps who saw it.
    user = cards.register_card_holder(
        **data, actor_id=current_user().id, seen_on=privacy.ADMIN_API, scope=current_scope()
    )
    return {
        "user": user,
        "card_code": user.card_code,
        "card_code_display": cards.format_card_code(user.card_code),
    }
