"""/api/v1 for where notifications go (Web Push, LINE, e-mail), and LINE's webhook."""

import base64
import binascii

from flask import Blueprint as FlaskBlueprint
from flask import request
from linebot.v3.exceptions import InvalidSignatureError
from marshmallow import ValidationError, fields, validate, validates_schema

from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import Boolean, StrictSchema
from ecolife.api.security import auth_required, current_user
from ecolife.services import delivery, line_messaging, web_push

bp = Blueprint(
    "notification_settings",
    __name__,
    url_prefix="/api/v1",
    description="Where notifications go: phone (Web Push), LINE, e-mail",
)
# LINE's webhook: outside /api/v1 (LINE posts its own format, signed, without a token).
line_webhook = FlaskBlueprint("line_webhook", __name__)


def _base64url_of(size: int, *, first: int | None = None):
    """A validator: base64url text of exactly `size` bytes (a P-256 point starts with 4)."""

    def check(value: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raise ValidationError("Not base64url.") from None
        if len(raw) != size or (first is not None and raw[0] != first):
            raise ValidationError(f"Not a key of {size} bytes.")

    return check


class PushKeysSchema(StrictSchema):
    p256dh = fields.String(
        required=True,
        validate=[validate.Length(max=128), _base64url_of(65, first=4)],
        metadata={"description": "the browser's P-256 public key, base64url"},
    )
    auth = fields.String(
        required=True,
        validate=[validate.Length(max=64), _base64url_of(16)],
        metadata={"description": "the 16-byte authentication secret, base64url"},
    )


class PushSubscriptionSchema(StrictSchema):
    endpoint = fields.Url(
        required=True, schemes={"https", "http"}, validate=validate.Length(max=2000)
    )
    keys = fields.Nested(PushKeysSchema, required=True)
    # PushSubscription.toJSON() sends it too (a time in ms, mostly null); not used.
    expirationTime = fields.Float(  # noqa: N815 - the browser's name
        allow_none=True, load_default=None, metadata={"description": "ignored"}
    )


class PushEndpointSchema(StrictSchema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class VapidKeySchema(StrictSchema):
    public_key = fields.String(metadata={"description": "applicationServerKey, base64url"})


class LineLinkSchema(StrictSchema):
    code = fields.String(metadata={"description": "send this as a message to the LINE account"})
    expires_at = fields.DateTime()
    add_friend_url = fields.String(allow_none=True)


class LineSettingsSchema(StrictSchema):
    enabled = Boolean()
    linked = Boolean(dump_only=True)
    available = Boolean(dump_only=True)
    add_friend_url = fields.String(dump_only=True, allow_none=True)


class EmailSettingsSchema(StrictSchema):
    enabled = Boolean()
    available = Boolean(dump_only=True)


class NotificationSettingsSchema(StrictSchema):
    web_push = Boolean(metadata={"description": "phone notifications (Web Push) on"})
    web_push_available = Boolean(dump_only=True)
    web_push_subscribed = Boolean(dump_only=True)
    web_push_browsers = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "SHA-256 (hex) of each subscribed browser's endpoint"},
    )
    line = fields.Nested(LineSettingsSchema)
    email = fields.Nested(EmailSettingsSchema)


class NotificationSettingsChangeSchema(NotificationSettingsSchema):
    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one channel to change.", "_schema")


@bp.route("/push/vapid-public-key")
@bp.response(200, VapidKeySchema)
def vapid_public_key():
    """The key browsers subscribe to Web Push with (404 when Web Push is off)."""
    return {"public_key": web_push.public_key()}


@bp.route("/me/push-subscriptions", methods=["POST"])
@auth_required()
@bp.arguments(PushSubscriptionSchema)
@bp.response(201, NotificationSettingsSchema)
def subscribe_browser(data):
    """Keep this browser's push subscription (PushSubscription.toJSON()) and turn phone
    notifications on."""
    user_id = current_user().id
    keys = data["keys"]
    web_push.subscribe(user_id, data["endpoint"], keys["p256dh"], keys["auth"])
    return delivery.channel_settings(user_id)


@bp.route("/me/push-subscriptions", methods=["DELETE"])
@auth_required()
@bp.arguments(PushEndpointSchema)
@bp.response(204)
def unsubscribe_browser(data):
    """Forget one of your browsers' push subscriptions (the last one: phone notifications off)."""
    web_push.unsubscribe(current_user().id, data["endpoint"])


@bp.route("/me/line-link", methods=["POST"])
@auth_required()
@bp.response(201, LineLinkSchema)
def start_line_link():
    """A one-time code (15 minutes) to send to the programme's LINE Official Account."""
    return line_messaging.start_link(current_user().id)


@bp.route("/me/line-link", methods=["DELETE"])
@auth_required()
@bp.response(204)
def unlink_line():
    """Unlink your LINE account: nothing more goes there."""
    line_messaging.unlink(current_user().id)


@bp.route("/me/notification-settings")
@auth_required()
@bp.response(200, NotificationSettingsSchema)
def notification_settings():
    """Which channels your notifications go to (each is off until you turn it on)."""
    return delivery.channel_settings(current_user().id)


@bp.route("/me/notification-settings", methods=["PATCH"])
@auth_required()
@bp.arguments(NotificationSettingsChangeSchema)
@bp.response(200, NotificationSettingsSchema)
def change_notification_settings(data):
    """Turn channels on or off (e-mail: staff and admins with an address only)."""
    return delivery.change_channel_settings(current_user().id, data)


@line_webhook.post("/line/webhook")
def receive_line_events():
    """LINE's webhook: 400 unless signed with the channel secret; links senders of live codes."""
    if not line_messaging.enabled():
        return {"status": "off"}, 404
    body = request.get_data(as_text=True)
    try:
        line_messaging.handle_webhook(body, request.headers.get("X-Line-Signature", ""))
    except InvalidSignatureError:
        return {"status": "bad signature"}, 400
    return {"status": "ok"}, 200
