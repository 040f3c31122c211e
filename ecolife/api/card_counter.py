"""/api/v1/shop: member cards at the counter (residents without a smartphone).

Staff look a card up, credit what its holder refused (under the poster's rules, plus a
per-shop daily limit of card credits), and redeem a reward the holder confirms with their
4-digit PIN on the staff's screen.
"""

from marshmallow import Schema, fields, validate

from ecolife.api.blueprint import Blueprint
from ecolife.api.earning_schemas import ScanResultSchema
from ecolife.api.fields import Boolean, Integer, StrictSchema, text
from ecolife.api.idempotency import DOC, idempotency_key
from ecolife.api.reward_schemas import RewardSchema, ShopRedemptionSchema
from ecolife.api.security import current_user, staff_only
from ecolife.services import card_counter

bp = Blueprint(
    "card_counter", __name__, url_prefix="/api/v1/shop", description="Member cards at the counter"
)


class CardScanRequestSchema(StrictSchema):
    card = text(64, required=True)
    action = text(32)  # what the holder refused; a bag when not said
    quantity = Integer(strict=True, validate=validate.Range(min=1, max=1000))


class CardRedemptionRequestSchema(StrictSchema):
    card = text(64, required=True)
    reward_id = Integer(strict=True, required=True, validate=validate.Range(min=1))
    pin = text(8, required=True)  # the holder's 4 digits, typed on the staff's screen


class CardRedemptionResultSchema(Schema):
    redemption = fields.Nested(ShopRedemptionSchema)
    balance = Integer()


class CardHolderSchema(Schema):
    display_name = fields.String()
    balance = Integer()
    suspended = Boolean()
    pin_set = Boolean(metadata={"description": "Whether the holder chose a PIN to redeem with"})
    rewards = fields.List(
        fields.Nested(RewardSchema),
        metadata={"description": "Your shop's rewards available now that the holder can afford"},
    )


@bp.route("/card-scans", methods=["POST"])
@staff_only
@bp.doc(**DOC)
@bp.arguments(CardScanRequestSchema)
@bp.response(201, ScanResultSchema)
def create_card_scan(data):
    """Credit a member card holder for a refusal at your counter, under a poster scan's
    rules and the shop's daily limit of card credits."""
    key = idempotency_key()
    return card_counter.credit_card(current_user(), key=key, **data)


@bp.route("/card-redemptions", methods=["POST"])
@staff_only
@bp.doc(**DOC)
@bp.arguments(CardRedemptionRequestSchema)
@bp.response(201, CardRedemptionResultSchema)
def create_card_redemption(data):
    """Hand one of your shop's rewards to a card holder who confirms with their PIN: the
    redemption is made and confirmed at once."""
    key = idempotency_key()
    return card_counter.redeem_with_card(current_user(), key=key, **data)


@bp.route("/cards/<path:card>")
@staff_only
@bp.response(200, CardHolderSchema)
def look_up_card(card: str):
    """Show a card holder's name and balance, and your rewards they can afford."""
    return card_counter.look_up_card(current_user().shop_id, card)
