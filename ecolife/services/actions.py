"""What residents can refuse, and the points and grams of plastic each is worth."""

from sqlalchemy import select

from ecolife import clock
from ecolife.errors import NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.models import Action
from ecolife.rules import BANGKOK

ACTION_FIELDS = (
    "name_th",
    "name_en",
    "points",
    "milligrams",
    "milligrams_source",
    "milligrams_set_on",
    "active",
    "position",
)


def list_actions(*, include_inactive: bool = False) -> list[Action]:
    """Return the actions in display order."""
    stmt = select(Action).order_by(Action.position, Action.id)
    if not include_inactive:
        stmt = stmt.where(Action.active.is_(True))
    return list(db.session.scalars(stmt))


def find_action(code: str, *, active_only: bool = True) -> Action | None:
    """Return the action with this code, if any (and active, unless told otherwise)."""
    action = db.session.scalar(select(Action).where(Action.code == code))
    if action is None or (active_only and not action.active):
        return None
    return action


def create_action(data: dict) -> Action:
    """Add an action residents can refuse."""
    if find_action(data["code"], active_only=False) is not None:
        raise ValidationFailed({"code": ["An action with this code exists."]})
    action = Action(code=data["code"])
    _apply(action, data)
    db.session.add(action)
    db.session.commit()
    return action


def update_action(code: str, changes: dict) -> Action:
    """Change an action's names, points, grams or order; `active: False` retires it."""
    action = find_action(code, active_only=False)
    if action is None:
        raise NotFound()
    _apply(action, changes)
    db.session.commit()
    return action


def _apply(action: Action, data: dict) -> None:
    if "grams" in data:
        data = {**data, "milligrams": round(data["grams"] * 1000)}
    new_figure = data.get("milligrams", action.milligrams) != action.milligrams
    if new_figure and data.get("milligrams_set_on") in (None, action.milligrams_set_on):
        # A new figure without a new date is dated today: the public method section says when.
        data = {**data, "milligrams_set_on": clock.now().astimezone(BANGKOK).date()}
    for name in ACTION_FIELDS:
        if name in data:
            setattr(action, name, data[name])
