"""The short counter code: 8 characters a resident types instead of scanning the counter QR."""

import re
from datetime import UTC, datetime, timedelta

from ecolife.extensions import db
from ecolife.models import EarningCode, Shop
from ecolife.security import CODE_ALPHABET
from ecolife.services import counter_codes
from tests.factories import bearer, scan

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SHORT_CODE = re.compile(f"[{CODE_ALPHABET}]{{8}}")


def issue(client, staff, **body):
    response = client.post(
        "/api/v1/shop/codes", json={"action": "bag", **body}, headers=bearer(staff)
    )
    assert response.status_code == 201
    return response.get_json()


def spaced(short_code: str) -> str:
    return f"{short_code[:4].lower()} {short_code[4:].lower()}"


def test_a_counter_code_comes_with_an_unambiguous_short_code(client, make_shop):
    _, staff = make_shop()
    codes = [issue(client, staff)["short_code"] for _ in range(20)]
    assert all(SHORT_CODE.fullmatch(code) for code in codes)
    assert len(set(codes)) == 20
    status = client.get(f"/api/v1/shop/codes/{_id(client, staff)}", headers=bearer(staff))
    assert SHORT_CODE.fullmatch(status.get_json()["short_code"])


def _id(client, staff) -> int:
    return issue(client, staff)["id"]


def test_a_resident_types_the_short_code_in_any_case_and_spacing(client, make_shop, make_resident):
    _, staff = make_shop()
    code = issue(client, staff, action="straw", quantity=2)
    resident = make_resident()
    preview = client.get(f"/api/v1/codes/{spaced(code['short_code'])}", headers=bearer(resident))
    assert preview.status_code == 200
    assert preview.get_json()["kind"] == "one_time"
    assert preview.get_json()["quantity"] == 2
    credited = scan(client, resident, spaced(code["short_code"]))
    assert credited.status_code == 201, credited.get_json()
    assert credited.get_json()["scan"]["action"] == "straw"
    assert credited.get_json()["scan"]["one_time_code"] is True
    again = scan(client, make_resident(), code["short_code"])
    assert (again.status_code, again.get_json()["code"]) == (409, "code_used")


def test_the_short_code_works_only_while_the_code_lives(client, make_shop, make_resident, set_now):
    _, staff = make_shop()
    resident = make_resident()
    set_now(T0)
    code = issue(client, staff)
    set_now(T0 + timedelta(minutes=10))
    response = scan(client, resident, code["short_code"])
    assert (response.status_code, response.get_json()["code"]) == (410, "code_expired")


def test_a_cancelled_codes_short_code_is_refused(client, app, make_shop, make_resident):
    shop_id, staff = make_shop()
    code = issue(client, staff)
    with app.app_context():
        assert counter_codes.cancel_code(shop_id, code["id"])
    response = scan(client, make_resident(), code["short_code"])
    assert response.get_json()["code"] == "code_cancelled"


def test_an_unknown_short_code_is_an_unknown_code(client, make_resident):
    resident = make_resident()
    response = scan(client, resident, "ACDE FGHJ")
    assert (response.status_code, response.get_json()["code"]) == (404, "unknown_code")
    preview = client.get("/api/v1/codes/ACDEFGHJ", headers=bearer(resident))
    assert preview.get_json()["code"] == "unknown_code"


def test_a_short_code_that_collides_is_drawn_again(client, app, make_shop, monkeypatch):
    _, staff = make_shop()
    taken = issue(client, staff)["short_code"]
    draws = iter([taken, taken, "ACDEFGHJ"])
    monkeypatch.setattr("ecolife.services.earning.random_code", lambda length: next(draws))
    assert issue(client, staff)["short_code"] == "ACDEFGHJ"
    with app.app_context():
        assert db.session.query(EarningCode).count() == 2


def test_a_poster_token_is_never_taken_for_a_short_code(client, app, make_shop, make_resident):
    shop_id, staff = make_shop()
    issued = issue(client, staff)
    live = issued["short_code"]
    # A real 8-character string of the alphabet that is no live code stays as typed (and is
    # refused as unknown), and a poster token made of the same alphabet stays the poster's.
    not_live = next(code for code in ("ACDEFGHJ", "KMNPQRTU") if code != live)
    lookalike = not_live * 2
    assert all(character in CODE_ALPHABET for character in lookalike)
    with app.app_context():
        db.session.get(Shop, shop_id).qr_token = lookalike
        db.session.commit()
        assert counter_codes.token_for(not_live) == not_live
        assert counter_codes.token_for(lookalike) == lookalike
        code_token = db.session.get(EarningCode, issued["id"]).token
        assert counter_codes.token_for(f"{live[:4]}-{live[4:]}".lower()) == code_token
        db.session.remove()
    resident = make_resident()
    assert scan(client, resident, not_live).get_json()["code"] == "unknown_code"
    response = scan(client, resident, lookalike)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["scan"]["shop"]["id"] == shop_id
    assert response.get_json()["scan"]["one_time_code"] is False


def test_the_counter_screen_shows_the_short_code_large(client, make_shop):
    from tests.web.console import sign_in, text

    _, staff = make_shop()
    code = issue(client, staff)
    sign_in(client, staff.user.email, lang="en")
    page = text(client.get(f"/shop/codes/{code['id']}"))
    shown = f"{code['short_code'][:4]} {code['short_code'][4:]}"
    assert f'data-test="short-code">{shown}<' in page
    assert "No camera? Type this code in the app:" in page
