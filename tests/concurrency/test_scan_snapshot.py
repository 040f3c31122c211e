"""A scan that waited for the resident's lock decides on what the lock holder wrote."""

import threading
import time
import uuid

from sqlalchemy import func, select, text

from ecolife.extensions import db
from ecolife.models import Scan, User
from ecolife.services import earning
from tests.factories import bearer


def test_a_scan_that_waited_for_the_lock_retries_and_sees_the_scan_before_it(
    app, monkeypatch, make_resident, make_shop, shop_token
):
    resident = make_resident()
    token = shop_token(make_shop()[0])
    first_written, let_first_commit = threading.Event(), threading.Event()
    attempts: list[str] = []
    record, earn = earning._record, earning._earn

    def record_then_wait(*args, **kwargs):
        result = record(*args, **kwargs)
        if threading.current_thread().name == "first":
            first_written.set()  # written, holding the resident's row, not committed
            assert let_first_commit.wait(30)
        return result

    def counting_earn(*args, **kwargs):
        attempts.append(threading.current_thread().name)
        return earn(*args, **kwargs)

    monkeypatch.setattr(earning, "_record", record_then_wait)
    monkeypatch.setattr(earning, "_earn", counting_earn)
    statuses: dict[str, int] = {}

    def scan(name: str) -> None:
        headers = {**bearer(resident), "Idempotency-Key": uuid.uuid4().hex}
        response = app.test_client().post("/api/v1/scans", json={"code": token}, headers=headers)
        statuses[name] = response.status_code

    first = threading.Thread(target=scan, args=("first",), name="first")
    second = threading.Thread(target=scan, args=("second",), name="second")
    first.start()
    assert first_written.wait(30)
    second.start()
    _wait_for_a_lock_wait(app)  # the second scan has its snapshot and waits for the row
    let_first_commit.set()
    first.join(30)
    second.join(30)

    # Deciding on its first snapshot, the second scan would have credited inside the
    # cooldown. PostgreSQL refused its lock instead, and the second try saw the first scan.
    assert statuses == {"first": 201, "second": 429}
    assert attempts.count("second") == 2
    with app.app_context():
        assert db.session.get(User, resident.user.id).balance == 5
        assert db.session.scalar(select(func.count(Scan.id))) == 1
        db.session.remove()


def _wait_for_a_lock_wait(app) -> None:
    with app.app_context(), db.engine.connect() as conn:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the second scan never waited for the resident's row")
