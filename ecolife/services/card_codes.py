"""Drawing a member card's code (see services.cards): kept apart so that sign-up
(services.accounts) makes the card without importing the card rules."""

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ecolife.extensions import db
from ecolife.models import User
from ecolife.security import random_code

CARD_CODE_LENGTH = 12
# Tries at a fresh code when one collides with another card's (practically never).
_ATTEMPTS = 5


def ensure_card(user: User) -> str:
    """Return the user's card code, making one if they have none (flushed, not committed):
    at sign-up and at assisted registration.

    Two requests creating the same user's card at once get the same code: the code is set
    only while the user has none.
    """
    if user.card_code is not None:
        return user.card_code
    for _ in range(_ATTEMPTS):
        try:
            with db.session.begin_nested():
                db.session.execute(
                    update(User)
                    .where(User.id == user.id, User.card_code.is_(None))
                    .values(card_code=random_code(CARD_CODE_LENGTH))
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue  # another card has this code: draw again
        db.session.refresh(user, ["card_code"])
        if user.card_code is not None:
            return user.card_code
    raise RuntimeError("could not draw a unique card code")


def rotate_card(user: User) -> str:
    """Give the user a new card code (flushed, not committed); the old one stops working at
    once: `card_holder` no longer finds it."""
    for _ in range(_ATTEMPTS):
        try:
            with db.session.begin_nested():
                db.session.execute(
                    update(User)
                    .where(User.id == user.id)
                    .values(card_code=random_code(CARD_CODE_LENGTH))
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue
        db.session.refresh(user, ["card_code"])
        return user.card_code
    raise RuntimeError("could not draw a unique card code")
