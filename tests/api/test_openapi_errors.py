"""The OpenAPI document tells the truth about errors, and each error code has its page."""

import pytest

from ecolife.api.problems import PROBLEMS

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_operation_has_a_unique_operation_id(document):
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids)) > 40
    assert "earning_create_scan" in ids


def test_every_error_is_documented_as_problem_json_with_its_codes(document):
    assert "Error" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert problem["properties"]["code"]["type"] == "string"
    assert set(problem["properties"]["code"]["enum"]) == set(PROBLEMS)
    for path, method, operation in operations(document):
        assert "default" not in operation["responses"], (path, method)
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema["allOf"][0] == {"$ref": "#/components/schemas/Problem"}
            codes = schema["allOf"][1]["properties"]["code"]["enum"]
            assert all(PROBLEMS[code][0] == int(status) for code in codes), (path, status)
            assert ("Retry-After" in response.get("headers", {})) == (status in ("429", "503"))


def test_a_scan_documents_each_refusal_under_its_status(document):
    responses = document["paths"]["/api/v1/scans"]["post"]["responses"]

    def codes(status):
        return set(
            responses[status]["content"]["application/problem+json"]["schema"]["allOf"][1][
                "properties"
            ]["code"]["enum"]
        )

    assert codes("429") == {"cooldown_active", "daily_cap_reached"}
    assert codes("409") == {"code_used", "shop_inactive"}
    assert {"authentication_required", "invalid_token"} <= codes("401")
    assert codes("503") == {"database_unavailable"}


def test_a_problem_names_the_page_of_its_code(client):
    body = client.get("/api/v1/shops/999").get_json()
    assert body["type"] == "http://localhost/problems/not_found"
    page = client.get("/problems/not_found", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "not_found" in text and "404" in text and "Nothing was found here." in text
    assert client.get("/problems/no_such_code").status_code == 404


def test_405_says_which_methods_are_allowed_and_only_429_and_503_say_when_to_retry(client):
    response = client.delete("/api/v1/shops")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}
    assert "Retry-After" not in response.headers
    assert "Retry-After" not in client.get("/api/v1/shops/999").headers


def test_an_id_no_rule_takes_is_404_not_405(client, make_admin):
    from tests.factories import bearer

    response = client.patch(
        "/api/v1/admin/shops/2147483648", json={"name": "x"}, headers=bearer(make_admin())
    )
    assert response.status_code == 404
