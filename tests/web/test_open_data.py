"""/open-data/: monthly figures per sub-district and per shop as CSV and JSON, and the catalogue."""

import csv
import io

import pytest

from tests.public_data import OCT_5


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "Excel needs the BOM to read Thai as UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_index_lists_the_datasets_with_formats_and_licence(client):
    response = client.get("/open-data/", headers={"Accept-Language": "th"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "ปริมาณพลาสติกที่ลดได้รายเดือน แยกตามตำบล" in page
    assert "/open-data/impact-monthly-by-tambon.csv" in page
    assert "/open-data/impact-monthly-by-shop.json" in page
    assert "Open Data Commons Attribution License" in page


def test_the_tambon_csv_has_a_row_per_month_and_sub_district(client, programme):
    response = client.get("/open-data/impact-monthly-by-tambon.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = read_csv(response)
    header = list(rows[0])
    assert header[:6] == [
        "month",
        "province_code",
        "district_code",
        "tambon_code",
        "tambon_name_th",
        "tambon_name_en",
    ]
    assert {"scans", "grams", "active_residents", "items_bag", "withheld"} <= set(header)
    found = {(r["month"], r["tambon_code"]): r for r in rows}
    assert found[("2026-09", "510102")]["scans"] == "5"
    october = found[("2026-10", "510101")]
    assert (october["tambon_name_th"], october["items_bag"], october["grams"]) == (
        "ในเมือง",
        "5",
        "27.5",
    )
    assert october["withheld"] == "false"


def test_a_withheld_figure_is_empty_in_csv_and_null_in_json(
    client, loner, programme, make_shop, scan_at, publish
):
    d, _ = make_shop(district="5101", tambon="510103")
    scan_at(loner, d, OCT_5, quantity=4)
    publish()
    rows = read_csv(client.get("/open-data/impact-monthly-by-tambon.csv"))
    row = next(r for r in rows if r["tambon_code"] == "510103")
    assert (row["scans"], row["grams"], row["items_bag"], row["withheld"]) == ("", "", "", "true")
    shops = client.get("/open-data/impact-monthly-by-shop.json").get_json()
    shop = next(r for r in shops["rows"] if r["shop_id"] == d)
    assert shop["scans"] is None and shop["items_bag"] is None and shop["withheld"] is True
    assert shops["min_residents"] == 5


def test_the_shop_dataset_includes_shops_without_a_sub_district(
    client, programme, unplace, publish
):
    unplace(programme["a"])
    publish()
    body = client.get("/open-data/impact-monthly-by-shop.json").get_json()
    row = next(r for r in body["rows"] if r["shop_id"] == programme["a"])
    assert row["tambon_code"] is None and row["district_code"] == "5101"
    assert row["scans"] == 5 and row["month"] == "2026-10"
    tambons = client.get("/open-data/impact-monthly-by-tambon.json").get_json()["rows"]
    assert "510101" not in {r["tambon_code"] for r in tambons}


def test_the_catalog_has_the_data_go_th_fields(client):
    body = client.get("/open-data/catalog.json").get_json()
    assert {d["name"] for d in body["datasets"]} == {
        "impact-monthly-by-tambon",
        "impact-monthly-by-shop",
    }
    for entry in body["datasets"]:
        for name in (
            "title",
            "objective",
            "update_frequency_unit",
            "update_frequency_interval",
            "geo_coverage",
            "data_source",
            "data_format",
            "license_id",
            "maintainer",
            "maintainer_email",
            "notes",
        ):
            assert name in entry, name
        assert entry["license_id"] == "Open Data Commons Attribution License"
        assert entry["update_frequency_unit"] == "เดือน"
        urls = {r["format"]: r["url"] for r in entry["resources"]}
        assert urls["CSV"].endswith(f"/open-data/{entry['name']}.csv")
        assert urls["JSON"].endswith(f"/open-data/{entry['name']}.json")


def test_the_licence_and_contact_are_settings(app, client):
    app.config.update(OPEN_DATA_LICENSE="CC-BY-4.0", OPEN_DATA_CONTACT_EMAIL="data@lamphun.go.th")
    try:
        entry = client.get("/open-data/catalog.json").get_json()["datasets"][0]
    finally:
        app.config.update(
            OPEN_DATA_LICENSE="Open Data Commons Attribution License",
            OPEN_DATA_CONTACT_EMAIL=None,
        )
    assert entry["license_id"] == "CC-BY-4.0"
    assert entry["maintainer_email"] == "data@lamphun.go.th"


@pytest.mark.parametrize(
    "path", ["/open-data/other.csv", "/open-data/impact-monthly-by-tambon.xml"]
)
def test_unknown_files_are_not_found(client, path):
    assert client.get(path).status_code == 404


PUBLIC_PATHS = (
    "/impact",
    "/api/v1/public/impact",
    "/open-data/",
    "/open-data/catalog.json",
    "/open-data/impact-monthly-by-tambon.csv",
    "/open-data/impact-monthly-by-tambon.json",
    "/open-data/impact-monthly-by-shop.csv",
    "/open-data/impact-monthly-by-shop.json",
)


def test_every_public_figures_route_answers_without_sign_in(app, client):
    """The access table of the public figures: everyone may read every route, and no route
    of theirs is missing from it."""
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("impact.", "open_data.", "public."))
    }
    assert endpoints == {
        "impact.impact",
        "open_data.index",
        "open_data.catalog",
        "open_data.dataset",
        "public.public_impact",
    }
    for path in PUBLIC_PATHS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
