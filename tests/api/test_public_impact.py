"""GET /api/v1/public/impact: published figures by Bangkok month and area, without sign-in."""

from datetime import UTC, datetime

import pytest

from tests.public_data import NOW, OCT_5


def month(body: dict, key: str) -> dict:
    return next(m for m in body["months"] if m["month"] == key)


def test_months_are_bangkok_months_and_need_no_sign_in(client, programme):
    response = client.get("/api/v1/public/impact?from=2026-09&to=2026-10")
    assert response.status_code == 200
    body = response.get_json()
    assert body["area"]["code"] == "51"
    assert [m["month"] for m in body["months"]] == ["2026-09", "2026-10"]
    # The scan at 23:59 on 30 September (Bangkok) is September's, the one a minute later October's.
    assert month(body, "2026-09") | {"items": None} == {
        "month": "2026-09",
        "scans": 5,
        "items": None,
        "grams": 5 * 5.5,
        "active_residents": 5,
        "points_issued": month(body, "2026-09")["points_issued"],
        "points_redeemed": 0,
        "withheld": False,
    }
    october = month(body, "2026-10")
    assert october["scans"] == 16
    assert october["items"] == {"bag": 5 + 5 + 18}
    assert october["active_residents"] == 10


def test_the_default_span_is_the_last_twelve_whole_months(client, programme, set_now):
    set_now(NOW)
    body = client.get("/api/v1/public/impact").get_json()
    assert body["from"] == "2025-11" and body["to"] == "2026-10"
    assert len(body["months"]) == 12
    assert month(body, "2025-11")["scans"] == 0


def test_children_are_ranked_by_plastic_avoided(client, programme):
    body = client.get("/api/v1/public/impact?area=51&from=2026-09&to=2026-10").get_json()
    codes = [child["code"] for child in body["children"]]
    assert codes[:2] == ["5104", "5101"]
    assert len(codes) == 8
    li, mueang = body["children"][0]["totals"], body["children"][1]["totals"]
    assert li["items"] == {"bag": 18} and mueang["items"] == {"bag": 15}


def test_an_area_shows_only_what_lies_inside_it(client, programme):
    body = client.get("/api/v1/public/impact?area=5101&from=2026-09&to=2026-10").get_json()
    assert body["area"]["name_en"] == "Mueang Lamphun"
    assert month(body, "2026-10")["scans"] == 10
    assert [c["code"] for c in body["children"][:2]] == ["510102", "510101"]
    assert {s["code"] for s in body["shops"]} == {str(programme["a"]), str(programme["b"])}
    assert body["partner_shops"] == 2

    tambon = client.get("/api/v1/public/impact?area=510102&from=2026-10&to=2026-10").get_json()
    assert [(c["level"], c["code"]) for c in tambon["children"]] == [("shop", str(programme["b"]))]
    assert tambon["months"][0]["scans"] == 5


def test_a_sub_district_with_fewer_than_five_residents_is_withheld_everywhere(
    client, loner, programme, make_shop, scan_at, publish
):
    d, _ = make_shop(district="5101", tambon="510103")
    scan_at(loner, d, OCT_5, quantity=4)
    publish()
    tambon = client.get("/api/v1/public/impact?area=510103&from=2026-10&to=2026-10").get_json()
    assert tambon["months"][0] | {"month": None} == {
        "month": None,
        "scans": None,
        "items": {"bag": None},
        "grams": None,
        "active_residents": None,
        "points_issued": None,
        "points_redeemed": 0,
        "withheld": True,
    }
    district = client.get("/api/v1/public/impact?area=5101&from=2026-10&to=2026-10").get_json()
    # The district publishes its published parts only: 10 scans, not 11.
    assert district["months"][0]["scans"] == 10 and district["months"][0]["withheld"] is True
    province = client.get("/api/v1/public/impact?from=2026-10&to=2026-10").get_json()
    assert province["months"][0]["scans"] == 16 and province["months"][0]["items"] == {"bag": 28}


def test_shops_without_a_sub_district_count_in_their_district(client, programme, unplace, publish):
    unplace(programme["a"])
    publish()
    body = client.get("/api/v1/public/impact?area=5101&from=2026-10&to=2026-10").get_json()
    assert body["months"][0]["scans"] == 10
    loose = next(c for c in body["children"] if c["code"] is None)
    assert loose["level"] == "unplaced" and loose["totals"]["scans"] == 5
    tambon = client.get("/api/v1/public/impact?area=510101&from=2026-10&to=2026-10").get_json()
    assert tambon["months"][0]["scans"] == 0


def test_the_running_month_is_not_published(client, make_resident, make_shop, scan_at, publish):
    shop, _ = make_shop()
    for resident in [make_resident() for _ in range(5)]:
        scan_at(resident, shop, datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    publish()
    # Not a month of zeros: the running month is refused, saying why.
    response = client.get("/api/v1/public/impact?from=2026-11&to=2026-11")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "last whole month" in response.get_json()["errors"]["from"][0]


def test_months_after_the_last_published_are_left_out_and_the_answer_says_so(
    client, programme, set_now
):
    set_now(datetime(2026, 12, 20, tzinfo=UTC))  # published on 15 November: up to October
    english = {"Accept-Language": "en"}
    body = client.get("/api/v1/public/impact?from=2026-09&to=2027-01", headers=english).get_json()
    assert [m["month"] for m in body["months"]] == ["2026-09", "2026-10"]
    assert (body["from"], body["to"], body["published_to"]) == ("2026-09", "2026-10", "2026-10")
    assert body["notice"] == (
        "Figures are published up to 2026-10 (the last whole month); the months after it"
        " are left out."
    )
    # The default span ends with the last month published, and needs no notice.
    body = client.get("/api/v1/public/impact").get_json()
    assert (body["from"], body["to"], body["notice"]) == ("2025-11", "2026-10", None)


def test_before_the_first_publication_the_answer_says_so_instead_of_zeros(
    client, make_shop, publish
):
    make_shop()
    assert (
        client.get("/api/v1/public/impact")
        .get_json()["notice"]
        .startswith("ยังไม่มีการเผยแพร่ตัวเลข: การเผยแพร่ครั้งแรกคือคืนนี้เวลา 00:07 น.")
    )
    body = client.get("/api/v1/public/impact", headers={"Accept-Language": "en"}).get_json()
    assert body["months"] == [] and body["totals"] is None and body["children"] == []
    assert body["published_to"] is None and body["refreshed_at"] is None
    assert body["notice"] == (
        "Figures not published yet: the first publication is tonight at 00:07 (Bangkok)"
        " — or run `ecolife refresh-public-figures`."
    )
    # A publication without a single scan yet is a publication: a year of true zeros.
    publish()
    body = client.get("/api/v1/public/impact").get_json()
    assert body["published_to"] == "2026-10" and body["notice"] is None
    assert len(body["months"]) == 12 and body["totals"]["scans"] == 0


@pytest.mark.parametrize("query", ["area=5199", "area=abc", "area=510101510101"])
def test_an_unknown_area_is_not_found(client, query):
    response = client.get(f"/api/v1/public/impact?{query}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13&to=2026-13",
        "from=2026-10&to=2026-09",
        "from=2026-10",
        "from=10-2026&to=2026-11",
        "from=2020-01&to=2026-01",
        "month=2026-01",
    ],
)
def test_bad_months_are_refused(client, query):
    response = client.get(f"/api/v1/public/impact?{query}")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


def test_method_lists_grams_per_item_and_the_privacy_threshold(client):
    body = client.get("/api/v1/public/impact").get_json()
    assert body["method"]["min_residents"] == 5
    bag = next(a for a in body["method"]["actions"] if a["code"] == "bag")
    assert bag["grams"] == 5.5 and "source" in bag and "set_on" in bag


def test_participation_under_five_is_hidden_and_declarations_are_public(
    app, client, programme, set_now
):
    from ecolife.extensions import db
    from ecolife.models import User
    from ecolife.services import participation
    from ecolife.services.scope import PROVINCE_WIDE

    set_now(OCT_5.replace(day=20))
    with app.test_request_context():
        # Three of the residents who scanned in October live in Nai Mueang (510101).
        for signed_in in programme["residents"][:3]:
            db.session.get(User, signed_in.user.id).home_tambon_code = "510101"
        db.session.commit()
        data = {"tambon_code": "510101", "households": 20, "target_percent": 10}
        participation.set_target(PROVINCE_WIDE, data, actor_id=None)
        participation.record_declaration(
            PROVINCE_WIDE,
            {"area_code": "510101", "title": "ตำบลลดพลาสติก"},
            actor_id=None,
        )
        db.session.remove()
    body = client.get("/api/v1/public/impact?area=5101&from=2026-10&to=2026-10").get_json()
    (row,) = body["participation"]
    assert (row["tambon_code"], row["households"]) == ("510101", 20)
    # 3 (fewer than 5) reach the target, but neither the count nor "reached" is published.
    assert row["active_residents"] is None and row["percent"] is None and row["reached"] is None
    (declaration,) = body["declarations"]
    assert declaration["title"] == "ตำบลลดพลาสติก"
    assert declaration["declared_on"] == "2026-10-20"
    assert declaration["area_name_th"] == "ในเมือง"
    page = client.get("/impact?area=5101&from=2026-10&to=2026-10").get_data(as_text=True)
    assert "ตำบลลดพลาสติก" in page and "20 ต.ค. 2569" in page
