"""Web Push (RFC 8030, encrypted per RFC 8291, signed with VAPID per RFC 8292) to the browsers
people subscribed in the app, through pywebpush.

The worker POSTs to the subscription's endpoint, an address the browser chose: only push
services named in WEB_PUSH_ALLOWED_HOSTS are accepted, so a forged subscription cannot make
the worker call anything else.
"""

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid, b64urlencode
from pywebpush import WebPushException, webpush
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from ecolife import clock
from ecolife.errors import NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.models import DeliveryChannel, PushSubscription, User
from ecolife.services.outbox import (
    TIMEOUT,
    DeliveryFailed,
    Outgoing,
    Undeliverable,
    give_up_unsent,
)

# A push waits at the push service up to a day for the phone to come online.
TTL_SECONDS = 24 * 60 * 60
# The push service forgot the subscription (the app was removed, permission withdrawn).
GONE = (404, 410)
ADDRESS_PREFIX = "push-subscription:"
# Browsers kept per user (a phone and a tablet or two; old ones are dropped).
MAX_BROWSERS = 5
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Why a waiting push was given up (outbox last_error).
GONE_AWAY = "Undeliverable: the browser unsubscribed"
MOVED = "Undeliverable: the browser moved to another account"


def enabled() -> bool:
    """Whether browsers may subscribe: Web Push is on and has (or may make) its key pair."""
    config = current_app.config
    return bool(config["WEB_PUSH"] and (config["VAPID_PRIVATE_KEY"] or config["VAPID_GENERATE"]))


def public_key() -> str:
    """The VAPID public key browsers subscribe with (applicationServerKey, base64url)."""
    if not enabled():
        raise NotFound()
    # Derived from the private key, never taken as configured: a mismatched pair would make
    # browsers subscribe with a key no push is signed with (production checks it at start).
    point = vapid_key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(point)


def vapid_key() -> Vapid:
    """The VAPID key pair: VAPID_PRIVATE_KEY, else (outside production) the one in
    VAPID_KEY_FILE, made the first time."""
    config = current_app.config
    if config["VAPID_PRIVATE_KEY"]:
        return _key_from_text(config["VAPID_PRIVATE_KEY"])
    return _key_from_file(str(config["VAPID_KEY_FILE"]))


@lru_cache(maxsize=4)
def _key_from_text(text: str) -> Vapid:
    return Vapid.from_string(text)


@lru_cache(maxsize=4)
def _key_from_file(path: str) -> Vapid:
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        key = Vapid()
        key.generate_keys()
        # Written aside then linked into place: two processes starting at once keep one pair.
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as draft:
            draft.write(key.private_pem())
        try:
            os.link(draft.name, target)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft.name)
    return Vapid.from_file(str(target))


def subscribe(user_id: int, endpoint: str, p256dh: str, auth: str) -> None:
    """Keep a browser's subscription for the user and turn their Web Push on (one use case).

    The same browser signed in to another account moves to this one."""
    from ecolife.services.delivery import set_channel

    if not enabled():
        raise NotFound()
    check_endpoint(endpoint)
    now = clock.now()
    subscription_id = db.session.execute(
        insert(PushSubscription)
        .values(user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth, created_at=now)
        .on_conflict_do_update(
            index_elements=[PushSubscription.endpoint],
            set_={"user_id": user_id, "p256dh": p256dh, "auth": auth, "created_at": now},
        )
        .returning(PushSubscription.id)
    ).scalar_one()
    # A browser that moved here takes none of the other account's waiting notifications.
    give_up_unsent(
        DeliveryChannel.WEB_PUSH,
        to=address(subscription_id),
        not_user_id=user_id,
        reason=MOVED,
    )
    _keep_newest(user_id)
    set_channel(user_id, DeliveryChannel.WEB_PUSH, True)
    db.session.commit()


def _keep_newest(user_id: int) -> None:
    """Keep a user's MAX_BROWSERS newest subscriptions: each is one more push per notification."""
    newest = (
        select(PushSubscription.id)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
        .limit(MAX_BROWSERS)
    )
    db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.id.not_in(newest)
        )
    )


def unsubscribe(user_id: int, endpoint: str) -> None:
    """Forget one of the user's browsers (another user's endpoint is left alone) and what was
    waiting to go to it."""
    gone = db.session.scalars(
        delete(PushSubscription)
        .where(PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint)
        .returning(PushSubscription.id)
    ).all()
    for subscription_id in gone:
        give_up_unsent(DeliveryChannel.WEB_PUSH, to=address(subscription_id), reason=GONE_AWAY)
    left = db.session.scalar(
        select(PushSubscription.id).where(PushSubscription.user_id == user_id).limit(1)
    )
    if gone and left is None:  # the last browser: phone notifications are off
        from ecolife.services.delivery import set_channel

        set_channel(user_id, DeliveryChannel.WEB_PUSH, False)
    db.session.commit()


def forget_browsers(user_id: int | None) -> None:
    """Unsubscribe all the user's browsers (every session of theirs ended; no commit)."""
    if user_id is None:  # an account being made has none
        return
    db.session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))
    give_up_unsent(DeliveryChannel.WEB_PUSH, user_id=user_id, reason=GONE_AWAY)


def check_endpoint(endpoint: str) -> None:
    """Refuse an endpoint that is not a known push service's https address (port 443, no
    user name, nothing two URL parsers could read differently)."""
    if not _push_service_address(endpoint):
        raise ValidationFailed({"endpoint": ["not a push service's address"]})


def _push_service_address(endpoint: str) -> bool:
    # A backslash, "@" or a control character is read one way by urlsplit and another by
    # urllib3 (which requests uses): the host checked must be the host called.
    if any(c in endpoint for c in "\\@") or any(ord(c) <= 32 or ord(c) == 127 for c in endpoint):
        return False
    try:
        parts, sent = urlsplit(endpoint), parse_url(endpoint)
        port = parts.port
    except (ValueError, LocationParseError):
        return False
    host = (parts.hostname or "").lower()
    if host != (sent.host or "").lower().strip("[]") or port != sent.port:
        return False
    allowed = current_app.config["WEB_PUSH_ALLOWED_HOSTS"]
    known = any(host == name or host.endswith("." + name) for name in allowed)
    if parts.scheme == "https" and port in (None, 443):
        return known
    return parts.scheme in ("http", "https") and host in LOOPBACK and known


def send_web_push(message: Outgoing) -> None:
    """Encrypt and POST the notification {title, body, url} to the subscription's endpoint.

    A subscription the push service forgot (404, 410) is deleted and the message ends."""
    subscription_id = subscription_of(message.to)
    subscription, lang = _subscription(subscription_id, message.user_id)
    if subscription is None:
        raise Undeliverable("the browser unsubscribed or moved to another account")
    if not _push_service_address(subscription["endpoint"]):
        raise Undeliverable("not a push service's address")
    payload = {
        "title": message.subject or "",
        "body": message.body,
        "url": app_url(),
        "lang": lang,
    }
    config = current_app.config
    try:
        webpush(
            subscription_info=subscription,
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=vapid_key(),
            vapid_claims={"sub": config["VAPID_SUBJECT"]},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT,
        )
    except WebPushException as exc:
        if exc.response is not None and exc.response.status_code in GONE:
            _forget(subscription_id)
            raise Undeliverable(f"the push service answered {exc.response.status_code}") from None
        status = exc.response.status_code if exc.response is not None else None
        raise WebPushException(f"the push service answered {status}") from None
    except requests.RequestException as exc:  # its text names the endpoint: not logged
        raise DeliveryFailed(f"push service unreachable ({type(exc).__name__})") from None
    _succeeded(subscription_id)


def address(subscription_id: int) -> str:
    """The outbox's `to` of a push: the subscription (its endpoint may be longer than `to`)."""
    return f"{ADDRESS_PREFIX}{subscription_id}"


def subscription_of(to: str) -> int:
    return int(to.removeprefix(ADDRESS_PREFIX))


def app_url() -> str:
    """Where tapping a notification leads: the app's inbox."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/app/#/notifications"


def _subscription(subscription_id: int, user_id: int | None) -> tuple[dict | None, str]:
    """The subscription, if it is still the message's user's, and that user's language."""
    row = db.session.execute(
        select(
            PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth, User.locale
        )
        .join(User, User.id == PushSubscription.user_id)
        .where(PushSubscription.id == subscription_id, PushSubscription.user_id == user_id)
    ).first()
    db.session.rollback()  # nothing open while the push service answers
    if row is None:
        return None, "th"
    keys = {"p256dh": row.p256dh, "auth": row.auth}
    return {"endpoint": row.endpoint, "keys": keys}, row.locale or "th"


def _forget(subscription_id: int) -> None:
    db.session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))
    db.session.commit()


def _succeeded(subscription_id: int) -> None:
    db.session.execute(
        update(PushSubscription)
        .where(PushSubscription.id == subscription_id)
        .values(last_success_at=clock.now())
    )
    db.session.commit()
