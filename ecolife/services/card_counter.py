"""Member cards at the counter: staff credit a card holder's refusals and hand over rewards
the holder confirms with their PIN.

A card holder has no phone, so the staff's request stands for them: a credit goes through
the scan's own read, rules and write (earning.earn_at_counter) with the shop's daily limit
of card credits on top, and a redemption through the redemptions service, confirmed at
once. The Idempotency-Key is the staff member's: it is stored under the holder (whose row
orders their credits and spending) as a digest of the staff member and the key, so it can
neither meet the holder's own app keys nor another staff member's.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse

from ecolife import clock
from ecolife.errors import CardPinLocked, PinTriesExceeded, ShopInactive, UnknownCard, WrongPin
from ecolife.extensions import db, limiter
from ecolife.logs import log_event
from ecolife.models import Reward, Shop, User
from ecolife.services import cards, earning, redemptions, rewards
from ecolife.services.earning import ScanResult
from ecolife.services.redemptions import Counter, RedemptionResult

KEY_PREFIX = "card:"
# The shop's rewards listed beside a card holder: more than a counter ever offers.
REWARDS_SHOWN = 100
# The limiter's namespace of wrong PIN tries (per staff member, per shop).
PIN_TRIES = "card-pin-wrong"


@dataclass(frozen=True)
class CardHolder:
    """What staff see of a card holder: the name to greet them by, their points, and what
    they can take at this shop now."""

    user_id: int
    display_name: str
    balance: int
    suspended: bool
    pin_set: bool
    rewards: list[Reward]


def look_up_card(shop_id: int, card: str) -> CardHolder:
    """Find a card's holder for the shop's staff, with the shop's rewards they can afford;
    not at a suspended shop (ShopInactive)."""
    _check_shop(shop_id)
    holder = _holder(card)
    now = clock.now()
    available = rewards.list_rewards(shop_id=shop_id, limit=REWARDS_SHOWN, cursor=None).items
    affordable = [
        reward
        for reward in available
        if reward.points <= holder.balance
        and (reward.stock is None or reward.stock > 0)
        and reward.available_at(now)
    ]
    return CardHolder(
        holder.id,
        holder.display_name,
        holder.balance,
        holder.suspended_at is not None,
        holder.card_pin_hash is not None,
        affordable,
    )


def credit_card(
    staff: User, *, key: str, card: str, action: str | None = None, quantity: int | None = None
) -> ScanResult:
    """Credit a card holder at the staff member's shop, under a poster scan's rules and the
    shop's daily limit of card credits; once per staff member and Idempotency-Key."""
    holder_id = _holder(card).id
    counter = earning.CounterCredit(shop_id=staff.shop_id, staff_id=staff.id)
    # The credit runs on a connection of its own: give this one back to the pool first.
    db.session.rollback()
    return earning.earn_at_counter(
        holder_id,
        counter,
        key=counter_key(counter.staff_id, key),
        action=action,
        quantity=quantity,
    )


def redeem_with_card(
    staff: User, *, key: str, card: str, reward_id: int, pin: str
) -> RedemptionResult:
    """Hand one of the shop's rewards to a card holder who typed their PIN on the staff's
    screen: the redemption is made and confirmed at once.

    A wrong PIN is refused (WrongPin, with the tries left) before anything else happens;
    the fifth in a row locks the card's PIN for a day (CardPinLocked). A malformed PIN is a
    ValidationFailed that counts nothing. Past the wrong tries a staff member or their shop
    may make in a day (CARD_PIN_WRONG_TRIES_PER_STAFF / _PER_SHOP), PinTriesExceeded; each
    wrong try is logged with who made it.
    """
    _check_shop(staff.shop_id)
    holder = _holder(card)
    holder_id = holder.id
    pin = cards.normalize_pin(pin, new=False)
    tries = _pin_tries(staff)
    _check_pin_tries(tries)
    try:
        right = cards.check_pin(holder, pin)
    except CardPinLocked:
        _wrong_pin_tried(tries, staff, holder_id)
        raise
    if not right:
        _wrong_pin_tried(tries, staff, holder_id)
        raise WrongPin(tries_left=max(0, cards.PIN_MAX_FAILURES - holder.card_pin_failures))
    return redemptions.redeem_at_counter(
        holder.id,
        Counter(shop_id=staff.shop_id, staff_id=staff.id),
        key=counter_key(staff.id, key),
        reward_id=reward_id,
    )


def counter_key(staff_id: int, key: str) -> str:
    """Store a staff member's Idempotency-Key under the card holder: a digest that no app
    key of the holder's and no other staff member's key can equal (64 characters)."""
    digest = hashlib.sha256(f"{staff_id}\n{key}".encode()).hexdigest()
    return KEY_PREFIX + digest[: 64 - len(KEY_PREFIX)]


def _check_shop(shop_id: int) -> None:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.active:
        db.session.rollback()
        raise ShopInactive()


def _pin_tries(staff: User) -> list[tuple[RateLimitItem, str, str]]:
    config = current_app.config
    return [
        (parse(config["CARD_PIN_WRONG_TRIES_PER_STAFF"]), "staff", str(staff.id)),
        (parse(config["CARD_PIN_WRONG_TRIES_PER_SHOP"]), "shop", str(staff.shop_id)),
    ]


def _check_pin_tries(tries: list[tuple[RateLimitItem, str, str]]) -> None:
    """Refuse the try when the staff member or their shop made today's wrong tries."""
    for limit, *key in tries:
        if not limiter.limiter.test(limit, PIN_TRIES, *key):
            reset_at = limiter.limiter.get_window_stats(limit, PIN_TRIES, *key).reset_time
            retry_after = max(1, int(reset_at - time.time()))
            db.session.rollback()
            raise PinTriesExceeded(retry_after=retry_after, minutes=-(-retry_after // 60))


def _wrong_pin_tried(tries: list[tuple[RateLimitItem, str, str]], staff: User, holder_id: int):
    for limit, *key in tries:
        limiter.limiter.hit(limit, PIN_TRIES, *key)
    log_event(
        "card_pin_wrong",
        level=logging.WARNING,
        staff_id=staff.id,
        shop_id=staff.shop_id,
        holder_id=holder_id,
    )


def _holder(card: str) -> User:
    holder = cards.card_holder(card)
    if holder is None:
        db.session.rollback()
        raise UnknownCard()
    return holder
