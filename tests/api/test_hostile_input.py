"""Input an attacker sends on purpose: ids past 32 bits, JSON nested 1,000 deep, NUL
characters and lone surrogates. Each is refused with 4xx naming what is wrong, never a 500."""

import pytest

from tests.api.test_shops import ADMIN_SHOPS, NEW_SHOP
from tests.factories import PASSWORD, bearer
from tests.web.console import post_form, sign_in, text
from tests.web.test_console_forms import field_error

DEEP = "[" * 1000 + "]" * 1000
TOO_BIG = 2**31


def problem(response) -> tuple[int, str, dict]:
    body = response.get_json()
    assert response.mimetype == "application/problem+json", response.data[:200]
    return response.status_code, body["code"], body["errors"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/shops/{TOO_BIG}",
        f"/api/v1/rewards/{TOO_BIG}",
        f"/api/v1/shops/{2**63}",
    ],
)
def test_an_id_past_32_bits_in_a_path_is_not_found(client, path):
    assert problem(client.get(path))[:2] == (404, "not_found")


def test_an_id_past_32_bits_in_a_query_is_named(client):
    status, code, errors = problem(client.get(f"/api/v1/rewards?shop_id={TOO_BIG}"))
    assert (status, code, list(errors)) == (422, "validation_error", ["shop_id"])
    status, _, errors = problem(client.get(f"/api/v1/shops?limit={2**40}"))
    assert (status, list(errors)) == (422, ["limit"])


def test_a_body_number_past_32_bits_is_named(client, make_shop):
    _, staff = make_shop()
    body = {"name_th": "ถุงผ้า", "points": 20, "stock": 142964400774}
    response = client.post("/api/v1/shop/rewards", json=body, headers=bearer(staff))
    status, code, errors = problem(response)
    assert (status, code, list(errors)) == (422, "validation_error", ["stock"])


def test_json_nested_a_thousand_deep_is_invalid_json_everywhere(client, make_resident, make_admin):
    resident, admin = make_resident(), make_admin()
    sends = [
        ("/api/v1/auth/login", {}),
        ("/api/v1/auth/register", {}),
        ("/api/v1/scans", {**bearer(resident), "Idempotency-Key": "deep"}),
        (ADMIN_SHOPS, bearer(admin)),
    ]
    for path, headers in sends:
        response = client.post(path, data=DEEP, content_type="application/json", headers=headers)
        assert problem(response)[:2] == (400, "invalid_json"), path


def test_a_number_too_long_to_read_is_invalid_json(client):
    body = '{"login": "a@b.co", "password": ' + "1" * 5000 + "}"
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert problem(response)[:2] == (400, "invalid_json")


@pytest.mark.parametrize("bad", ["a\u0000@b.co", "\ud800", "ok\udfffok"])
def test_nul_and_lone_surrogates_in_a_json_string_are_named(client, bad):
    register = {"email": bad, "password": PASSWORD, "display_name": "คุณ"}
    status, code, errors = problem(client.post("/api/v1/auth/register", json=register))
    assert (status, code, list(errors)) == (422, "validation_error", ["email"])
    login = {"login": "someone@example.com", "password": bad}
    status, _, errors = problem(client.post("/api/v1/auth/login", json=login))
    assert (status, list(errors)) == (422, ["password"])


def test_nul_in_a_nested_field_and_a_key_is_named(client, make_admin):
    admin = make_admin()
    shop = {**NEW_SHOP, "owner": {"display_name": "แดง\u0000", "email": "d@example.com"}}
    status, _, errors = problem(client.post(ADMIN_SHOPS, json=shop, headers=bearer(admin)))
    assert (status, list(errors)) == (422, ["owner.display_name"])
    status, _, _ = problem(client.post(ADMIN_SHOPS, json={"na\u0000me": 1}, headers=bearer(admin)))
    assert status == 422


def test_nul_in_a_query_is_named(client):
    status, code, errors = problem(client.get("/api/v1/shops?cursor=%00"))
    assert (status, code, list(errors)) == (422, "validation_error", ["cursor"])


def test_nul_in_a_console_form_is_a_field_error(client, make_admin):
    sign_in(client, make_admin().user.email, lang="en")
    form = {
        "name": "ร้าน\u0000",
        "tambon_code": "510401",
        "owner.display_name": "Owner",
        "owner.email": "owner-nul@example.com",
    }
    response = post_form(client, "/admin/shops/new", form)
    assert response.status_code == 422
    assert "NUL" in field_error(text(response), "name")


def test_a_code_that_breaks_url_parsing_is_unknown(client, make_resident):
    resident = make_resident()
    assert problem(client.get("/api/v1/codes/http:%2F%2F[%2Fq%2Fx", headers=bearer(resident)))[
        :2
    ] == (404, "unknown_code")
    headers = {**bearer(resident), "Idempotency-Key": "broken-url"}
    response = client.post("/api/v1/scans", json={"code": "http://[/q/x"}, headers=headers)
    assert problem(response)[:2] == (404, "unknown_code")


def test_a_statement_at_the_end_of_the_calendar_is_refused(client, make_admin, make_shop):
    shop_id, _ = make_shop()
    url = f"/api/v1/admin/shops/{shop_id}/statement?from=9999-12-30&to=9999-12-31"
    status, code, errors = problem(client.get(url, headers=bearer(make_admin())))
    assert (status, code, set(errors)) == (422, "validation_error", {"from", "to"})


def test_nul_in_a_path_part_is_not_found(client, make_admin):
    response = client.patch(
        "/api/v1/admin/actions/b%00ag", json={"points": 3}, headers=bearer(make_admin())
    )
    assert problem(response)[:2] == (404, "not_found")


def test_a_value_too_long_is_refused_even_when_white_space_makes_it_so(client):
    """The OpenAPI document says maxLength of what is sent: 201 characters of token, even
    mostly spaces, are a 422 naming the field, not a trimmed token looked up."""
    response = client.post(
        "/api/v1/auth/accept-invite",
        json={"token": " " * 190 + "a" * 11, "password": "long-enough-1"},
    )
    assert response.status_code == 422
    assert "token" in response.get_json()["errors"]
    trimmed = client.post(
        "/api/v1/auth/accept-invite", json={"token": "  abc  ", "password": "long-enough-1"}
    )
    assert trimmed.status_code == 410  # trimmed and looked up: no such invite
