"""GET /api/v1/areas: Thailand's areas by official code, public reference data."""

import pytest

AREAS = "/api/v1/areas"


def test_without_a_parent_the_provinces_are_listed(client):
    response = client.get(AREAS)
    assert response.status_code == 200
    assert response.get_json() == [
        {
            "code": "51",
            "level": "province",
            "parent_code": None,
            "name_th": "ลำพูน",
            "name_en": "Lamphun",
            "lat": 18.346,
            "lon": 98.959,
        }
    ]


def test_a_province_lists_its_eight_districts_in_code_order(client):
    districts = client.get(f"{AREAS}?parent=51").get_json()
    assert [d["code"] for d in districts] == [f"510{n}" for n in range(1, 9)]
    assert {d["level"] for d in districts} == {"amphoe"}
    assert districts[3]["name_th"] == "ลี้" and districts[3]["name_en"] == "Li"


def test_a_district_lists_its_sub_districts(client):
    tambons = client.get(f"{AREAS}?parent=5104").get_json()
    assert len(tambons) == 8
    assert all(t["level"] == "tambon" and t["parent_code"] == "5104" for t in tambons)
    assert tambons[0]["code"] == "510401" and tambons[0]["name_th"] == "ลี้"


def test_a_sub_district_has_no_parts(client):
    assert client.get(f"{AREAS}?parent=510401").get_json() == []


def test_an_unknown_parent_is_not_found(client):
    response = client.get(f"{AREAS}?parent=5199")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("query", ["parent=abc", "parent=1", "parent=5101011", "region=51"])
def test_a_malformed_query_is_a_validation_error(client, query):
    response = client.get(f"{AREAS}?{query}")
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


def test_anyone_may_read_the_areas(client, make_resident, make_shop, make_admin):
    from tests.factories import bearer

    _shop, staff = make_shop()
    for who in (make_resident(), staff, make_admin()):
        assert client.get(f"{AREAS}?parent=51", headers=bearer(who)).status_code == 200


def test_the_areas_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/areas"]
