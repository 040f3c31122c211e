"""Notifications reach the channels each user turned on, through the one outbox: the request
only queues a job; the job writes one message per channel and address, in the user's language,
held until 07:00 when made in the quiet hours; staff e-mail goes through a real SMTP server."""

import email
import email.policy
import json
import socket
from datetime import datetime, time, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from ecolife import clock, jobs, rules
from ecolife.extensions import db
from ecolife.models import OutboxMessage
from ecolife.services import delivery, line_messaging, notifications, outbox, web_push
from tests.factories import bearer

REASON = "สแกนซ้ำผิดปกติ"
FCM = "https://fcm.googleapis.com/fcm/send/"
# A real browser's key and secret shapes (65-byte P-256 point, 16 bytes): never used here.
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def tell(app, user_id: int, reason: str = REASON) -> int:
    """Put an account_suspended notification in a user's inbox, as a service would."""
    with app.test_request_context():
        notification_id = notifications.notify(user_id, "account_suspended", {"reason": reason})
        db.session.commit()
        db.session.remove()
    return notification_id


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        for message in found:
            db.session.expunge(message)
        db.session.remove()
    return found


def queued(app, task: str) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT args, scheduled_at FROM procrastinate.procrastinate_jobs "
                "WHERE task_name = :task ORDER BY id"
            ),
            {"task": task},
        ).all()
        db.session.remove()
    return [{"args": row.args, "scheduled_at": row.scheduled_at} for row in rows]


def subscribe(app, user_id: int, name: str) -> None:
    with app.test_request_context():
        web_push.subscribe(user_id, FCM + name, P256DH, AUTH)


def link_line(app, user_id: int, line_user_id: str) -> None:
    with app.test_request_context():
        code = line_messaging.start_link(user_id).code
        assert line_messaging.link_by_code(code, line_user_id) == "th"


@pytest.fixture(autouse=True)
def outbox_folder(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", tmp_path)
    return tmp_path


def test_fan_out_queues_one_job_per_500_notifications_and_writes_no_message(app):
    with app.test_request_context():
        delivery.fan_out(list(range(1, 1201)))
        db.session.commit()
    jobs = queued(app, "ecolife.fan_out_notifications")
    assert [len(job["args"]["notification_ids"]) for job in jobs] == [500, 500, 200]
    assert jobs[2]["args"]["notification_ids"][-1] == 1200
    assert messages(app) == []


def test_nothing_goes_to_a_channel_the_user_has_not_turned_on(app, make_resident, run_jobs):
    resident = make_resident()
    link_line(app, resident.user.id, "U" + "1" * 32)
    subscribe(app, resident.user.id, "phone")
    with app.test_request_context():
        delivery.change_channel_settings(
            resident.user.id, {"web_push": False, "line": {"enabled": False}}
        )
    tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    assert messages(app) == []


def test_a_user_without_any_channel_gets_the_inbox_only(app, make_resident, run_jobs):
    resident = make_resident()
    notification_id = tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    assert notification_id is not None
    assert messages(app) == []


def test_each_browser_and_the_linked_line_account_get_the_notification_in_thai(
    app, make_resident, run_jobs, outbox_folder
):
    resident = make_resident()
    subscribe(app, resident.user.id, "phone")
    subscribe(app, resident.user.id, "tablet")
    link_line(app, resident.user.id, "U" + "a" * 32)
    tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    with app.test_request_context():
        title, body = notifications.render("account_suspended", {"reason": REASON}, "th")
    sent = messages(app)
    assert sorted((m.channel, m.user_id) for m in sent) == [
        ("line", resident.user.id),
        ("web_push", resident.user.id),
        ("web_push", resident.user.id),
    ]
    assert {m.to for m in sent if m.channel == "line"} == {"U" + "a" * 32}
    assert all(m.subject == title and m.body == body and m.sent_at for m in sent)
    assert title == "บัญชีถูกระงับ" and REASON in body
    # Development: no VAPID key or LINE token set, so each lands in the folder as JSON.
    written = [json.loads(p.read_text("utf-8")) for p in sorted(outbox_folder.glob("*.json"))]
    assert sorted(w["channel"] for w in written) == ["line", "web_push", "web_push"]
    assert all(w["subject"] == title and w["body"] == body for w in written)


def test_a_notification_made_at_night_waits_until_seven_in_the_morning(
    app, make_resident, run_jobs, set_now
):
    resident = make_resident()
    link_line(app, resident.user.id, "U" + "b" * 32)
    tomorrow = (clock.now().astimezone(rules.BANGKOK) + timedelta(days=1)).date()
    set_now(datetime.combine(tomorrow, time(22, 30), tzinfo=rules.BANGKOK))
    tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    seven = datetime.combine(tomorrow + timedelta(days=1), time(7), tzinfo=rules.BANGKOK)
    (waiting,) = messages(app)
    assert waiting.channel == "line" and waiting.sent_at is None and waiting.attempts == 0
    assert waiting.next_attempt_at == seven
    (job,) = queued(app, "ecolife.deliver_message")
    assert job["scheduled_at"] == seven


def test_a_notification_made_in_the_day_goes_at_once(app, make_resident, run_jobs, set_now):
    resident = make_resident()
    link_line(app, resident.user.id, "U" + "c" * 32)
    today = clock.now().astimezone(rules.BANGKOK).date()
    set_now(datetime.combine(today, time(20, 59), tzinfo=rules.BANGKOK))
    tell(app, resident.user.id)
    run_jobs(queues=("outbox",))
    (sent,) = messages(app)
    assert sent.next_attempt_at is None and sent.sent_at is not None


def test_a_resident_cannot_turn_on_email(client, make_resident):
    resident = make_resident(email="somsri@example.com")
    response = client.patch(
        "/api/v1/me/notification-settings",
        json={"email": {"enabled": True}},
        headers=bearer(resident),
    )
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(app, monkeypatch):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_STARTTLS": False,
        "MAIL_FROM": "EcoLife ลำพูน <no-reply@ecolife.test>",
    }.items():
        monkeypatch.setitem(app.config, name, value)
    yield inbox
    controller.stop()


def test_staff_who_turned_email_on_get_it_by_smtp_with_a_thai_subject(
    app, client, make_shop, run_jobs, smtp_server
):
    _, staff = make_shop()
    response = client.patch(
        "/api/v1/me/notification-settings",
        json={"email": {"enabled": True}},
        headers=bearer(staff),
    )
    assert response.status_code == 200
    assert response.get_json()["email"] == {"enabled": True, "available": True}
    tell(app, staff.user.id, reason="ร้านปิดปรับปรุง")
    run_jobs(queues=("outbox",))
    with app.test_request_context():
        title, body = notifications.render("account_suspended", {"reason": "ร้านปิดปรับปรุง"}, "th")
    (envelope,) = smtp_server.received
    assert envelope.rcpt_tos == [staff.user.email]
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    raw_subject = envelope.original_content.split(b"\r\n\r\n")[0]
    assert b"=?utf-8?" in raw_subject.lower()  # RFC 2047: the Thai subject is encoded
    assert received["Subject"] == title
    assert received.get_content().strip() == body
    assert title == "บัญชีถูกระงับ"  # the staff member's language is Thai


def test_a_fan_out_run_again_after_its_commit_writes_nothing_twice(app, make_resident):
    resident = make_resident()
    link_line(app, resident.user.id, "U" + "d" * 32)
    notification_id = tell(app, resident.user.id)
    with app.app_context():
        assert delivery.write_messages([notification_id]) == 1
        assert delivery.write_messages([notification_id]) == 0  # the job, re-run
        db.session.remove()
    assert len(messages(app)) == 1


def test_the_sweep_fans_out_a_notification_whose_job_was_lost(app, make_resident, set_now):
    resident = make_resident()
    link_line(app, resident.user.id, "U" + "e" * 32)
    today = clock.now().astimezone(rules.BANGKOK).date()
    set_now(datetime.combine(today, time(10, 0), tzinfo=rules.BANGKOK))
    tell(app, resident.user.id)  # its fan-out job is never run (the worker lost it)
    set_now(datetime.combine(today, time(10, 9), tzinfo=rules.BANGKOK))
    with app.app_context():
        assert delivery.redo_stale_fan_outs() == 0  # its job may yet come
        db.session.remove()
    set_now(datetime.combine(today, time(10, 11), tzinfo=rules.BANGKOK))
    with app.app_context():
        assert delivery.redo_stale_fan_outs() == 1
        assert delivery.redo_stale_fan_outs() == 0
        db.session.remove()
    assert [m.to for m in messages(app)] == ["U" + "e" * 32]


def test_a_failed_fan_out_is_run_again_by_the_queue():
    strategy = jobs.fan_out_notifications.retry_strategy
    assert strategy is not None and strategy.max_attempts >= 3


def test_a_notification_made_before_nine_but_fanned_out_after_waits_until_seven(
    app, make_resident, run_jobs, set_now
):
    resident = make_resident()
    link_line(app, resident.user.id, "U" + "f" * 32)
    today = clock.now().astimezone(rules.BANGKOK).date() + timedelta(days=1)
    set_now(datetime.combine(today, time(20, 58), tzinfo=rules.BANGKOK))
    tell(app, resident.user.id)
    set_now(datetime.combine(today, time(21, 5), tzinfo=rules.BANGKOK))  # the queue was slow
    run_jobs(queues=("outbox",))
    (waiting,) = messages(app)
    assert waiting.sent_at is None
    assert waiting.next_attempt_at == datetime.combine(
        today + timedelta(days=1), time(7), tzinfo=rules.BANGKOK
    )


def test_a_notifications_retry_that_would_fall_at_night_waits_until_seven(
    app, make_resident, monkeypatch, set_now
):
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", "token")
    monkeypatch.setitem(app.config, "LINE_API_BASE", "http://127.0.0.1:1")  # nobody answers
    resident = make_resident()
    link_line(app, resident.user.id, "U" + "9" * 32)
    today = clock.now().astimezone(rules.BANGKOK).date() + timedelta(days=1)
    set_now(datetime.combine(today, time(20, 59, 30), tzinfo=rules.BANGKOK))
    notification_id = tell(app, resident.user.id)
    with app.app_context():
        delivery.write_messages([notification_id])
        message_id = db.session.scalar(select(OutboxMessage.id))
        with pytest.raises(outbox.TryAgainLater) as retry:
            outbox.deliver(message_id)
        db.session.remove()
    assert retry.value.at == datetime.combine(
        today + timedelta(days=1), time(7), tzinfo=rules.BANGKOK
    )


def test_a_reset_codes_retry_is_not_held_for_the_night(app, monkeypatch, set_now):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)  # nobody answers
    today = clock.now().astimezone(rules.BANGKOK).date() + timedelta(days=1)
    now = datetime.combine(today, time(20, 59, 30), tzinfo=rules.BANGKOK)
    set_now(now)
    with app.test_request_context():
        message = outbox.send(
            channel="email",
            to="somsri@example.com",
            body="รหัส 123456",
            expires_at=now + timedelta(minutes=15),
        )
        db.session.commit()
        with pytest.raises(outbox.TryAgainLater) as retry:
            outbox.deliver(message.id)
        db.session.remove()
    assert retry.value.at == now + timedelta(minutes=1)
