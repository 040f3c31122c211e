"""The member card: a random, rotatable code a resident without a smartphone shows at a
counter (as a QR, or typed), and the 4-digit PIN they confirm a redemption with.

The code is 12 characters of the unambiguous alphabet (security.CODE_ALPHABET): 25^12 ≈ 6·10^16
codes, so one cannot be guessed at a counter. The card's QR carries the code in its display
form ("ABCD-EFGH-JKMN"); `card_holder` takes that, or what staff typed, in any case or spacing.
"""

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import case, or_, select, update

from ecolife import clock, rules
from ecolife.card_pdf import CardInfo, CardSize, card_pdf
from ecolife.errors import (
    CardHolderUsesApp,
    CardPinLocked,
    CardPinNotSet,
    NoCard,
    NotFound,
    ValidationFailed,
)
from ecolife.extensions import db
from ecolife.models import AccountEvent, Role, User
from ecolife.qr import qr_png
from ecolife.security import CODE_ALPHABET, hash_password, typed_code, verify_password
from ecolife.services import accounts, privacy, residents
from ecolife.services.card_codes import CARD_CODE_LENGTH, ensure_card, rotate_card
from ecolife.services.scope import PROVINCE_WIDE, AdminScope

# Wrong PIN tries after which the card's PIN stops being accepted until a new one is set.
PIN_MAX_FAILURES = 5
PIN_FORMAT = "Give exactly 4 digits."
# Thai digits (๐–๙) typed on a Thai keyboard count as the same digits.
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_PIN = re.compile(r"[0-9]{4}", re.ASCII)
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CARD_CODE_LENGTH}}}")


def card_holder(text: str) -> User | None:
    """Find the resident whose card this is, from what a camera read off the card's QR or
    what staff typed ("abcd efgh jkmn", "ABCD-EFGH-JKMN"); None for anything else, a
    replaced code, or an erased account. A suspended resident is returned (the rules
    refuse them later, saying why)."""
    code = typed_code(text or "")
    if not _CODE.fullmatch(code):
        return None
    return db.session.scalar(
        select(User).where(
            User.card_code == code, User.role == Role.RESIDENT, User.erased_at.is_(None)
        )
    )


def format_card_code(code: str) -> str:
    """Show a card code in groups of four: "ABCD-EFGH-JKMN"."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# A PIN locked by wrong tries opens again this long after it locked (or when a new one is set).
PIN_LOCK = timedelta(hours=24)
PIN_TRIVIAL = (
    "Choose a PIN that is hard to guess: not one digit four times (like 0000) and not digits in"
    " a row (like 1234 or 4321)."
)


def normalize_pin(pin: str, *, new: bool = True) -> str:
    """Return a PIN as 4 ASCII digits (Thai digits accepted), or raise ValidationFailed.

    A `new` PIN (one being set) must also be hard to guess: not one digit four times, not a
    run up or down (0123, 1234, 4321 …). A PIN being checked is only normalised."""
    pin = (pin or "").strip().translate(_THAI_DIGITS)
    if not _PIN.fullmatch(pin):
        raise ValidationFailed({"pin": [PIN_FORMAT]})
    if new and _trivial_pin(pin):
        raise ValidationFailed({"pin": [PIN_TRIVIAL]})
    return pin


def _trivial_pin(pin: str) -> bool:
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    return steps in ({0}, {1}, {-1})


def set_pin(user: User, pin: str) -> None:
    """Set (or change) the card holder's 4-digit PIN (not a trivial one) and forget earlier
    wrong tries and any lock (not committed)."""
    user.card_pin_hash = hash_password(normalize_pin(pin))
    user.card_pin_failures = 0
    user.card_pin_locked_at = None


def check_pin(user: User, pin: str) -> bool:
    """Tell whether `pin` is the card holder's PIN, counting wrong tries.

    A malformed PIN (not 4 digits) is a ValidationFailed that counts nothing. A wrong try is
    committed at once (so a refusal the caller raises after it cannot roll it back): call
    this before changing anything else in the transaction. The fifth wrong try, and every
    try after it, raises CardPinLocked (saying until when) for PIN_LOCK, or until a new PIN
    is set; a right PIN resets the count (committed with the caller's transaction). Tries at
    one card are taken one at a time (the count is updated under the user's row lock), so
    parallel guesses count too. CardPinNotSet when the holder never chose a PIN.
    """
    if user.card_pin_hash is None:
        raise CardPinNotSet()
    plain = normalize_pin(pin, new=False)
    now = clock.now()
    # A lock that has run its time starts the count again (a lock without a time, from
    # before locks expired, too).
    expired = or_(User.card_pin_locked_at.is_(None), User.card_pin_locked_at <= now - PIN_LOCK)
    before = case((User.card_pin_failures < PIN_MAX_FAILURES, User.card_pin_failures), else_=0)
    # Take a try (and the row's lock) before checking, so that no parallel try slips past.
    taken = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.card_pin_failures < PIN_MAX_FAILURES, expired))
        .values(
            card_pin_failures=before + 1,
            card_pin_locked_at=case((before + 1 >= PIN_MAX_FAILURES, now), else_=None),
        )
        .returning(User.card_pin_failures, User.card_pin_hash, User.card_pin_locked_at)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        locked_at = db.session.scalar(select(User.card_pin_locked_at).where(User.id == user.id))
        db.session.rollback()
        raise CardPinLocked(**pin_lock_params(locked_at))
    failures, pin_hash, locked_at = taken
    if pin_hash is not None and verify_password(pin_hash, plain):
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(card_pin_failures=0, card_pin_locked_at=None)
            .execution_options(synchronize_session=False)
        )
        user.card_pin_failures = 0
        return True
    db.session.commit()
    if failures >= PIN_MAX_FAILURES:
        raise CardPinLocked(**pin_lock_params(locked_at))
    return False


def pin_lock_params(locked_at) -> dict:
    """Until when a PIN locked at `locked_at` stays locked: for clients (ISO 8601) and for
    people (Bangkok time)."""
    until = (locked_at or clock.now()) + PIN_LOCK
    return {
        "locked_until": until.isoformat(),
        "until": until.astimezone(rules.BANGKOK).strftime("%d/%m/%Y %H:%M"),
    }


# --- A resident's own card, and the cards admins print --------------------------------------

WRONG_PASSWORD = "The password is wrong."
SCOPED_NEEDS_HOME = "Choose the resident's sub-district inside the area you manage."
REGISTERED_JUST_NOW = (
    "You registered a resident with this name and sub-district less than a minute ago:"
    " open their card from the residents list instead of registering them twice."
)
# An admin registering the same name and sub-district again within this time is refused (a
# form sent twice); a real namesake is registered a minute later.
TWIN_REGISTRATION_WINDOW = timedelta(minutes=1)


def own_card(user: User) -> str:
    """Return the signed-in resident's card code (read only: the card was made at sign-up);
    NoCard if they have none (POST /me/card/rotate makes one)."""
    _check_holder(user)
    if user.card_code is None:
        raise NoCard()
    return user.card_code


def rotate_own_card(user: User) -> str:
    """Replace the resident's card (lost, or seen by someone): the old code stops working.
    Also makes a card for a resident who has none."""
    _check_holder(user)
    code = rotate_card(user)
    db.session.commit()
    return code


def _check_holder(user: User) -> None:
    # Only a resident holds a card; an erased account has none.
    if user.role != Role.RESIDENT or user.erased_at is not None:
        raise NotFound()


def change_pin(user: User, pin: str, password: str) -> None:
    """Set the card's PIN from the app, the account's password proving it is the holder."""
    if not verify_password(user.password_hash, password):
        raise ValidationFailed({"password": [WRONG_PASSWORD]})
    set_pin(user, pin)
    db.session.commit()


def card_info(user: User) -> CardInfo:
    """What the printed card shows; NoCard if the resident has no card."""
    if user.card_code is None:
        raise NoCard()
    return CardInfo(user.display_name, format_card_code(user.card_code))


def render_card_pdf(user: User, size: CardSize = "card") -> bytes:
    """The member card of a resident as a printable PDF (credit-card size or A6)."""
    return card_pdf(card_info(user), size)


def render_card_qr(user: User) -> bytes:
    """The card's QR as a PNG (large, for the app's screen)."""
    return qr_png(card_info(user).code, box_size=12)


def resident_card(user_id: int, *, scope: AdminScope = PROVINCE_WIDE) -> User:
    """A resident an admin can see, to show or print their card (read only); NoCard if
    they have none."""
    user = residents.get_resident(user_id, scope=scope).user
    if user.erased_at is not None:
        raise NotFound()
    if user.card_code is None:
        raise NoCard()
    return user


def set_pin_at_desk(
    user_id: int, pin: str, *, actor_id: int, scope: AdminScope = PROVINCE_WIDE
) -> User:
    """An admin sets the PIN the card holder typed at the desk (forgotten, or locked)."""
    pin = normalize_pin(pin)
    return _change_at_desk(user_id, "card_pin", lambda user: set_pin(user, pin), actor_id, scope)


def rotate_card_at_desk(user_id: int, *, actor_id: int, scope: AdminScope = PROVINCE_WIDE) -> User:
    """An admin replaces a lost card: the old code stops working at once."""
    return _change_at_desk(user_id, "card_rotate", rotate_card, actor_id, scope)


def desk_may_change(user: User) -> bool:
    """May an admin change this card holder's PIN or card? Only for a resident without an
    app login (no phone, no e-mail): one who has the app changes their own there."""
    return user.phone is None and user.email is None


def _change_at_desk(
    user_id: int, kind: str, change: Callable[[User], object], actor_id: int, scope: AdminScope
) -> User:
    residents.get_resident(user_id, scope=scope)  # NotFound outside the admin's scope
    # The row is locked, so that the check below holds until the change is committed.
    user = db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    _check_holder(user)
    if not desk_may_change(user):
        raise CardHolderUsesApp()
    change(user)
    db.session.add(AccountEvent(user_id=user_id, kind=kind, reason="", actor_id=actor_id))
    db.session.commit()
    return user


def register_card_holder(
    *,
    display_name: str,
    actor_id: int,
    seen_on: str,
    phone: str | None = None,
    email: str | None = None,
    home_tambon_code: str | None = None,
    pin: str | None = None,
    scope: AdminScope = PROVINCE_WIDE,
) -> User:
    """Register a resident at a municipal office (assisted registration): phone and e-mail
    are optional (validated and unique as at sign-up), the card is made at once, and the PIN
    the resident typed is set. A scoped admin registers residents of their own area: the
    sub-district is then required, and must be inside it (so they can print the card); it
    is kept as where the resident was registered (their scope). The PDPA access log (the
    admin saw what they typed, on `seen_on`) is written in the same transaction.

    The same admin registering the same name and sub-district twice within a minute (a
    form sent twice) is refused: one resident is made."""
    if home_tambon_code is not None:
        residents.home_tambon(home_tambon_code)
    if not scope.province_wide and not scope.covers(home_tambon_code):
        raise ValidationFailed({"home_tambon_code": [SCOPED_NEEDS_HOME]})
    if pin is not None:
        pin = normalize_pin(pin)
    # The admin's row is locked: their registrations are made one at a time, so a twin
    # request waits for the first one and then sees the resident it made.
    db.session.execute(select(User.id).where(User.id == actor_id).with_for_update())
    twin = db.session.scalar(
        select(User.id).where(
            User.registered_by_id == actor_id,
            User.display_name == display_name,
            User.home_tambon_code.is_not_distinct_from(home_tambon_code),
            User.created_at > clock.now() - TWIN_REGISTRATION_WINDOW,
        )
    )
    if twin is not None:
        raise ValidationFailed({"display_name": [REGISTERED_JUST_NOW]})
    user = User(
        display_name=display_name,
        phone=phone,
        email=email,
        role=Role.RESIDENT,
        home_tambon_code=home_tambon_code,
        registered_area_code=home_tambon_code,
        registered_by_id=actor_id,
        created_at=clock.now(),
    )
    accounts.add_account(user)
    ensure_card(user)
    if pin is not None:
        set_pin(user, pin)
    privacy.log_access(actor_id, [user.id], seen_on)  # commits the registration with it
    return user
