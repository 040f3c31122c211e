"""/api/v1/me/card: a resident's member card (QR, typed code, printable PDF) and its PIN."""

from flask import url_for
from marshmallow import Schema, fields, validate

from ecolife.api.account import (
    limit_wrong_current_passwords,
    token_user_id,
    wrong_password_in,
)
from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import MAX_PASSWORD_LENGTH, StrictSchema, password_field, text
from ecolife.api.files import QR_DOC, private_file
from ecolife.api.security import current_user, resident_only
from ecolife.card_pdf import CARD_SIZES
from ecolife.services import cards

bp = Blueprint("cards", __name__, url_prefix="/api/v1", description="The member card")

CARD_PDF_DOC = {
    "responses": {200: {"description": "Printable member card", "content": {"application/pdf": {}}}}
}


class MemberCardSchema(Schema):
    card_code = fields.String(metadata={"description": "12 characters: what the QR carries"})
    card_code_display = fields.String(metadata={"description": "ABCD-EFGH-JKMN, to type"})
    qr_png_url = fields.String()
    pdf_url = fields.String(metadata={"description": "Credit-card size; add ?size=a6 for A6"})
    has_pin = fields.Boolean()


class MemberCardPdfArgs(Schema):
    size = fields.String(load_default="card", validate=validate.OneOf(CARD_SIZES))


class MemberCardPinSchema(StrictSchema):
    pin = text(8, required=True)
    password = password_field(validate.Length(min=1, max=MAX_PASSWORD_LENGTH))


def _card(user) -> dict:
    code = cards.own_card(user)
    return {
        "card_code": code,
        "card_code_display": cards.format_card_code(code),
        "qr_png_url": url_for("cards.card_qr"),
        "pdf_url": url_for("cards.card_pdf"),
        "has_pin": user.card_pin_hash is not None,
    }


@bp.route("/me/card", methods=["GET"])
@resident_only
@bp.response(200, MemberCardSchema)
def get_card():
    """The resident's member card (made on first use): its code, QR and printable PDF."""
    return _card(current_user())


@bp.route("/me/card/rotate", methods=["POST"])
@resident_only
@bp.response(200, MemberCardSchema)
def rotate_card():
    """Replace the card (lost or seen by others): the old code stops working at once."""
    user = current_user()
    cards.rotate_own_card(user)
    return _card(user)


@bp.route("/me/card/qr.png", methods=["GET"])
@resident_only
@bp.doc(**QR_DOC)
def card_qr():
    """The card's QR code as a PNG."""
    return private_file(cards.render_card_qr(current_user()), "image/png", "member-card.png")


@bp.route("/me/card.pdf", methods=["GET"])
@resident_only
@bp.arguments(MemberCardPdfArgs, location="query")
@bp.doc(**CARD_PDF_DOC)
def card_pdf(args):
    """The card to print: credit-card size (85.6 × 54 mm), or `size=a6` for an A6 page."""
    pdf = cards.render_card_pdf(current_user(), args["size"])
    return private_file(pdf, "application/pdf", f"member-card-{args['size']}.pdf")


@bp.route("/me/card/pin", methods=["POST"])
@limit_wrong_current_passwords(token_user_id, wrong_password_in("password"))
@resident_only
@bp.arguments(MemberCardPinSchema)
@bp.response(204)
def set_pin(data):
    """Choose or change the card's 4-digit PIN (confirms redemptions at a counter); the
    account's password is required. Wrong tries at the counter are forgotten."""
    cards.change_pin(current_user(), data["pin"], data["password"])
