"""One JSON log line per request, and X-Request-ID on every response."""

import re

import pytest
from flask import g
from sqlalchemy import event

from ecolife.extensions import db
from ecolife.models import User
from ecolife.observability import log_event, signed_in_user_id
from tests.factories import bearer
from tests.web.console import sign_in

NEW_ID = re.compile(r"^[0-9a-f]{32}$")


def test_a_request_writes_one_json_line_with_its_fields(client, json_log):
    response = client.get("/livez?probe=1", headers={"X-Request-ID": "lb-7f3a-0001"})
    assert response.status_code == 200
    [line] = json_log()
    assert line["event"] == "request"
    assert line["request_id"] == "lb-7f3a-0001"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/livez", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["level"] == "INFO"
    assert "time" in line


def test_the_line_names_the_user_of_an_api_token(client, json_log, make_resident):
    resident = make_resident()
    client.get("/api/v1/me", headers=bearer(resident))
    [line] = json_log()
    assert (line["path"], line["status"], line["user_id"]) == ("/api/v1/me", 200, resident.user.id)


def test_the_line_names_the_user_of_a_console_session(client, json_log, make_shop):
    _shop_id, staff = make_shop()
    sign_in(client, staff.user.email)
    client.get("/shop/")
    line = json_log()[-1]
    assert (line["path"], line["status"], line["user_id"]) == ("/shop/", 200, staff.user.id)


def test_the_secret_in_an_invite_or_code_link_stays_out_of_the_log(client, json_log, app):
    with app.test_request_context():
        from ecolife.services import shops

        invite = shops.create_shop(
            {"name": "ร้านที่ปั้ม", "tambon_code": "510401"},
            {"display_name": "เจ้าของ", "phone": "0812000111"},
        ).invite_url
    token = invite.rsplit("/", 1)[1]
    client.get(f"/invite/{token}")
    client.get("/q/some-one-time-code-token")
    invite_line, code_line = json_log()
    assert invite_line["path"] == "/invite/[redacted]" and token not in str(invite_line)
    assert code_line["path"] == "/q/[redacted]"


def test_a_member_card_looked_up_by_the_api_stays_out_of_the_log(
    client, json_log, make_shop, make_card_holder
):
    _shop_id, staff = make_shop()
    _holder, card = make_card_holder()
    response = client.get(f"/api/v1/shop/cards/{card}", headers=bearer(staff))
    assert response.status_code == 200
    [line] = json_log()
    assert line["path"] == "/api/v1/shop/cards/[redacted]" and card not in str(line)


def test_a_refused_request_is_logged_with_its_status(client, json_log):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    [line] = json_log()
    assert (line["status"], line["user_id"]) == (401, None)
    assert line["request_id"] == response.headers["X-Request-ID"]


def test_finding_the_console_user_asks_the_database_nothing(app, make_shop):
    _shop_id, staff = make_shop()
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.test_request_context():
        g.console_user = db.session.get(User, staff.user.id)
        db.session.commit()  # expires it, as a use case's commit does
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert signed_in_user_id() == staff.user.id
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        db.session.remove()
    assert statements == []


@pytest.mark.parametrize(
    "path",
    ["/livez", "/api/v1/me", "/api/v1/no-such-thing", "/no-such-page", "/metrics"],
)
def test_every_response_echoes_the_callers_request_id(client, path):
    response = client.get(path, headers={"X-Request-ID": "3b9c1e0e-a2f4-4c55-9d1f-0c3a7c1d2e4f"})
    assert response.headers["X-Request-ID"] == "3b9c1e0e-a2f4-4c55-9d1f-0c3a7c1d2e4f"


def test_a_problem_response_carries_the_request_id_too(client):
    response = client.get("/api/v1/me")
    assert response.mimetype == "application/problem+json"
    assert NEW_ID.match(response.headers["X-Request-ID"])


def test_without_a_request_id_each_request_gets_a_new_one(client):
    first = client.get("/livez").headers["X-Request-ID"]
    second = client.get("/livez").headers["X-Request-ID"]
    assert NEW_ID.match(first) and NEW_ID.match(second) and first != second


@pytest.mark.parametrize(
    "hostile",
    ["x" * 129, "two words", "<script>alert(1)</script>", "id\u0e44\u0e17\u0e22", "-leading", ""],
)
def test_a_request_id_that_is_no_id_is_replaced(client, json_log, hostile):
    response = client.get("/livez", headers={"X-Request-ID": hostile})
    replaced = response.headers["X-Request-ID"]
    assert NEW_ID.match(replaced)
    assert json_log()[0]["request_id"] == replaced


def test_records_logged_during_a_request_carry_its_id(app, json_log):
    with app.test_request_context():
        g.request_id = "req-42"
        log_event("job", job_id=7, name="ecolife.run_job", duration_ms=812.5)
    [line] = json_log("ecolife.event")
    assert line["message"] == line["event"] == "job"
    assert (line["request_id"], line["job_id"], line["duration_ms"]) == ("req-42", 7, 812.5)
    assert line["field_name"] == "ecolife.run_job"  # `name` is the record's own attribute
