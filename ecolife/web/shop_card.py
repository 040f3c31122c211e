"""The shop console's member-card page at /shop/card: scan or type a card, see its holder,
credit what they refused, or hand over a reward they confirm with their PIN.

A card's code is as good as the card: it is posted (never in a URL, so never in a log or
the browser's history) and kept in the console session while staff serve its holder."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ecolife.api.card_counter import CardRedemptionRequestSchema, CardScanRequestSchema
from ecolife.api.problems import PROBLEMS
from ecolife.errors import DomainError
from ecolife.extensions import db
from ecolife.models import Role
from ecolife.security import random_token
from ecolife.services import actions, card_counter
from ecolife.web.forms import submit
from ecolife.web.session import console_required, console_user

bp = Blueprint("shop_card", __name__, url_prefix="/shop/card")
staff_required = console_required(Role.SHOP_STAFF)
# An Idempotency-Key as the API takes it: the page's forms carry a fresh one each.
KEY = re.compile(r"[!-~]{1,64}")
# The card being served, in the console session (not in the page's URL).
SESSION_CARD = "counter_card"
# Refusals as the staff should hear them (about the card holder, not "you").
REFUSALS = {
    "unknown_card": _l(
        "No member card with this code. Check the code, or the card may have been replaced."
    ),
    "cooldown_active": _l(
        "The card holder earned points at this shop a moment ago: they can earn here again "
        "in %(minutes)s minutes."
    ),
    "daily_cap_reached": _l("The card holder has reached today's points limit: no points."),
    "account_suspended": _l(
        "The card holder's account is suspended: no points and no rewards. They can ask the "
        "municipal office why."
    ),
    "shop_inactive": _l("This shop is suspended: no points or rewards can be given here."),
    "card_credit_limit_reached": _l(
        "Your shop has given today's %(limit)s member-card credits. Card holders can earn "
        "here again tomorrow."
    ),
    "wrong_pin": _l("Wrong PIN. %(tries_left)s tries left before the PIN is locked."),
    "card_pin_locked": _l(
        "The PIN was wrong 5 times and is locked until %(until)s. The card holder can set a "
        "new PIN at the municipal office (or in the app) before then."
    ),
    "pin_tries_exceeded": _l(
        "Too many wrong PINs were typed at your counter today: redeeming with a PIN is paused "
        "for %(minutes)s minutes. Giving points still works."
    ),
    "card_pin_not_set": _l(
        "This card holder has no PIN yet. They set one at the municipal office (or in the "
        "app) before they can redeem."
    ),
    "insufficient_points": _l("The card holder does not have enough points for this reward."),
    "out_of_stock": _l("This reward has run out."),
    "reward_unavailable": _l(
        "This reward cannot be handed over now, or the card holder has reached its limit."
    ),
    "not_found": _l("This reward is not one of your shop's."),
}


@bp.get("/")
@staff_required
def index():
    card = session.get(SESSION_CARD, "")
    if not card:
        return render_template("shop/card.html", card="", holder=None, problem=None)
    page, status = _holder_page(card)
    if status != 200:  # the card was replaced (or the shop suspended) meanwhile
        session.pop(SESSION_CARD, None)
    return page, status


@bp.post("/")
@staff_required
def look_up():
    """Look a scanned or typed card up; serve its holder (the card kept in the session)."""
    card = request.form.get("card", "").strip()[:64]
    try:
        card_counter.look_up_card(console_user().shop_id, card)
    except DomainError as refusal:
        page = render_template("shop/card.html", card=card, holder=None, problem=_refusal(refusal))
        return page, _status(refusal)
    session[SESSION_CARD] = card
    return redirect(url_for(".index"))


@bp.post("/another")
@staff_required
def another():
    """Done with this card holder: forget the card."""
    session.pop(SESSION_CARD, None)
    return redirect(url_for(".index"))


@bp.post("/credit")
@staff_required
def credit():
    result, failed = _submit(CardScanRequestSchema(), card_counter.credit_card, "credit_errors")
    if failed is not None:
        return failed
    flash(
        _(
            "%(points)s points given. The card holder now has %(balance)s points.",
            points=result.scan.points,
            balance=result.balance,
        )
    )
    session[SESSION_CARD] = request.form.get("card", "")
    return redirect(url_for(".index"))


@bp.post("/redeem")
@staff_required
def redeem():
    result, failed = _submit(
        CardRedemptionRequestSchema(), card_counter.redeem_with_card, "redeem_errors"
    )
    if failed is not None:
        return failed
    session[SESSION_CARD] = request.form.get("card", "")
    return render_template("shop/card_redeemed.html", result=result)


def _submit(schema, use_case, errors_name: str):
    """Run one of the page's forms through `use_case` as the signed-in staff member, with
    the form's key: (result, None), or (None, the holder's page saying what went wrong)."""
    card, key = request.form.get("card", ""), _key()
    try:
        result, errors = submit(
            schema, request.form, lambda d: use_case(console_user(), key=key, **d)
        )
    except DomainError as refusal:
        return None, _holder_page(card, problem=_refusal(refusal), status=_status(refusal))
    if result is None:
        return None, _holder_page(card, status=422, **{errors_name: errors})
    return result, None


def _holder_page(card: str, *, problem: str | None = None, status: int = 200, **errors):
    try:
        holder = card_counter.look_up_card(console_user().shop_id, card)
    except DomainError as refusal:
        return render_template(
            "shop/card.html", card=card, holder=None, problem=_refusal(refusal)
        ), _status(refusal)
    page = render_template(
        "shop/card.html",
        card=card,
        holder=holder,
        problem=problem,
        actions=actions.list_actions(),
        values=request.form if request.method == "POST" else {},
        credit_errors=errors.get("credit_errors", {}),
        redeem_errors=errors.get("redeem_errors", {}),
        key=random_token(16),
    )
    return page, status


def _key() -> str:
    key = request.form.get("key", "").strip()
    if not KEY.fullmatch(key):
        abort(400)
    return key


def _refusal(refusal: DomainError) -> str:
    db.session.rollback()
    message = REFUSALS.get(refusal.code) or PROBLEMS[refusal.code][2]
    params = {k: v for k, v in refusal.params.items() if k != "retry_after"}
    return str(message) % params if params else str(message)


def _status(refusal: DomainError) -> int:
    return PROBLEMS[refusal.code][0]
