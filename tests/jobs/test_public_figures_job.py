"""The worker's nightly task publishes the figures of the months that have ended."""

from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.jobs import UPKEEP_QUEUE, defer
from ecolife.models import PublicImpactCell
from tests.public_data import NOW


def test_the_nightly_task_publishes_the_whole_months(app, client, programme, run_jobs, set_now):
    with app.app_context():
        db.session.execute(PublicImpactCell.__table__.delete())
        db.session.commit()
        set_now(NOW)
        defer("ecolife.refresh_public_figures", UPKEEP_QUEUE, timestamp=0)
        db.session.commit()
    run_jobs(queues=["upkeep"])
    with app.app_context():
        months = db.session.scalars(select(func.distinct(PublicImpactCell.month))).all()
        assert sorted(m.isoformat() for m in months) == ["2026-09-01", "2026-10-01"]
    body = client.get("/api/v1/public/impact?from=2026-10&to=2026-10").get_json()
    assert body["months"][0]["scans"] == 16
