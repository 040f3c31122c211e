"""/api/v1/admin: the actions residents can refuse and the anti-abuse limits (programme-wide:
province-wide admins only)."""

from ecolife.api.blueprint import Blueprint
from ecolife.api.earning_schemas import (
    ActionCreateSchema,
    ActionUpdateSchema,
    AdminActionSchema,
    LimitsSchema,
    LimitsUpdateSchema,
)
from ecolife.api.security import province_admin_only
from ecolife.services import actions, settings

bp = Blueprint(
    "admin_rules", __name__, url_prefix="/api/v1/admin", description="Earning rules (admin)"
)


@bp.route("/actions", methods=["GET"])
@province_admin_only
@bp.response(200, AdminActionSchema(many=True))
def list_actions():
    """List every action, retired ones included."""
    return actions.list_actions(include_inactive=True)


@bp.route("/actions", methods=["POST"])
@province_admin_only
@bp.arguments(ActionCreateSchema)
@bp.response(201, AdminActionSchema)
def create_action(data):
    """Add something residents can refuse."""
    return actions.create_action(data)


@bp.route("/actions/<code>", methods=["PATCH"])
@province_admin_only
@bp.arguments(ActionUpdateSchema)
@bp.response(200, AdminActionSchema)
def update_action(data, code: str):
    """Change an action's names, points or grams; `active: false` retires it."""
    return actions.update_action(code, data)


@bp.route("/limits", methods=["GET"])
@province_admin_only
@bp.response(200, LimitsSchema)
def get_limits():
    """Show the cooldown, daily caps, maximum quantity and code lifetime."""
    return settings.current_limits()


@bp.route("/limits", methods=["PATCH"])
@province_admin_only
@bp.arguments(LimitsUpdateSchema)
@bp.response(200, LimitsSchema)
def update_limits(data):
    """Change some of the limits."""
    return settings.update_limits(data)
