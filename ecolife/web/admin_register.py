"""The admin console's member-card pages: register a resident at the municipal office (no
phone or e-mail needed), then show and print their card; a new PIN or a new card at the desk.

Scoped admins register residents of a sub-district in their area, and see, print and renew
the cards of the residents they can see (admin_people's rule)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate, validates_schema

from ecolife.api.admin_residents import AssistedRegistrationSchema
from ecolife.api.fields import StrictSchema, text
from ecolife.api.files import private_file
from ecolife.card_pdf import CARD_SIZES
from ecolife.errors import CardHolderUsesApp
from ecolife.models import Role
from ecolife.services import cards, privacy
from ecolife.web.admin_shops import _tambon_groups
from ecolife.web.forms import submit
from ecolife.web.session import console_required, console_scope, console_user

bp = Blueprint("admin_cards", __name__, url_prefix="/admin/residents")
admin_required = console_required(Role.ADMIN)
# Where the PDPA access log says the admin saw the resident's name.
SEEN_ON = "member_card"
PINS_DIFFER = "The two PINs are not the same."


class _PinTwice(StrictSchema):
    pin = text(8, required=True)
    pin_again = text(8, required=True)

    @validates_schema
    def same_pin(self, data, **kwargs):
        if data.get("pin") != data.get("pin_again"):
            raise ValidationError(PINS_DIFFER, "pin_again")


class RegisterForm(AssistedRegistrationSchema, _PinTwice):
    """The office's form: as the API's, and the resident types the PIN twice."""

    pin = text(8, required=True)


class NewPinForm(_PinTwice):
    pass


class SizeArgs(StrictSchema):
    size = fields.String(load_default="card", validate=validate.OneOf(CARD_SIZES))


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def register():
    errors: dict = {}
    if request.method == "POST":
        user, errors = submit(
            RegisterForm(),
            request.form,
            lambda d: cards.register_card_holder(
                **{k: v for k, v in d.items() if k != "pin_again"},
                actor_id=console_user().id,
                seen_on=SEEN_ON,
                scope=console_scope(),
            ),
            account_field="phone",
        )
        if user is not None:
            flash(_("%(name)s is registered. Print the card now.", name=user.display_name))
            return redirect(url_for(".card", user_id=user.id))
    return render_template(
        "admin/resident_register.html",
        values=request.form,
        errors=errors,
        tambon_groups=_tambon_groups(),
    ), 422 if errors else 200


@bp.get("/<int:user_id>/card")
@admin_required
def card(user_id: int):
    return _card_page(user_id, {})


@bp.get("/<int:user_id>/card.pdf")
@admin_required
def card_pdf(user_id: int):
    size = _size()
    user = _holder(user_id)
    pdf = cards.render_card_pdf(user, size)
    response = private_file(pdf, "application/pdf", f"member-card-{user_id}-{size}.pdf")
    # Opened in the browser's PDF viewer (a new tab), from which the admin prints at once.
    response.headers["Content-Disposition"] = f'inline; filename="member-card-{user_id}.pdf"'
    return response


@bp.get("/<int:user_id>/card/qr.png")
@admin_required
def card_qr(user_id: int):
    png = cards.render_card_qr(cards.resident_card(user_id, scope=console_scope()))
    return private_file(png, "image/png", f"member-card-{user_id}.png")


@bp.post("/<int:user_id>/card/pin")
@admin_required
def set_pin(user_id: int):
    """The card holder types a new PIN at the desk (forgotten, or locked after 5 wrong);
    a resident who has the app sets theirs there."""
    done, errors = submit(
        NewPinForm(),
        request.form,
        lambda d: cards.set_pin_at_desk(
            user_id, d["pin"], actor_id=console_user().id, scope=console_scope()
        ),
    )
    if done is None:
        return _card_page(user_id, errors), 422
    flash(_("The new PIN is set."))
    return redirect(url_for(".card", user_id=user_id))


@bp.route("/<int:user_id>/card/rotate", methods=["GET", "POST"])
@admin_required
def rotate(user_id: int):
    """A lost card: ask first (GET), then a new code (POST; the old card stops working);
    a resident who has the app replaces theirs there."""
    if request.method == "GET":
        user = cards.resident_card(user_id, scope=console_scope())
        if not cards.desk_may_change(user):
            raise CardHolderUsesApp()
        return render_template("admin/resident_card_rotate.html", resident=user, errors={})
    cards.rotate_card_at_desk(user_id, actor_id=console_user().id, scope=console_scope())
    flash(_("A new card was made: the old card no longer works. Print the new one."))
    return redirect(url_for(".card", user_id=user_id))


def _holder(user_id: int):
    user = cards.resident_card(user_id, scope=console_scope())
    privacy.log_access(console_user().id, [user_id], SEEN_ON)
    return user


def _size() -> str:
    try:
        return SizeArgs().load(request.args)["size"]
    except ValidationError:
        return "card"


def _card_page(user_id: int, errors: dict):
    user = _holder(user_id)
    return render_template(
        "admin/resident_card.html",
        resident=user,
        code=cards.format_card_code(user.card_code),
        desk_may_change=cards.desk_may_change(user),
        errors=errors,
    )
