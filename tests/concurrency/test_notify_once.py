"""The same event told at once by several workers (a second expiry reminder run, a second
campaign announcer) lands in an inbox once: the unique constraint decides, not a check."""

from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import Notification, Role, User
from ecolife.services import notifications
from tests.concurrency.test_concurrent_writes import run_together

THREADS = 8


def test_one_event_told_by_many_workers_at_once_is_one_notification(app, make_resident):
    resident = make_resident()

    def tell(_i: int) -> int | None:
        with app.app_context():
            new_id = notifications.notify(
                resident.user.id,
                "points_expiring",
                {"points": 10, "expires_at": "2027-01-31T17:00:00+00:00"},
                dedupe_key="2027-01-31",
            )
            db.session.commit()
            db.session.remove()
            return new_id

    told = [new_id for new_id in run_together(tell, THREADS) if new_id is not None]
    assert len(told) == 1
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Notification))
        db.session.remove()
    assert count == 1


def test_a_campaign_announced_by_many_workers_at_once_reaches_each_resident_once(
    app, make_resident
):
    residents = [make_resident() for _ in range(3)]

    def announce(_i: int) -> int:
        with app.app_context():
            new_ids = notifications.notify_many(
                select(User.id).where(User.role == Role.RESIDENT),
                "campaign_started",
                {"campaign_id": 7},
                dedupe_key="7",
            )
            db.session.commit()
            db.session.remove()
            return len(new_ids)

    assert sum(run_together(announce, THREADS)) == len(residents)
    with app.app_context():
        per_user = db.session.execute(
            select(Notification.user_id, func.count()).group_by(Notification.user_id)
        ).all()
        db.session.remove()
    assert sorted(per_user) == sorted((r.user.id, 1) for r in residents)
