"""No forged, altered, rotated-away or random token ever credits points."""

import string
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import LedgerEntry, Shop
from ecolife.security import encode_access_token
from ecolife.services.shop_qr import rotate_shop_qr
from tests.factories import scan

URLSAFE = string.ascii_letters + string.digits + "-_"
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def world(client, make_resident, make_shop, shop_token, make_code):
    """A resident, a shop with its poster token, and a live one-time code."""
    resident = make_resident()
    shop_id, staff = make_shop()
    _, code = make_code(staff)
    return resident, shop_token(shop_id), code


def altered(token: str, data) -> str:
    """Change one character of a real token into another allowed character."""
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(URLSAFE).filter(lambda c: c != token[position]))
    return token[:position] + replacement + token[position + 1 :]


def assert_not_credited(client, app, resident, code: str) -> None:
    response = scan(client, resident, code, key=uuid.uuid4().hex)
    assert response.status_code in (404, 422), (code, response.get_json())
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(LedgerEntry.id))) == 0
        db.session.remove()


@FUZZ
@given(token=st.text(alphabet=URLSAFE, min_size=1, max_size=64))
def test_random_tokens_never_credit(client, app, world, token):
    resident, *_ = world
    assert_not_credited(client, app, resident, token)
    assert_not_credited(client, app, resident, f"http://ecolife.test/q/{token}")


@FUZZ
@given(data=st.data(), which=st.sampled_from(["poster", "code"]))
def test_altered_real_tokens_never_credit(client, app, world, data, which):
    resident, poster, code = world
    token = altered(poster if which == "poster" else code, data)
    assert_not_credited(client, app, resident, f"http://ecolife.test/q/{token}")


@FUZZ
@given(text=st.text(max_size=200))
def test_arbitrary_scanned_text_never_credits(client, app, world, text):
    resident, *_ = world
    response = scan(client, resident, text, key=uuid.uuid4().hex)
    assert response.status_code in (404, 422)


@pytest.mark.parametrize(
    "shape",
    [
        "{token}x",
        "x{token}",
        "{token}/",
        "http://ecolife.test/q/{token}/extra",
        "http://ecolife.test/p/{token}",
        "{lower}",
        "{upper}",
    ],
)
def test_tokens_with_extra_or_changed_characters_never_credit(client, app, world, shape):
    resident, poster, _ = world
    forged = shape.format(token=poster, lower=poster.lower(), upper=poster.upper())
    if forged == poster:
        pytest.skip("the change left the token as it was")
    assert_not_credited(client, app, resident, forged)


def test_a_rotated_away_token_never_credits(client, app, world, make_shop):
    resident, poster, _ = world
    with app.app_context():
        shop_id = db.session.scalar(db.select(Shop.id).where(Shop.qr_token == poster))
        new_token = rotate_shop_qr(shop_id).qr_token
        db.session.remove()
    assert_not_credited(client, app, resident, f"http://ecolife.test/q/{poster}")
    assert scan(client, resident, new_token).status_code == 201


def test_the_role_is_read_from_the_account_not_only_the_token(client, app, make_admin, world):
    """A token whose role claim says resident does not make an admin a resident."""
    _, poster, _ = world
    admin = make_admin()
    with app.app_context():
        forged = encode_access_token(
            app.config["SECRET_KEY"],
            user_id=admin.user.id,
            session_id=admin.session_id,
            role="resident",
            now=clock.now(),
            ttl=timedelta(minutes=5),
        )
    headers = {"Authorization": f"Bearer {forged}", "Idempotency-Key": uuid.uuid4().hex}
    response = client.post("/api/v1/scans", json={"code": poster}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"
