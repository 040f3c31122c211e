"""What a resident sees of themselves: balance, impact and history."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ecolife.errors import NotFound
from ecolife.extensions import db
from ecolife.models import Impact, User


@dataclass(frozen=True)
class Profile:
    user: User
    impact: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


def profile(user_id: int) -> Profile:
    """Return the user with their balance and what they have kept out of the bin."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    impacts = db.session.scalars(select(Impact).where(Impact.user_id == user_id))
    items, milligrams = {}, 0
    for impact in impacts:
        items[impact.action.code] = impact.items
        milligrams += impact.milligrams
    return Profile(user, {"items": items, "grams_plastic": milligrams / 1000})
