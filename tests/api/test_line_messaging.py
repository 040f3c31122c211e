"""LINE: linking by a one-time code sent to the Official Account (the webhook checks LINE's
signature), and notifications pushed with the Messaging API, against a local stand-in for
api.line.me that checks the exact path, headers and body LINE documents."""

import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, update

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import LineLink, Notification, OutboxMessage
from ecolife.services import line_messaging, notifications, outbox
from tests.factories import bearer
from tests.jobs.test_outbox import stored

SECRET = "test-line-channel-secret"
TOKEN = "test-channel-access-token"
LINE_USER = "U4af4980629a0c0b7bf8ca7e3f54ec3a1"


class LineApi(BaseHTTPRequestHandler):
    """Keeps each request; answers the next of `server.statuses` (200 after)."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.seen.append(
            {
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": json.loads(self.rfile.read(length)),
            }
        )
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        answer = {"sentMessages": [{"id": "461230966842064897", "quoteToken": "q"}]}
        if status != 200:
            answer = {"message": "The retry key is already accepted"}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def line_api(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), LineApi)
    server.seen, server.statuses = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(app.config, "LINE_API_BASE", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    yield server
    server.shutdown()
    server.server_close()


def webhook_body(text: str, user_id: str = LINE_USER) -> bytes:
    """A message event as LINE posts it to the webhook."""
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": 1764480000000,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": "01JDQ7ZPX2M1V0HNE2YG0R6J5K",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "b60d432864f44d079f6d8efe86cf404b",
        "message": {"id": "444573844083572737", "type": "text", "quoteToken": "q", "text": text},
    }
    return json.dumps({"destination": "Uxxxxxxxx", "events": [event]}).encode()


def signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post_webhook(client, body: bytes, signed: str):
    return client.post(
        "/line/webhook",
        data=body,
        headers={"X-Line-Signature": signed, "Content-Type": "application/json"},
    )


def settings(client, user):
    return client.get("/api/v1/me/notification-settings", headers=bearer(user)).get_json()


def test_a_code_sent_to_the_official_account_links_the_sender(client, make_resident, line_api):
    resident = make_resident()
    response = client.post("/api/v1/me/line-link", headers=bearer(resident))
    assert response.status_code == 201
    link = response.get_json()
    assert len(link["code"]) == 8 and link["add_friend_url"] == "https://lin.ee/ecolife-test"
    # As a person might type it into the chat: lower case, with a space.
    typed = f" {link['code'][:4].lower()} {link['code'][4:]}"
    body = webhook_body(typed)
    assert post_webhook(client, body, signature(body)).status_code == 200
    assert settings(client, resident)["line"] == {
        "enabled": True,
        "linked": True,
        "available": True,
        "add_friend_url": "https://lin.ee/ecolife-test",
    }
    (reply,) = line_api.seen
    assert reply["path"] == "/v2/bot/message/reply"
    assert reply["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert reply["body"] == {
        "replyToken": "b60d432864f44d079f6d8efe86cf404b",
        "messages": [{"type": "text", "text": "เชื่อมบัญชี LINE กับ EcoLife แล้ว การแจ้งเตือนจะส่งมาที่นี่"}],
        "notificationDisabled": False,
    }


def test_a_wrongly_signed_webhook_is_refused_and_links_nothing(client, make_resident, line_api):
    resident = make_resident()
    code = client.post("/api/v1/me/line-link", headers=bearer(resident)).get_json()["code"]
    body = webhook_body(code)
    assert post_webhook(client, body, signature(body, "another-secret")).status_code == 400
    assert post_webhook(client, body, "").status_code == 400
    assert settings(client, resident)["line"]["linked"] is False
    assert line_api.seen == []


def test_a_code_links_once_and_not_after_fifteen_minutes(client, make_resident, line_api, set_now):
    first, second = make_resident(), make_resident()
    used = client.post("/api/v1/me/line-link", headers=bearer(first)).get_json()["code"]
    late = client.post("/api/v1/me/line-link", headers=bearer(second)).get_json()["code"]
    body = webhook_body(used)
    post_webhook(client, body, signature(body))
    again = webhook_body(used, user_id="U" + "9" * 32)
    assert post_webhook(client, again, signature(again)).status_code == 200
    set_now(clock.now() + timedelta(minutes=15, seconds=1))
    expired = webhook_body(late, user_id="U" + "8" * 32)
    assert post_webhook(client, expired, signature(expired)).status_code == 200
    assert settings(client, second)["line"]["linked"] is False
    refusals = [r["body"]["messages"][0]["text"] for r in line_api.seen[1:]]
    assert refusals == ["รหัสนี้ไม่ถูกต้องหรือหมดอายุแล้ว ขอรหัสใหม่ในแอป EcoLife"] * 2


def test_a_chat_message_that_is_no_code_is_left_to_the_official_account(
    client, line_api, make_resident
):
    body = webhook_body("สวัสดีครับ อยากถามเรื่องแต้ม")
    assert post_webhook(client, body, signature(body)).status_code == 200
    assert line_api.seen == []


@pytest.mark.parametrize("chat", ["ขอบคุณนะ", "Thankyou", "thank-you", "OK OK OK"])
def test_a_chat_message_of_eight_letters_is_not_answered_as_a_wrong_code(
    client, line_api, make_resident, chat
):
    make_resident()
    body = webhook_body(chat)
    assert post_webhook(client, body, signature(body)).status_code == 200
    assert line_api.seen == []


def link(client, resident) -> None:
    code = client.post("/api/v1/me/line-link", headers=bearer(resident)).get_json()["code"]
    body = webhook_body(code)
    assert post_webhook(client, body, signature(body)).status_code == 200


def tell(app, user_id: int) -> tuple[str, str]:
    params = {"reason": "ทดสอบ LINE"}
    with app.test_request_context():
        notifications.notify(user_id, "account_suspended", params)
        db.session.commit()
        texts = notifications.render("account_suspended", params, "th")
        db.session.remove()
    return texts


def test_a_notification_is_pushed_to_the_linked_line_account(
    app, client, make_resident, line_api, run_jobs
):
    resident = make_resident()
    link(client, resident)
    title, body = tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    push = line_api.seen[-1]
    assert push["path"] == "/v2/bot/message/push"
    assert push["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert push["headers"]["content-type"] == "application/json"
    assert uuid.UUID(push["headers"]["x-line-retry-key"]).version == 5
    assert push["body"] == {
        "to": LINE_USER,
        "messages": [{"type": "text", "text": f"{title}\n{body}"}],
        "notificationDisabled": False,
    }


def test_a_retried_push_carries_the_same_retry_key_and_409_means_delivered(
    app, client, make_resident, line_api
):
    resident = make_resident()
    link(client, resident)
    tell(app, resident.user.id)
    line_api.statuses = [500, 409]  # the first push was accepted after all; its answer lost
    with app.app_context():
        from ecolife.services.delivery import write_messages

        write_messages([1])
        message_id = db.session.scalar(select(OutboxMessage.id))
    with app.app_context(), pytest.raises(outbox.TryAgainLater):
        outbox.deliver(message_id)
    with app.app_context():
        db.session.execute(
            OutboxMessage.__table__.update().values(next_attempt_at=None)
        )  # its backoff is over
        db.session.commit()
        outbox.deliver(message_id)
        delivered = db.session.get(OutboxMessage, message_id)
        assert delivered.sent_at is not None and delivered.attempts == 2
        db.session.remove()
    first, second = line_api.seen[-2:]
    assert first["headers"]["x-line-retry-key"] == second["headers"]["x-line-retry-key"]


def test_unlinking_stops_line_messages(app, client, make_resident, line_api, run_jobs):
    resident = make_resident()
    link(client, resident)
    assert client.delete("/api/v1/me/line-link", headers=bearer(resident)).status_code == 204
    assert settings(client, resident)["line"]["linked"] is False
    tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    assert [r["path"] for r in line_api.seen] == ["/v2/bot/message/reply"]


def test_without_a_channel_secret_line_linking_is_off(app, client, make_resident, monkeypatch):
    monkeypatch.setitem(app.config, "LINE_CHANNEL_SECRET", None)
    resident = make_resident()
    assert client.post("/api/v1/me/line-link", headers=bearer(resident)).status_code == 404
    body = webhook_body("ABCD2345")
    assert post_webhook(client, body, signature(body)).status_code == 404
    assert settings(client, resident)["line"]["available"] is False


def waiting_line_message(app, user_id: int) -> int:
    """Write a notification's LINE message without delivering it; return its id."""
    tell(app, user_id)
    with app.app_context():
        from ecolife.services.delivery import write_messages

        notification_id = db.session.scalar(select(func.max(Notification.id)))
        write_messages([notification_id])
        message_id = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.user_id == user_id)
        )
        db.session.remove()
    return message_id


def test_unlinking_gives_up_the_line_messages_already_waiting(app, client, make_resident, line_api):
    resident = make_resident()
    link(client, resident)
    message_id = waiting_line_message(app, resident.user.id)
    assert client.delete("/api/v1/me/line-link", headers=bearer(resident)).status_code == 204
    given_up = stored(app, message_id)
    assert given_up.failed_at is not None and given_up.sent_at is None
    assert given_up.last_error == "Undeliverable: the LINE account was unlinked"
    with app.app_context():
        outbox.deliver(message_id)
        db.session.remove()
    assert [r["path"] for r in line_api.seen] == ["/v2/bot/message/reply"]


def test_a_waiting_message_is_not_sent_to_a_line_account_now_linked_to_someone_else(
    app, client, make_resident, line_api
):
    alice, bob = make_resident(), make_resident()
    link(client, alice)
    message_id = waiting_line_message(app, alice.user.id)
    # The link moves to Bob behind the outbox's back (as an old row would): the send checks.
    with app.app_context():
        db.session.execute(
            update(LineLink).where(LineLink.user_id == alice.user.id).values(user_id=bob.user.id)
        )
        db.session.commit()
        outbox.deliver(message_id)
        db.session.remove()
    given_up = stored(app, message_id)
    assert given_up.failed_at is not None and given_up.sent_at is None
    assert given_up.last_error.startswith("Undeliverable: the LINE account was unlinked or moved")
    assert [r["path"] for r in line_api.seen] == ["/v2/bot/message/reply"]


def test_linking_the_line_account_to_another_person_gives_up_what_waited_for_the_first(
    app, client, make_resident, line_api
):
    alice, bob = make_resident(), make_resident()
    link(client, alice)
    message_id = waiting_line_message(app, alice.user.id)
    link(client, bob)  # the same LINE user sends Bob's code
    assert stored(app, message_id).last_error == "Undeliverable: the LINE link moved"
    assert settings(client, alice)["line"]["linked"] is False
    assert settings(client, bob)["line"]["linked"] is True


def test_one_line_account_linking_two_accounts_at_once_keeps_one_link_without_an_error(
    app, make_resident
):
    people = [make_resident(), make_resident()]
    with app.test_request_context():
        codes = [line_messaging.start_link(p.user.id).code for p in people]
        db.session.remove()
    start, answers = threading.Barrier(2), []

    def send(code: str) -> None:
        with app.test_request_context():
            start.wait()
            try:
                answers.append(line_messaging.link_by_code(code, LINE_USER))
            except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
                answers.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == ["th", "th"]
    with app.app_context():
        links = db.session.scalars(select(LineLink.line_user_id)).all()
        db.session.remove()
    assert links == [LINE_USER]
