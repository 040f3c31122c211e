"""Shop QR codes and posters: rotate, PNG and PDF, for admins and the shop's own staff."""

import io

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from tests.factories import bearer, scan


def decoded(response) -> list[str]:
    if response.mimetype == "application/pdf":
        image = pypdfium2.PdfDocument(response.data)[0].render(scale=1.5).to_pil()
    else:
        image = Image.open(io.BytesIO(response.data))
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_rotating_gives_a_new_token_and_retires_the_old_one(
    client, make_admin, make_shop, make_resident, shop_token
):
    admin, resident = make_admin(), make_resident()
    shop_id, _ = make_shop()
    old = shop_token(shop_id)
    response = client.post(f"/api/v1/admin/shops/{shop_id}/rotate-qr", headers=bearer(admin))
    assert response.status_code == 200
    new = shop_token(shop_id)
    assert new != old
    assert response.get_json()["qr_url"] == f"http://ecolife.test/q/{new}"
    assert scan(client, resident, old).get_json()["code"] == "unknown_code"
    assert scan(client, resident, new).status_code == 201
    qr = client.get(f"/api/v1/admin/shops/{shop_id}/qr.png", headers=bearer(admin))
    assert decoded(qr) == [f"http://ecolife.test/q/{new}"]


def test_an_inactive_shop_can_be_rotated(client, make_admin, make_shop, shop_token):
    shop_id, _ = make_shop(active=False)
    old = shop_token(shop_id)
    response = client.post(f"/api/v1/admin/shops/{shop_id}/rotate-qr", headers=bearer(make_admin()))
    assert response.status_code == 200
    assert shop_token(shop_id) != old


@pytest.mark.parametrize("fmt, mimetype", [("png", "image/png"), ("pdf", "application/pdf")])
def test_the_poster_decodes_to_the_shop_url(
    client, make_admin, make_shop, shop_token, fmt, mimetype
):
    shop_id, _ = make_shop()
    response = client.get(
        f"/api/v1/admin/shops/{shop_id}/poster.{fmt}", headers=bearer(make_admin())
    )
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Cache-Control"] == "private, no-store"
    assert f"ecolife-shop-{shop_id}.{fmt}" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF-" if fmt == "pdf" else b"\x89PNG")
    assert decoded(response) == [f"http://ecolife.test/q/{shop_token(shop_id)}"]


def test_staff_get_their_own_shops_qr_and_poster(client, make_shop, shop_token):
    shop_id, staff = make_shop()
    url = f"http://ecolife.test/q/{shop_token(shop_id)}"
    assert decoded(client.get("/api/v1/shop/qr.png", headers=bearer(staff))) == [url]
    assert decoded(client.get("/api/v1/shop/poster.pdf", headers=bearer(staff))) == [url]


ADMIN_PATHS = [
    ("post", "/api/v1/admin/shops/{id}/rotate-qr"),
    ("get", "/api/v1/admin/shops/{id}/qr.png"),
    ("get", "/api/v1/admin/shops/{id}/poster.png"),
    ("get", "/api/v1/admin/shops/{id}/poster.pdf"),
]


@pytest.mark.parametrize("method, path", ADMIN_PATHS)
def test_only_admins_reach_shop_qr_endpoints(
    client, make_resident, make_shop, shop_token, method, path
):
    shop_id, staff = make_shop()
    token = shop_token(shop_id)
    url = path.format(id=shop_id)
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 401
    assert anonymous.content_type == "application/problem+json"
    for user in (make_resident(), staff):
        response = getattr(client, method)(url, headers=bearer(user))
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"
    assert shop_token(shop_id) == token


@pytest.mark.parametrize("method, path", ADMIN_PATHS)
def test_an_unknown_shop_is_not_found(client, make_admin, method, path):
    response = getattr(client, method)(path.format(id=999), headers=bearer(make_admin()))
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_an_unknown_poster_format_is_not_found(client, make_admin, make_shop):
    shop_id, _ = make_shop()
    response = client.get(f"/api/v1/admin/shops/{shop_id}/poster.gif", headers=bearer(make_admin()))
    assert response.status_code == 404


def test_residents_and_admins_have_no_shop_poster_of_their_own(client, make_resident, make_admin):
    for user in (make_resident(), make_admin()):
        assert client.get("/api/v1/shop/poster.pdf", headers=bearer(user)).status_code == 403


def test_the_openapi_document_describes_the_binary_responses(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    admin = "/api/v1/admin/shops/{shop_id}"
    poster = paths[f"{admin}/poster.{{fmt}}"]["get"]
    assert set(poster["responses"]["200"]["content"]) == {"image/png", "application/pdf"}
    assert poster["security"] == [{"bearer": []}]
    assert set(paths[f"{admin}/qr.png"]["get"]["responses"]["200"]["content"]) == {"image/png"}
    assert "AdminShop" in str(paths[f"{admin}/rotate-qr"]["post"]["responses"]["200"])
