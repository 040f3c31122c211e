"""Web Push against a local stand-in for a push service that checks what the RFCs require:
RFC 8030 (POST, TTL), RFC 8291 (aes128gcm, decrypted here with the browser's own private key
and auth secret) and RFC 8292 (a VAPID JWT for the endpoint's origin, signed by our key)."""

import base64
import json
import os
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid, b64urlencode
from sqlalchemy import func, select, text, update

from ecolife import clock
from ecolife.errors import ValidationFailed
from ecolife.extensions import db
from ecolife.models import Notification, OutboxMessage, PushSubscription
from ecolife.services import notifications, outbox, web_push
from tests.factories import bearer
from tests.jobs.test_outbox import stored

SUBJECT = "mailto:programme@ecolife.test"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text_: str) -> bytes:
    return base64.urlsafe_b64decode(text_ + "=" * (-len(text_) % 4))


class PushService(BaseHTTPRequestHandler):
    """Keeps each request; answers with the next status of `server.statuses` (201 after)."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.seen.append(
            {
                "method": self.command,
                "path": self.path,
                # Header names are case-insensitive (RFC 9110): compare them in lower case.
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": self.rfile.read(length),
            }
        )
        status = self.server.statuses.pop(0) if self.server.statuses else 201
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def push_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PushService)
    server.seen, server.statuses = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.origin = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def vapid(app, monkeypatch):
    """Our server's VAPID key pair, set as production would set it."""
    key = Vapid()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", b64url(raw))
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", None)
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", SUBJECT)
    return key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class Browser:
    """A browser's push subscription: a real P-256 key pair and auth secret."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self) -> dict:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        # As PushSubscription.toJSON() gives it.
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain.decode("utf-8"))


def subscribe(client, resident, browser: Browser):
    response = client.post(
        "/api/v1/me/push-subscriptions", json=browser.subscription(), headers=bearer(resident)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def tell(app, user_id: int) -> None:
    with app.test_request_context():
        notifications.notify(user_id, "account_suspended", {"reason": "ทดสอบการแจ้งเตือน"})
        db.session.commit()
        db.session.remove()


def only_message(app) -> OutboxMessage:
    with app.app_context():
        (message,) = db.session.scalars(select(OutboxMessage)).all()
        db.session.expunge(message)
        db.session.remove()
    return message


def subscriptions(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(PushSubscription))
        db.session.remove()
    return count


def test_a_push_is_encrypted_and_signed_as_the_push_service_requires(
    app, client, make_resident, push_service, vapid, run_jobs
):
    resident = make_resident()
    browser = Browser(f"{push_service.origin}/push/v2/abc123")
    settings = subscribe(client, resident, browser)
    assert settings["web_push"] is True and settings["web_push_subscribed"] is True
    tell(app, resident.user.id)
    run_jobs(queues=("outbox",))

    (request,) = push_service.seen
    assert request["method"] == "POST" and request["path"] == "/push/v2/abc123"
    headers = request["headers"]
    assert int(headers["ttl"]) == 86400  # RFC 8030 5.2: required
    assert headers["content-encoding"] == "aes128gcm"  # RFC 8291
    # RFC 8292: Authorization: vapid t=<JWT>, k=<our public key>
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert unb64url(fields["k"]) == vapid
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), vapid)
    claims = jwt.decode(fields["t"], public_key, algorithms=["ES256"], audience=push_service.origin)
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    with app.test_request_context():
        title, body = notifications.render("account_suspended", {"reason": "ทดสอบการแจ้งเตือน"}, "th")
    assert browser.decrypt(request["body"]) == {
        "title": title,
        "body": body,
        "url": "http://ecolife.test/app/#/notifications",
        "lang": "th",
    }
    sent = only_message(app)
    assert sent.channel == "web_push" and sent.sent_at is not None and sent.attempts == 1
    with app.app_context():
        assert db.session.scalar(select(PushSubscription.last_success_at)) is not None
        db.session.remove()


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_deleted_and_not_tried_again(
    app, client, make_resident, push_service, vapid, run_jobs, status
):
    resident = make_resident()
    subscribe(client, resident, Browser(f"{push_service.origin}/push/gone"))
    push_service.statuses = [status]
    tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    assert len(push_service.seen) == 1
    message = only_message(app)
    assert message.failed_at is not None and message.next_attempt_at is None
    assert message.last_error == f"Undeliverable: the push service answered {status}"
    assert subscriptions(app) == 0
    with app.app_context():
        waiting = db.session.execute(
            text(
                "SELECT count(*) FROM procrastinate.procrastinate_jobs "
                "WHERE status = 'todo' AND task_name = 'ecolife.deliver_message'"
            )
        ).scalar()
        db.session.remove()
    assert waiting == 0


def test_a_push_service_error_is_recorded_and_tried_again(
    app, client, make_resident, push_service, vapid
):
    resident = make_resident()
    subscribe(client, resident, Browser(f"{push_service.origin}/push/busy"))
    push_service.statuses = [503]
    tell(app, resident.user.id)
    with app.app_context():
        from ecolife.services.delivery import write_messages

        write_messages([1])
        message_id = db.session.scalar(select(OutboxMessage.id))
        db.session.remove()
    with app.app_context(), pytest.raises(outbox.TryAgainLater):
        outbox.deliver(message_id)
    failed = only_message(app)
    assert failed.failed_at is None and failed.sent_at is None and failed.attempts == 1
    assert failed.last_error == "WebPushException: WebPushException: the push service answered 503"
    assert subscriptions(app) == 1


def test_the_public_key_is_the_one_pushes_are_signed_with(client, vapid):
    response = client.get("/api/v1/push/vapid-public-key")
    assert response.status_code == 200
    assert unb64url(response.get_json()["public_key"]) == vapid


def test_without_a_key_set_development_makes_one_pair_and_keeps_it(
    app, client, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "VAPID_KEY_FILE", tmp_path / "vapid.pem")
    first = client.get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    again = client.get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    assert first == again and len(unb64url(first)) == 65 and unb64url(first)[0] == 4
    stored = Vapid.from_file(str(tmp_path / "vapid.pem"))
    assert (
        b64urlencode(
            stored.public_key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        == first
    )


def test_with_web_push_off_there_is_no_key_and_no_subscribing(
    app, client, monkeypatch, make_resident
):
    monkeypatch.setitem(app.config, "WEB_PUSH", False)
    assert client.get("/api/v1/push/vapid-public-key").status_code == 404
    browser = Browser("https://fcm.googleapis.com/fcm/send/x1")
    response = client.post(
        "/api/v1/me/push-subscriptions",
        json=browser.subscription(),
        headers=bearer(make_resident()),
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://169.254.169.254/latest/meta-data",  # not a push service: the worker won't call it
        "https://fcm.googleapis.com.evil.example/push",
        "http://fcm.googleapis.com/fcm/send/x1",  # not https
        "https://evil.example\\@fcm.googleapis.com/x",  # urllib3 would call evil.example
        "https://user@fcm.googleapis.com/x",  # no user name in a push service's address
        "https://fcm.googleapis.com:8443/x",  # push services listen on 443
    ],
)
def test_only_a_push_services_https_address_is_accepted(client, make_resident, endpoint):
    response = client.post(
        "/api/v1/me/push-subscriptions",
        json=Browser(endpoint).subscription(),
        headers=bearer(make_resident()),
    )
    assert response.status_code == 422
    assert "endpoint" in response.get_json()["errors"]


def test_keys_that_are_not_a_browsers_are_refused(client, make_resident):
    subscription = Browser("https://fcm.googleapis.com/fcm/send/x2").subscription()
    subscription["keys"]["p256dh"] = b64url(b"\x05" + os.urandom(64))
    subscription["keys"]["auth"] = "not base64!"
    response = client.post(
        "/api/v1/me/push-subscriptions", json=subscription, headers=bearer(make_resident())
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["keys"]) == {"p256dh", "auth"}


def test_unsubscribing_removes_only_ones_own_browser(app, client, make_resident):
    alice, bob = make_resident(), make_resident()
    browser = Browser("https://fcm.googleapis.com/fcm/send/alice-phone")
    subscribe(client, alice, browser)
    response = client.delete(
        "/api/v1/me/push-subscriptions", json={"endpoint": browser.endpoint}, headers=bearer(bob)
    )
    assert response.status_code == 204 and subscriptions(app) == 1
    response = client.delete(
        "/api/v1/me/push-subscriptions", json={"endpoint": browser.endpoint}, headers=bearer(alice)
    )
    assert response.status_code == 204 and subscriptions(app) == 0


def test_a_browser_signed_in_to_another_account_moves_to_it(app, client, make_resident):
    alice, bob = make_resident(), make_resident()
    browser = Browser("https://fcm.googleapis.com/fcm/send/shared-phone")
    subscribe(client, alice, browser)
    subscribe(client, bob, browser)
    with app.app_context():
        owners = db.session.scalars(select(PushSubscription.user_id)).all()
        db.session.remove()
    assert owners == [bob.user.id]


def test_a_user_keeps_their_five_newest_browsers(app, client, make_resident, set_now):
    resident = make_resident()
    start = clock.now()
    for n in range(6):
        set_now(start + timedelta(minutes=n))
        subscribe(client, resident, Browser(f"https://fcm.googleapis.com/fcm/send/b{n}"))
    with app.app_context():
        kept = db.session.scalars(select(PushSubscription.endpoint).order_by(PushSubscription.id))
        kept = [endpoint.rsplit("/", 1)[1] for endpoint in kept]
        db.session.remove()
    assert kept == ["b1", "b2", "b3", "b4", "b5"]


def waiting_push(app, user_id: int) -> int:
    """Write a notification's push without delivering it; return the outbox message's id."""
    tell(app, user_id)
    with app.app_context():
        from ecolife.services.delivery import write_messages

        write_messages([db.session.scalar(select(func.max(Notification.id)))])
        message_id = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.user_id == user_id)
        )
        db.session.remove()
    return message_id


def deliver(app, message_id: int) -> None:
    with app.app_context():
        outbox.deliver(message_id)
        db.session.remove()


def test_a_browser_that_moved_to_another_account_gets_none_of_the_first_ones_pushes(
    app, client, make_resident, push_service, vapid
):
    alice, bob = make_resident(), make_resident()
    browser = Browser(f"{push_service.origin}/push/shared")
    subscribe(client, alice, browser)
    message_id = waiting_push(app, alice.user.id)
    subscribe(client, bob, browser)  # Bob signs in on Alice's phone
    deliver(app, message_id)
    given_up = stored(app, message_id)
    assert given_up.sent_at is None and given_up.failed_at is not None
    assert given_up.last_error == "Undeliverable: the browser moved to another account"
    assert push_service.seen == []


def test_a_push_is_sent_only_if_the_subscription_is_still_its_users(
    app, client, make_resident, push_service, vapid
):
    alice, bob = make_resident(), make_resident()
    subscribe(client, alice, Browser(f"{push_service.origin}/push/moved"))
    message_id = waiting_push(app, alice.user.id)
    with app.app_context():  # moved behind the outbox's back: the send itself checks
        db.session.execute(update(PushSubscription).values(user_id=bob.user.id))
        db.session.commit()
        db.session.remove()
    deliver(app, message_id)
    assert stored(app, message_id).last_error.startswith("Undeliverable: the browser")
    assert push_service.seen == []


def test_unsubscribing_gives_up_the_pushes_waiting_for_that_browser(
    app, client, make_resident, push_service, vapid
):
    resident = make_resident()
    browser = Browser(f"{push_service.origin}/push/leaving")
    subscribe(client, resident, browser)
    message_id = waiting_push(app, resident.user.id)
    client.delete(
        "/api/v1/me/push-subscriptions",
        json={"endpoint": browser.endpoint},
        headers=bearer(resident),
    )
    assert stored(app, message_id).last_error == "Undeliverable: the browser unsubscribed"
    deliver(app, message_id)
    assert push_service.seen == []


def test_an_endpoint_stored_before_the_guard_is_checked_again_when_sending(
    app, client, make_resident, push_service, vapid
):
    resident = make_resident()
    subscribe(client, resident, Browser(f"{push_service.origin}/push/ok"))
    message_id = waiting_push(app, resident.user.id)
    evil = push_service.origin.replace("http://", "https://evil.example\\@") + "/push/ok"
    with app.app_context():
        db.session.execute(update(PushSubscription).values(endpoint=evil))
        db.session.commit()
        db.session.remove()
    deliver(app, message_id)
    assert stored(app, message_id).last_error == "Undeliverable: not a push service's address"
    assert push_service.seen == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evil.example\\@fcm.googleapis.com/x",
        "https://fcm.googleapis.com@evil.example/x",
        "https://fcm.googleapis.com:444/x",
        "https://fcm.googleapis.com/x y",
    ],
)
def test_the_endpoint_guard_refuses_what_two_url_parsers_could_read_differently(app, endpoint):
    with app.test_request_context(), pytest.raises(ValidationFailed):
        web_push.check_endpoint(endpoint)


def test_the_endpoint_guard_accepts_a_push_services_address(app):
    with app.test_request_context():
        web_push.check_endpoint("https://fcm.googleapis.com:443/fcm/send/x1")
        web_push.check_endpoint("https://web.push.apple.com/QGu0yN3")
