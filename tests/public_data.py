"""Shared helpers of the public-figures tests: scans at given moments, and the nightly rebuild."""

from datetime import UTC, datetime

import pytest

from ecolife.extensions import db
from ecolife.models import Shop
from ecolife.services.public_figures_refresh import refresh_public_figures
from tests.factories import scan

# Mid-November 2026: the whole months published end with October.
NOW = datetime(2026, 11, 15, 5, 0, tzinfo=UTC)
SEPT_LAST_MINUTE = datetime(2026, 9, 30, 16, 59, tzinfo=UTC)  # 23:59 on 30 Sep in Bangkok
OCT_FIRST_MINUTE = datetime(2026, 9, 30, 17, 0, 30, tzinfo=UTC)  # 00:00:30 on 1 Oct in Bangkok
OCT_5 = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)


@pytest.fixture
def scan_at(client, shop_token, set_now):
    """Return a callable: `resident` refuses `quantity` of `action` at the shop at `when`."""

    def make(resident, shop_id: int, when: datetime, action: str = "bag", quantity: int = 1):
        set_now(when)
        response = scan(client, resident, shop_token(shop_id), action=action, quantity=quantity)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def publish(app, set_now):
    """Return a callable running the nightly rebuild of the published figures at `now`."""

    def run(now: datetime = NOW) -> int:
        set_now(now)
        with app.app_context():
            count = refresh_public_figures()
            db.session.remove()
            return count

    return run


@pytest.fixture
def unplace(app):
    """Return a callable taking a shop out of its sub-district (an old shop, from before areas)."""

    def run(shop_id: int) -> None:
        with app.app_context():
            db.session.get(Shop, shop_id).tambon_code = None
            db.session.commit()
            db.session.remove()

    return run


@pytest.fixture
def programme(make_resident, make_shop, scan_at, publish):
    """Shops in two sub-districts of Mueang Lamphun and one in Li; known scans; published."""
    residents = [make_resident() for _ in range(10)]
    a, _ = make_shop(district="5101", tambon="510101")
    b, _ = make_shop(district="5101", tambon="510102")
    c, _ = make_shop(district="5104")
    for r in residents[:5]:
        scan_at(r, b, SEPT_LAST_MINUTE)
        scan_at(r, a, OCT_5)
    for r in residents[5:]:
        scan_at(r, b, OCT_FIRST_MINUTE)
    for r in residents[:6]:
        scan_at(r, c, OCT_5, quantity=3)
    publish()
    return {"a": a, "b": b, "c": c, "residents": residents}


@pytest.fixture
def loner(make_resident):
    """A resident signed in before the clock is set back (access tokens expire in real time)."""
    return make_resident()
