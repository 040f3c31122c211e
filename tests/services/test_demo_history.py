"""`ecolife seed-demo --history`: past months through the real services, published at once."""

from sqlalchemy import func, select

from ecolife import clock, rules
from ecolife.extensions import db
from ecolife.models import Redemption, Scan, User
from ecolife.services import ledger, participation
from ecolife.services.demo import seed_demo_data
from ecolife.services.demo_history import MONTHS, PHONE_PREFIX, _months_back, seed_demo_history


def test_the_demo_history_is_made_by_the_services_and_shows_on_the_public_page(app, client):
    real_now = clock.now
    with app.app_context():
        seed_demo_data()
        scans = seed_demo_history()
        assert clock.now is real_now  # the clock is given back
        assert scans > 1000
        assert seed_demo_history() == 0  # once only
        this_month = clock.now().astimezone(rules.BANGKOK).date().replace(day=1)
        first = db.session.scalar(select(func.min(Scan.created_at)))
        assert first.astimezone(rules.BANGKOK).date() >= _months_back(this_month, MONTHS)
        assert db.session.scalar(select(func.max(Scan.created_at))) < clock.now()
        assert db.session.scalar(select(func.count(Redemption.id))) > 0
        homes = db.session.scalars(
            select(User.home_tambon_code).where(User.phone.startswith(PHONE_PREFIX))
        ).all()
        assert len(homes) == 48 and None not in homes
        assert ledger.verify_ledger() == []
        rows = participation.participation(None)
        assert len(rows) == 6 and all(row.households for row in rows)

    result = app.test_cli_runner().invoke(args=["seed-demo", "--history"])
    assert result.exit_code == 0, result.output
    assert "Demo history ready (0 new scans)" in result.output
    first, last = _months_back(this_month, MONTHS), _months_back(this_month, 1)
    body = client.get(f"/api/v1/public/impact?from={first:%Y-%m}&to={last:%Y-%m}").get_json()
    assert len(body["months"]) == MONTHS
    assert all(m["scans"] and m["active_residents"] >= 5 for m in body["months"])
