"""The outbox delivers through real servers: an SMTP server (aiosmtpd) and an HTTP SMS gateway
(http.server in a thread) that checks the exact request and fails once, to prove the retry."""

import base64
import email
import email.policy
import json
import logging
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select, text

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import OutboxMessage, User
from ecolife.services import outbox

THAI_BODY = "รหัสสำหรับตั้งรหัสผ่านใหม่ของ EcoLife คือ 123456 ใช้ได้ 15 นาที"
THAI_SUBJECT = "รหัสตั้งรหัสผ่านใหม่ EcoLife"


def queue_message(app, **fields) -> int:
    with app.test_request_context():
        message = outbox.send(**fields)
        db.session.commit()
        message_id = message.id
        db.session.remove()
        return message_id


def stored(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        db.session.remove()
        return message


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"ecolife", b"s3cret"))

    with socket.socket() as probe:  # a free port (aiosmtpd checks its own port on start)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    yield controller, inbox
    controller.stop()


def test_an_email_goes_by_smtp_with_a_thai_subject(app, monkeypatch, smtp_server, run_jobs):
    controller, inbox = smtp_server
    settings = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": controller.port,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": "ecolife",
        "SMTP_PASSWORD": "s3cret",
        "MAIL_FROM": "EcoLife ลำพูน <no-reply@ecolife.test>",
    }
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    message_id = queue_message(
        app, channel="email", to="somchai@example.com", subject=THAI_SUBJECT, body=THAI_BODY
    )
    run_jobs(queues=("outbox",))
    (envelope,) = inbox.received
    assert envelope.rcpt_tos == ["somchai@example.com"]
    assert envelope.mail_from == "no-reply@ecolife.test"
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert received["Subject"] == THAI_SUBJECT
    assert received["From"] == "EcoLife ลำพูน <no-reply@ecolife.test>"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content().strip() == THAI_BODY
    sent = stored(app, message_id)
    assert sent.sent_at is not None and sent.attempts == 1 and sent.last_error is None


def test_an_unreachable_mail_server_is_recorded_and_tried_again(app, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": closed_port,
        "SMTP_STARTTLS": False,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    message_id = queue_message(app, channel="email", to="a@example.com", subject="s", body="b")
    with app.app_context(), pytest.raises(outbox.TryAgainLater):
        outbox.deliver(message_id)
    with app.app_context():
        db.session.remove()
    failed = stored(app, message_id)
    assert failed.sent_at is None and failed.failed_at is None and failed.attempts == 1
    assert failed.last_error.startswith("ConnectionRefusedError")
    assert failed.next_attempt_at > clock.now()


class Gateway(BaseHTTPRequestHandler):
    """An SMS gateway that answers 500 to the first `fail` requests, then 200."""

    seen: list
    fail: int

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": self.rfile.read(length),
            }
        )
        status = 500 if len(self.server.seen) <= self.server.fail else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if status == 200 else b'{"error": "busy"}')

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def sms_gateway(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.seen, server.fail = [], 1
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms/send"
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", url)
    monkeypatch.setitem(app.config, "SMS_SENDER_NAME", "EcoLife")
    yield server
    server.shutdown()
    server.server_close()


def test_an_sms_is_posted_to_the_gateway_and_retried_after_a_failure(
    app, monkeypatch, sms_gateway, run_jobs, set_now
):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_TOKEN", "gateway-token-1")
    message_id = queue_message(app, channel="sms", to="+66812345678", body=THAI_BODY)
    before = clock.now()
    run_jobs(queues=("outbox",))
    first = stored(app, message_id)
    assert first.sent_at is None and first.attempts == 1
    assert first.last_error == "HTTPError: HTTP Error 500: Internal Server Error"
    assert timedelta(seconds=55) < first.next_attempt_at - before < timedelta(seconds=70)
    # The next try waits in the queue until its time; bring it forward and run it.
    set_now(first.next_attempt_at)
    with app.app_context():
        # The queue's trigger functions name its tables without their schema.
        db.session.execute(text("SET LOCAL search_path = public, procrastinate"))
        waiting = db.session.execute(
            text(
                "UPDATE procrastinate.procrastinate_jobs SET scheduled_at = now() "
                "WHERE status = 'todo' AND task_name = 'ecolife.deliver_message' RETURNING id"
            )
        ).all()
        db.session.commit()
        db.session.remove()
    assert len(waiting) == 1
    run_jobs(queues=("outbox",))
    delivered = stored(app, message_id)
    assert delivered.sent_at is not None and delivered.attempts == 2
    assert delivered.last_error is None
    assert len(sms_gateway.seen) == 2
    request = sms_gateway.seen[1]
    assert request["method"] == "POST" and request["path"] == "/v1/sms/send"
    assert request["headers"]["Authorization"] == "Bearer gateway-token-1"
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(request["body"].decode("utf-8")) == {
        "to": "+66812345678",
        "sender": "EcoLife",
        "message": THAI_BODY,
    }
    assert THAI_BODY.encode("utf-8") in request["body"]  # UTF-8 as it is, not \u escapes


def test_the_gateway_takes_a_username_and_password_instead(app, monkeypatch, sms_gateway):
    sms_gateway.fail = 0
    monkeypatch.setitem(app.config, "SMS_GATEWAY_USERNAME", "lamphun")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_PASSWORD", "pa:ss")
    message_id = queue_message(app, channel="sms", to="+66812345678", body="hello")
    with app.app_context():
        outbox.deliver(message_id)
        db.session.remove()
    (request,) = sms_gateway.seen
    expected = base64.b64encode(b"lamphun:pa:ss").decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"
    assert stored(app, message_id).sent_at is not None


def test_a_message_is_given_up_after_the_last_try(app, monkeypatch, sms_gateway, caplog, set_now):
    sms_gateway.fail = 100
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    message_id = queue_message(app, channel="sms", to="+66812345678", body="hello")
    waits = []
    for number in range(1, 5):  # the 4th finds it given up and does nothing
        due = stored(app, message_id).next_attempt_at
        if due is not None:
            set_now(due)
        with app.app_context():
            try:
                outbox.deliver(message_id)
            except outbox.TryAgainLater:
                assert number < 3
            db.session.remove()
        message = stored(app, message_id)
        waits.append(message.next_attempt_at and message.next_attempt_at - clock.now())
    assert len(sms_gateway.seen) == 3
    assert message.failed_at is not None and message.sent_at is None and message.attempts == 3
    assert timedelta(seconds=100) < waits[1] <= timedelta(minutes=2)  # 1, then 2 minutes
    assert waits[2] is None
    given_up = [r for r in caplog.records if r.getMessage() == "outbox message given up"]
    assert len(given_up) == 1 and given_up[0].levelno == logging.ERROR


def test_without_gateways_messages_are_files_in_the_outbox_folder(
    app, monkeypatch, tmp_path, run_jobs
):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", tmp_path / "outbox")
    queue_message(app, channel="email", to="a@example.com", subject=THAI_SUBJECT, body=THAI_BODY)
    queue_message(app, channel="sms", to="+66812345678", body=THAI_BODY)
    run_jobs(queues=("outbox",))
    files = sorted((tmp_path / "outbox").glob("*.json"), key=lambda p: p.name.split("-")[1])
    contents = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    assert [set(c) for c in contents] == [
        {"to", "channel", "subject", "body", "created_at"},
        {"to", "channel", "body", "created_at"},
    ]
    assert contents[0]["subject"] == THAI_SUBJECT and contents[1]["channel"] == "sms"
    assert THAI_BODY in files[1].read_text(encoding="utf-8")
    with app.app_context():
        assert all(m.sent_at for m in db.session.scalars(select(OutboxMessage)))
        db.session.remove()


class CheckingGateway(Gateway):
    """A gateway that, while it answers, checks from a connection of its own that the try is
    already counted and that the message's row is not locked."""

    def do_POST(self):
        with psycopg.connect(self.server.database_url, autocommit=True) as conn:
            try:
                row = conn.execute(
                    "SELECT attempts FROM outbox_messages FOR UPDATE NOWAIT"
                ).fetchone()
                self.server.during_send.append(row[0])
            except psycopg.errors.LockNotAvailable:
                self.server.during_send.append("locked")
        super().do_POST()


def test_the_send_holds_no_lock_and_the_try_is_counted_before_it(app, sms_gateway):
    from ecolife.jobs import conninfo

    sms_gateway.RequestHandlerClass = CheckingGateway
    sms_gateway.fail, sms_gateway.during_send = 0, []
    sms_gateway.database_url = conninfo(app)
    message_id = queue_message(app, channel="sms", to="+66812345678", body="hello")
    with app.app_context():
        outbox.deliver(message_id)
        db.session.remove()
    assert sms_gateway.during_send == [1]
    sent = stored(app, message_id)
    assert sent.sent_at is not None and sent.attempts == 1


def test_any_error_of_a_sender_is_a_failed_try_logged_without_the_address(app, monkeypatch, caplog):
    # urllib refuses this address with a ValueError (not an OSError) naming the whole URL.
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", "gateway/+66812345678/somchai@example.com")
    message_id = queue_message(app, channel="sms", to="+66812345678", body="code 123456")
    with app.app_context(), pytest.raises(outbox.TryAgainLater):
        outbox.deliver(message_id)
    with app.app_context():
        db.session.remove()
    failed = stored(app, message_id)
    assert failed.attempts == 1 and failed.sent_at is None and failed.failed_at is None
    assert failed.last_error.startswith("ValueError: unknown url type")
    logged = (
        " ".join(f"{r.getMessage()} {getattr(r, 'error', '')}" for r in caplog.records)
        + failed.last_error
    )
    assert "ValueError" in logged
    for secret in ("66812345678", "812345678", "somchai@example.com", "123456"):
        assert secret not in logged


def test_the_sweep_queues_again_what_a_dead_worker_left_and_gives_up_spent_ones(
    app, monkeypatch, tmp_path, run_jobs, set_now
):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", tmp_path)
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    lost = queue_message(app, channel="sms", to="+66812345678", body="lost")
    spent = queue_message(app, channel="sms", to="+66812345679", body="spent")
    waiting = queue_message(app, channel="sms", to="+66812345670", body="waiting")
    start = clock.now()
    with app.app_context():
        db.session.execute(text("SET LOCAL search_path = public, procrastinate"))
        db.session.execute(text("DELETE FROM procrastinate.procrastinate_jobs"))
        # A worker claimed `lost` and died; `spent` died on its last try; `waiting` is not due.
        for message_id, attempts, due in (
            (lost, 1, start + outbox.CLAIM),
            (spent, 3, start + outbox.CLAIM),
            (waiting, 2, start + timedelta(minutes=30)),
        ):
            message = db.session.get(OutboxMessage, message_id)
            message.attempts, message.next_attempt_at = attempts, due
        db.session.commit()
        db.session.remove()
    set_now(start + outbox.CLAIM + outbox.OVERDUE - timedelta(seconds=1))
    with app.app_context():
        assert outbox.sweep() == {"requeued": 0, "given_up": 0}
        db.session.remove()
    set_now(start + outbox.CLAIM + outbox.OVERDUE + timedelta(seconds=1))
    with app.app_context():
        assert outbox.sweep() == {"requeued": 1, "given_up": 1}
        assert outbox.sweep() == {"requeued": 0, "given_up": 0}  # not twice
        db.session.remove()
    run_jobs(queues=("outbox",))
    assert stored(app, lost).sent_at is not None and stored(app, lost).attempts == 2
    assert stored(app, spent).failed_at is not None and stored(app, spent).sent_at is None
    assert stored(app, waiting).sent_at is None and stored(app, waiting).failed_at is None
    assert [json.loads(p.read_text())["body"] for p in tmp_path.glob("*.json")] == ["lost"]


def test_the_worker_runs_the_sweep(app, run_jobs, set_now):
    from ecolife.jobs import UPKEEP_QUEUE, defer

    lost = queue_message(app, channel="sms", to="+66812345678", body="lost")
    start = clock.now()
    with app.app_context():
        db.session.get(OutboxMessage, lost).next_attempt_at = start
        db.session.commit()
        db.session.remove()
    now = set_now(start + outbox.OVERDUE + timedelta(seconds=1))
    with app.test_request_context():
        defer("ecolife.sweep_outbox", UPKEEP_QUEUE, timestamp=0)
        db.session.commit()
        db.session.remove()
    run_jobs(queues=("upkeep",))
    assert stored(app, lost).next_attempt_at == now  # queued again, due now


def test_the_messages_of_an_erased_account_are_deleted_unsent(
    app, make_resident, monkeypatch, tmp_path, run_jobs
):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", tmp_path)
    resident = make_resident(phone="+66812345678")
    message_id = queue_message(
        app, channel="sms", to="+66812345678", body="for Somchai", user_id=resident.user.id
    )
    with app.app_context():
        db.session.get(User, resident.user.id).erased_at = clock.now()
        db.session.commit()
        db.session.remove()
    run_jobs(queues=("outbox",))
    assert list(tmp_path.glob("*.json")) == []
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id) is None
        db.session.remove()


def test_a_message_past_its_expiry_is_not_sent(app, monkeypatch, tmp_path, run_jobs, set_now):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", tmp_path)
    start = clock.now()
    late = queue_message(
        app, channel="sms", to="+66812345678", body="code", expires_at=start + timedelta(minutes=15)
    )
    set_now(start + timedelta(minutes=15))
    run_jobs(queues=("outbox",))
    assert list(tmp_path.glob("*.json")) == []
    given_up = stored(app, late)
    assert given_up.failed_at is not None and given_up.sent_at is None
    assert given_up.attempts == 0 and given_up.last_error == "expired before it was sent"
