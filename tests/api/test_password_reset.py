"""A forgotten password: a 6-digit code by SMS or e-mail through the outbox, then a new password.

The request only queues a job; the worker (run here for real) makes and sends the code."""

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.jobs import run_worker
from ecolife.models import OutboxMessage, PasswordResetCode, User
from ecolife.services.accounts import create_invite
from tests.factories import PASSWORD, bearer

ASK = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a-new-password-2"
PHONE = "+66812345678"


@pytest.fixture
def outbox_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", tmp_path)
    return tmp_path


def work(app) -> None:
    """Run the outbox queue's jobs (the codes asked for, then their delivery) until empty."""
    run_worker(
        app,
        wait=False,
        concurrency=1,
        queues=["outbox"],
        listen_notify=False,
        install_signal_handlers=False,
    )


def ask(client, login: str, address: str = "203.0.113.7", *, send: bool = True):
    answer = client.post(ASK, json={"login": login}, environ_base={"REMOTE_ADDR": address})
    if send:
        work(client.application)
    return answer


def confirm(client, login: str, code: str, password: str = NEW_PASSWORD):
    body = {"login": login, "code": code, "new_password": password}
    return client.post(CONFIRM, json=body)


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        db.session.remove()
        return found


def last_code(app) -> str:
    return re.search(r"\b(\d{6})\b", messages(app)[-1].body).group(1)


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def queued_jobs(app) -> list[tuple[str, dict]]:
    with app.app_context():
        jobs = db.table("procrastinate_jobs", db.column("task_name"), db.column("args"))
        jobs.schema = "procrastinate"
        found = [tuple(row) for row in db.session.execute(select(jobs.c.task_name, jobs.c.args))]
        db.session.remove()
        return found


def test_a_known_and_an_unknown_login_cost_the_same_and_only_one_gets_a_message(
    app, client, make_resident
):
    make_resident(phone=PHONE)
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        unknown = ask(client, "0899999999", send=False)
        asked_unknown, statements[:] = list(statements), []
        known = ask(client, "0812345678", send=False)
        asked_known = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert unknown.status_code == known.status_code == 202
    assert unknown.get_data() == known.get_data()
    # The same statements, and none reads the accounts or the codes: the worker does.
    assert asked_unknown == asked_known
    assert not [s for s in asked_known if re.search(r"\b(users|password_reset_codes)\b", s)]
    assert sorted(queued_jobs(app), key=lambda job: job[1]["login"]) == [
        ("ecolife.send_reset_code", {"login": "0812345678"}),
        ("ecolife.send_reset_code", {"login": "0899999999"}),
    ]
    work(app)
    assert [m.to for m in messages(app)] == [PHONE]


def test_the_code_reaches_the_outbox_folder_and_sets_a_new_password(
    app, client, make_resident, outbox_dir, run_jobs
):
    resident = make_resident(phone=PHONE)
    assert ask(client, "081-234-5678", send=False).status_code == 202
    run_jobs(queues=("outbox",))
    (written,) = outbox_dir.glob("*.json")
    content = json.loads(written.read_text(encoding="utf-8"))
    assert content["to"] == PHONE and content["channel"] == "sms" and "subject" not in content
    assert "รหัสสำหรับตั้งรหัสผ่านใหม่ของ EcoLife คือ" in content["body"]
    assert "ใช้ได้ 15 นาที" in written.read_text(encoding="utf-8")  # Thai as it is, unescaped
    code = re.search(r"\d{6}", content["body"]).group()

    done = confirm(client, "0812345678", code)
    assert done.status_code == 200
    body = done.get_json()
    assert body["user"]["id"] == resident.user.id and body["access_token"] and body["expires_in"]
    # Every earlier session ends, refresh tokens included; the new one works.
    assert client.get("/api/v1/me", headers=bearer(resident)).status_code == 401
    refused = client.post("/api/v1/auth/refresh", json={"refresh_token": resident.refresh_token})
    assert refused.status_code == 401
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert (
        client.post(
            "/api/v1/auth/login", json={"login": PHONE, "password": NEW_PASSWORD}
        ).status_code
        == 200
    )
    sent = messages(app)[0]
    assert sent.sent_at is not None and sent.attempts == 1
    # A code works once.
    assert confirm(client, PHONE, code).get_json()["code"] == "reset_code_invalid"


def test_an_email_login_gets_an_email_in_the_account_language(app, client):
    registered = client.post(
        "/api/v1/auth/register",
        json={
            "email": "somchai@example.com",
            "password": PASSWORD,
            "display_name": "Somchai",
            "locale": "en",
        },
    )
    assert registered.status_code == 201
    assert ask(client, "Somchai@Example.com").status_code == 202
    (message,) = messages(app)
    assert (message.channel, message.to) == ("email", "somchai@example.com")
    assert message.subject == "Your EcoLife password reset code"
    assert "It works for 15 minutes" in message.body


def test_a_code_expires_after_15_minutes(app, client, make_resident, set_now):
    make_resident(phone=PHONE)
    start = clock.now()
    set_now(start)
    ask(client, PHONE)
    code = last_code(app)
    set_now(start + timedelta(minutes=15, seconds=1))
    expired = confirm(client, PHONE, code)
    assert expired.status_code == 422
    assert expired.get_json()["code"] == "reset_code_invalid"
    set_now(start + timedelta(minutes=14))
    assert confirm(client, PHONE, code).status_code == 200


def test_five_wrong_codes_end_it_and_asking_again_gives_no_new_tries(
    app, client, make_resident, set_now
):
    make_resident(phone=PHONE)
    start = set_now(clock.now())
    ask(client, PHONE)
    code = last_code(app)
    for _n in range(5):
        refused = confirm(client, PHONE, other_than(code))
        assert refused.status_code == 422
        assert refused.get_json()["code"] == "reset_code_invalid"
    # Even the right code no longer works, and a new one sent while it was live neither.
    assert confirm(client, PHONE, code).get_json()["code"] == "reset_code_invalid"
    set_now(start + timedelta(minutes=5))
    ask(client, PHONE)
    assert confirm(client, PHONE, last_code(app)).get_json()["code"] == "reset_code_invalid"
    # Once that code has lapsed too, a new request starts afresh.
    set_now(start + timedelta(minutes=21))
    ask(client, PHONE, "203.0.113.8")
    assert confirm(client, PHONE, last_code(app)).status_code == 200


def test_every_refusal_is_the_same_answer_for_any_login(app, client, make_resident, set_now):
    make_resident(phone=PHONE)
    make_resident(phone="+66812345679")
    make_resident(phone="+66812345670")
    start = set_now(clock.now())
    ask(client, PHONE)
    code = last_code(app)
    ask(client, "+66812345679")
    late = last_code(app)
    answers = {
        "wrong code": confirm(client, PHONE, other_than(code)),
        "unknown phone": confirm(client, "0899999999", code),
        "unknown e-mail": confirm(client, "nobody@example.com", code),
        "not a login": confirm(client, "hello", code),
    }
    set_now(start + timedelta(minutes=16))
    answers["expired code"] = confirm(client, "+66812345679", late)
    answers["expired, again"] = confirm(client, "+66812345679", late)
    answers["never asked"] = confirm(client, "+66812345670", late)
    bodies = {name: (a.status_code, a.get_data(as_text=True)) for name, a in answers.items()}
    assert set(bodies.values()) == {bodies["wrong code"]}, bodies
    refused = answers["unknown phone"].get_json()
    assert (refused["status"], refused["code"]) == (422, "reset_code_invalid")
    assert "tries_left" not in refused


def test_wrong_codes_per_login_have_a_ceiling_that_new_codes_do_not_lift(
    app, client, make_resident, set_now
):
    make_resident(phone=PHONE)
    start = set_now(clock.now())
    ask(client, PHONE)
    for _n in range(5):
        assert confirm(client, PHONE, other_than(last_code(app))).status_code == 422
    set_now(start + timedelta(minutes=16))  # the first code lapsed: a new one, fresh tries
    ask(client, PHONE)
    code = last_code(app)
    for _n in range(5):
        assert confirm(client, PHONE, other_than(code)).status_code == 422
    # Ten refusals today: even the right code is refused, as for any login (typed any way).
    limited = confirm(client, "081-234-5678", code)
    unknown = [confirm(client, "0899999999", code) for _n in range(11)]
    assert [a.status_code for a in unknown] == [422] * 10 + [429]
    assert limited.status_code == unknown[-1].status_code == 429
    assert limited.get_json()["code"] == unknown[-1].get_json()["code"] == "rate_limited"


def test_the_code_is_keyed_with_a_key_derived_for_resets_only(app, client, make_resident):
    resident = make_resident(phone=PHONE)
    ask(client, PHONE)
    code, user_id = last_code(app), resident.user.id
    with app.app_context():
        stored = db.session.scalar(select(PasswordResetCode.code_hash))
        db.session.remove()
    secret = app.config["SECRET_KEY"].encode()
    message = f"{user_id}:{code}".encode()
    assert stored != hmac.new(secret, message, hashlib.sha256).hexdigest()
    key = hmac.new(secret, b"password-reset", hashlib.sha256).digest()
    assert stored == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_a_reset_by_code_ends_the_unused_invite_links(app, client, make_resident):
    resident = make_resident(phone=PHONE)
    with app.app_context():
        token, _invite = create_invite(db.session.get(User, resident.user.id))
        db.session.commit()
        db.session.remove()
    ask(client, PHONE)
    assert confirm(client, PHONE, last_code(app)).status_code == 200
    late = client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": "another-password-3"}
    )
    assert late.status_code == 410
    assert late.get_json()["code"] == "invite_invalid"
    login = {"login": PHONE, "password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200


def test_a_new_request_replaces_the_earlier_code(app, client, make_resident):
    make_resident(phone=PHONE)
    ask(client, PHONE)
    first = last_code(app)
    ask(client, PHONE)
    second = last_code(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordResetCode)) == 1
        db.session.remove()
    if first != second:
        assert confirm(client, PHONE, first).get_json()["code"] == "reset_code_invalid"
    assert confirm(client, PHONE, second).status_code == 200


def test_requests_are_limited_per_account_and_per_address(app, client, make_resident):
    make_resident(phone=PHONE)
    statuses = [ask(client, PHONE, f"198.51.100.{n}", send=n == 3).status_code for n in range(4)]
    assert statuses == [202, 202, 202, 429]
    assert len(messages(app)) == 3
    from_one_place = [
        ask(client, f"08{n:08d}", "192.0.2.1", send=False).status_code for n in range(11)
    ]
    assert from_one_place == [202] * 10 + [429]
    limited = ask(client, "0811111111", "192.0.2.1", send=False)
    assert limited.get_json()["code"] == "rate_limited" and limited.get_json()["retry_after"] > 0


def test_an_erased_account_cannot_reset(app, client, make_resident):
    resident = make_resident(phone=PHONE)
    with app.app_context():
        db.session.get(User, resident.user.id).erased_at = clock.now()
        db.session.commit()
        db.session.remove()
    assert ask(client, PHONE).status_code == 202
    assert messages(app) == []


def test_the_new_password_follows_the_sign_up_rules(app, client, make_resident):
    make_resident(phone=PHONE)
    ask(client, PHONE)
    short = confirm(client, PHONE, last_code(app), password="short")
    assert short.status_code == 422
    assert "new_password" in short.get_json()["errors"]
    missing = client.post(CONFIRM, json={"login": PHONE})
    assert missing.status_code == 422
    assert client.post(ASK, json={}).status_code == 422
    assert client.post(ASK, json={"login": "x" * 255}).status_code == 422
    assert client.post(ASK, data="not json", content_type="application/json").status_code == 400
