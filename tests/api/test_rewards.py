"""Managing rewards (admins and the shop's own staff) and listing them for residents."""

import io

import pytest
from PIL import Image

from tests.factories import bearer


def png_bytes(size=(1200, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (46, 125, 50)).save(out, format="PNG")
    return out.getvalue()


def test_staff_add_a_reward_that_residents_then_see(client, make_shop):
    shop_id, staff = make_shop()
    body = {"name_th": "กาแฟฟรี 1 แก้ว", "name_en": "Free coffee", "points": 30, "stock": 10}
    created = client.post("/api/v1/shop/rewards", json=body, headers=bearer(staff))
    assert created.status_code == 201
    reward = created.get_json()
    assert reward["shop"]["id"] == shop_id
    listed = client.get(f"/api/v1/rewards?shop_id={shop_id}").get_json()["items"]
    assert [r["id"] for r in listed] == [reward["id"]]
    shop = client.get(f"/api/v1/shops/{shop_id}", headers={"Accept-Language": "en"}).get_json()
    assert [r["name"] for r in shop["rewards"]] == ["Free coffee"]
    shops = client.get("/api/v1/shops").get_json()["items"]
    assert {s["id"]: s["rewards_count"] for s in shops}[shop_id] == 1


def test_a_withdrawn_reward_disappears_for_residents(client, make_shop, make_reward):
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id)
    response = client.patch(
        f"/api/v1/shop/rewards/{reward_id}", json={"active": False}, headers=bearer(staff)
    )
    assert response.status_code == 200
    assert client.get(f"/api/v1/rewards/{reward_id}").status_code == 404
    managed = client.get("/api/v1/shop/rewards", headers=bearer(staff)).get_json()["items"]
    assert [r["active"] for r in managed] == [False]


def test_staff_cannot_touch_another_shops_reward(client, make_shop, make_reward):
    shop_id, _ = make_shop()
    _, other_staff = make_shop()
    reward_id = make_reward(shop_id)
    response = client.patch(
        f"/api/v1/shop/rewards/{reward_id}", json={"points": 1}, headers=bearer(other_staff)
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/rewards/{reward_id}").get_json()["points"] == 20


def test_admin_adds_and_edits_rewards_of_any_shop(client, make_shop, make_admin):
    shop_id, _ = make_shop()
    admin = make_admin()
    created = client.post(
        f"/api/v1/admin/shops/{shop_id}/rewards",
        json={"name_th": "ถุงผ้า", "points": 50},
        headers=bearer(admin),
    ).get_json()
    edited = client.patch(
        f"/api/v1/admin/rewards/{created['id']}", json={"stock": 3}, headers=bearer(admin)
    )
    assert edited.get_json()["stock_left"] == 3
    missing = client.post(
        "/api/v1/admin/shops/999/rewards", json={"name_th": "ก", "points": 5}, headers=bearer(admin)
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"points": 5}, "name_th"),
        ({"name_th": "ก"}, "points"),
        ({"name_th": "ก", "points": 0}, "points"),
        ({"name_th": "ก", "points": 5, "stock": -1}, "stock"),
        ({"name_th": "ก", "points": 5, "active_from": "2026-01-01T00:00:00"}, "active_from"),
        (
            {
                "name_th": "ก",
                "points": 5,
                "active_from": "2026-02-01T00:00:00+07:00",
                "active_to": "2026-01-01T00:00:00+07:00",
            },
            "active_to",
        ),
    ],
)
def test_bad_rewards_are_refused_and_nothing_is_added(client, make_shop, body, field):
    shop_id, staff = make_shop()
    response = client.post("/api/v1/shop/rewards", json=body, headers=bearer(staff))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert client.get("/api/v1/shop/rewards", headers=bearer(staff)).get_json()["items"] == []


def test_an_uploaded_picture_is_resized_and_served_as_jpeg(client, make_shop, make_reward):
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id)
    response = client.put(
        f"/api/v1/shop/rewards/{reward_id}/image",
        data={"image": (io.BytesIO(png_bytes()), "bag.png")},
        headers=bearer(staff),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    image_url = response.get_json()["image_url"]
    picture = client.get(image_url)
    assert picture.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(picture.data)).size == (800, 400)


@pytest.mark.parametrize(
    "data", [b"", b"not an image", b"GIF89a" + b"\x00" * 20, png_bytes()[:100]]
)
def test_anything_but_a_real_image_is_refused(client, make_shop, make_reward, data):
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id)
    response = client.put(
        f"/api/v1/shop/rewards/{reward_id}/image",
        data=data,
        headers={**bearer(staff), "Content-Type": "image/png"},
    )
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_image"
    assert client.get(f"/api/v1/rewards/{reward_id}").get_json()["image_url"] is None
