"""The last sign-in or refresh kept for the inactive-account erasure: kept to the day, in a
table of its own, so signing in at once from several phones never deadlocks."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.models import AccountActivity
from tests.concurrency.test_concurrent_writes import run_together
from tests.factories import PASSWORD


def last_active(app, user_id: int) -> datetime:
    with app.app_context():
        value = db.session.scalar(
            select(AccountActivity.last_active_at).where(AccountActivity.user_id == user_id)
        )
        db.session.remove()
        return value


def test_many_sign_ins_of_one_account_at_once_all_succeed(app, make_resident):
    resident = make_resident()

    def sign_in(_i: int) -> int:
        body = {"login": resident.user.phone, "password": PASSWORD}
        return app.test_client().post("/api/v1/auth/login", json=body).status_code

    assert run_together(sign_in, 6) == [200] * 6


def test_activity_is_kept_to_the_day(app, client, make_resident, set_now):
    resident = make_resident()
    first = last_active(app, resident.user.id)
    assert first is not None
    set_now(first + timedelta(hours=20))
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": resident.refresh_token})
    assert refreshed.status_code == 200
    assert last_active(app, resident.user.id) == first  # the same day: nothing written
    later = set_now(datetime.now(UTC) + timedelta(days=3))
    again = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": refreshed.get_json()["refresh_token"]}
    )
    assert again.status_code == 200
    assert last_active(app, resident.user.id) == later
