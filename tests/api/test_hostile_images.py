"""Decompression bombs: a reward picture's pixel size is checked before it is decoded."""

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from ecolife.extensions import db
from ecolife.models import Reward
from tests.factories import bearer
from tests.web.console import post_form, sign_in, text

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024  # ru_maxrss counts KiB on Linux


def one_bit_png(width: int, height: int) -> bytes:
    """A blank 1-bit PNG: a few KB on the wire, width × height pixels once decoded."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


def rgb_png(width: int, height: int) -> bytes:
    """A black RGB PNG written row by row, so the test never holds its pixels in memory."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + 3 * width)  # filter "none", then black pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 600), (46, 125, 50)).save(out, format="PNG")
    return out.getvalue()


def phone_photo() -> bytes:
    """A JPEG the size a phone camera takes (12 megapixels)."""
    out = io.BytesIO()
    Image.linear_gradient("L").resize((4032, 3024)).convert("RGB").save(out, format="JPEG")
    return out.getvalue()


def put_image(client, url: str, data: bytes, headers: dict):
    return client.put(url, data=data, headers={**headers, "Content-Type": "image/png"})


@pytest.fixture
def staff_reward(make_shop, make_reward):
    shop_id, staff = make_shop()
    return f"/api/v1/shop/rewards/{make_reward(shop_id)}/image", bearer(staff)


@pytest.fixture
def admin_reward(make_shop, make_reward, make_admin):
    shop_id, _staff = make_shop()
    return f"/api/v1/admin/rewards/{make_reward(shop_id)}/image", bearer(make_admin())


@pytest.mark.parametrize("uploader", ["staff_reward", "admin_reward"])
@pytest.mark.parametrize(
    "size",
    [
        (6001, 4000),  # just over 24 megapixels: Pillow itself would decode it
        (13000, 13000),  # Pillow only warns
        (20000, 20000),  # Pillow refuses it as a bomb
    ],
)
def test_a_picture_over_the_pixel_budget_is_refused(client, request, uploader, size):
    url, headers = request.getfixturevalue(uploader)
    response = put_image(client, url, one_bit_png(*size), headers)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "image_too_large"
    assert "24" in body["detail"]
    reward_id = url.split("/")[-2]
    assert client.get(f"/api/v1/rewards/{reward_id}").get_json()["image_url"] is None


def test_a_picture_of_exactly_the_budget_is_accepted(client, staff_reward):
    url, headers = staff_reward
    response = put_image(client, url, one_bit_png(6000, 4000), headers)
    assert response.status_code == 200
    picture = client.get(response.get_json()["image_url"])
    assert Image.open(io.BytesIO(picture.data)).size == (800, 533)


def test_the_shop_console_names_the_pixel_budget(client, app, make_shop):
    shop_id, staff = make_shop()
    sign_in(client, staff.user.email, lang="en")
    form = {
        "name_th": "ถุงผ้า",
        "points": "30",
        "image": (io.BytesIO(one_bit_png(13000, 13000)), "bomb.png"),
    }
    response = post_form(client, "/shop/rewards/new", form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "at most 24 megapixels" in text(response)
    with app.app_context():
        assert db.session.query(Reward).filter_by(shop_id=shop_id).count() == 0


# Runs in a fresh interpreter so that ru_maxrss (the peak resident size) starts low and
# nothing this pytest process allocated hides the upload's own growth.
MEASURE = """
import json, resource, sys
from pathlib import Path
from config import TestConfig
from ecolife import create_app

url, secret, token, reward_id, folder = sys.argv[1:]
Config = type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
client = create_app(Config).test_client()
headers = {"Authorization": f"Bearer {token}", "Content-Type": "image/png"}

def put(name):
    data = Path(folder, name).read_bytes()
    response = client.put(f"/api/v1/shop/rewards/{reward_id}/image", data=data, headers=headers)
    return [response.status_code, (response.get_json() or {}).get("code")]

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

warm = [put("small.png"), put("garbage.png")]  # imports, pool, catalogue: not measured
before = peak()
bombs = {name: put(name) for name in ("bomb-1bit.png", "bomb-rgb.png")}
bombs_growth = peak() - before
photo = put("photo.jpg")
print(json.dumps({"warm": warm, "bombs": bombs, "bombs_growth": bombs_growth,
                  "photo": photo, "photo_growth": peak() - before - bombs_growth}))
"""


def test_bombs_do_not_grow_the_worker_and_a_phone_photo_still_works(
    app, database_url, make_shop, make_reward, tmp_path
):
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id)
    (tmp_path / "small.png").write_bytes(small_png())
    (tmp_path / "garbage.png").write_bytes(b"not an image")
    (tmp_path / "bomb-1bit.png").write_bytes(one_bit_png(13000, 13000))
    (tmp_path / "bomb-rgb.png").write_bytes(rgb_png(13000, 13000))
    (tmp_path / "photo.jpg").write_bytes(phone_photo())
    args = [app.config["SECRET_KEY"], staff.access_token, str(reward_id), str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, database_url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["warm"] == [[200, None], [422, "invalid_image"]]
    assert result["bombs_growth"] < 64 * MiB, result
    assert result["bombs"] == {
        "bomb-1bit.png": [422, "image_too_large"],
        "bomb-rgb.png": [422, "image_too_large"],
    }
    assert result["photo"] == [200, None]
    assert result["photo_growth"] < 64 * MiB, result
