"""/api/v1/me/notifications: the signed-in user's inbox (residents, staff and admins alike)."""

from flask_babel import get_locale
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Integer, PageArgs, StrictSchema
from ecolife.api.security import auth_required, current_user
from ecolife.models import NotificationKind
from ecolife.services import notifications

bp = Blueprint(
    "notifications", __name__, url_prefix="/api/v1", description="The signed-in user's inbox"
)


def _text(part: int):
    def read(notification) -> str:
        return notifications.render_notification(notification, str(get_locale()))[part]

    return fields.Function(
        read, metadata={"type": "string", "description": "In the request's language."}
    )


class NotificationSchema(Schema):
    id = Integer()
    kind = fields.String(metadata={"enum": [kind.value for kind in NotificationKind]})
    title = _text(0)
    body = _text(1)
    params = fields.Dict(keys=fields.String())
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)
    unread = Integer(
        metadata={"description": "How many of all the user's notifications are unread."}
    )


class MarkReadSchema(StrictSchema):
    ids = fields.List(
        Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "Notifications to mark read; others' ids are ignored."},
    )
    all = fields.Boolean(load_default=False, metadata={"description": "Mark every one read."})
    up_to_id = Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(min=1, max=2**63 - 1),
        metadata={
            "description": "With all: only those up to this id (the newest one shown): one "
            "that came later stays unread."
        },
    )

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data["ids"] and not data["all"]:
            raise ValidationError("Give ids, or all: true.", "ids")


class UnreadSchema(Schema):
    unread = Integer()


@bp.route("/me/notifications")
@auth_required()
@bp.arguments(PageArgs, location="query")
@bp.response(200, InboxSchema)
def my_notifications(args):
    """List the signed-in user's notifications, newest first, with the unread count."""
    return notifications.inbox(current_user().id, limit=args["limit"], cursor=args["cursor"])


@bp.route("/me/notifications/read", methods=["POST"])
@auth_required()
@bp.arguments(MarkReadSchema)
@bp.response(200, UnreadSchema)
def mark_read(data):
    """Mark notifications read (`ids`, or `all: true`); answers how many stay unread.

    Ids that are not the user's are ignored, so the answer never tells whether they exist."""
    unread = notifications.mark_read(
        current_user().id, data["ids"], everything=data["all"], up_to_id=data["up_to_id"]
    )
    return {"unread": unread}
