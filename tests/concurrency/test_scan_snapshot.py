"""A scan whose read went stale before its write decides again on what was written since."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import Action, IdempotencyKey, Impact, LedgerEntry, Scan, User
from ecolife.services import earning, ledger
from tests.factories import bearer


def test_a_scan_that_read_before_another_was_written_retries_and_sees_it(
    app, monkeypatch, make_resident, make_shop, shop_token
):
    resident = make_resident()
    token = shop_token(make_shop()[0])
    second_has_read, first_done = threading.Event(), threading.Event()
    attempts: list[str] = []
    record, earn = earning._record, earning._earn

    def record_after_the_first(*args, **kwargs):
        if threading.current_thread().name == "second" and not first_done.is_set():
            second_has_read.set()  # read (no scan yet), decided to credit, not written
            assert first_done.wait(30)
        return record(*args, **kwargs)

    def counting_earn(*args, **kwargs):
        attempts.append(threading.current_thread().name)
        return earn(*args, **kwargs)

    monkeypatch.setattr(earning, "_record", record_after_the_first)
    monkeypatch.setattr(earning, "_earn", counting_earn)
    statuses: dict[str, int] = {}

    def scan(name: str) -> None:
        headers = {**bearer(resident), "Idempotency-Key": uuid.uuid4().hex}
        response = app.test_client().post("/api/v1/scans", json={"code": token}, headers=headers)
        statuses[name] = response.status_code

    second = threading.Thread(target=scan, args=("second",), name="second")
    second.start()
    assert second_has_read.wait(30)
    first = threading.Thread(target=scan, args=("first",), name="first")
    first.start()
    first.join(30)
    first_done.set()
    second.join(30)

    # Writing what it decided on its read, the second scan would have credited inside the
    # cooldown. Its write found the resident's row changed and wrote nothing; the second try
    # read the first scan and refused.
    assert statuses == {"first": 201, "second": 429}
    assert attempts.count("second") == 2
    with app.app_context():
        assert db.session.get(User, resident.user.id).balance == 5
        assert db.session.scalar(select(func.count(Scan.id))) == 1
        db.session.remove()


def test_a_stale_write_leaves_nothing_behind(app, make_resident, make_shop, shop_token):
    """The guarded statement writes no scan, entry, impact or key when the row changed."""
    resident, shop_id = make_resident(), make_shop()[0]
    user_id = resident.user.id
    with app.app_context():
        stale = db.session.execute(
            select(ledger.ROW_VERSION).where(User.id == user_id)
        ).scalar_one()
        bag = db.session.scalar(select(Action.id).where(Action.code == "bag"))
        db.session.remove()
    headers = {**bearer(resident), "Idempotency-Key": uuid.uuid4().hex}
    response = app.test_client().post(
        "/api/v1/scans", json={"code": shop_token(shop_id)}, headers=headers
    )
    assert response.status_code == 201
    plan = earning._Plan(
        shop=earning.ShopRef(shop_id, "ร้านทดสอบ", None),
        action_id=bag,
        action_code="bag",
        quantity=1,
        points=5,
        milligrams=8000,
        code_id=None,
        expires_at=None,
    )
    with app.app_context():
        pooled = db.engine.raw_connection()
        conn = pooled.driver_connection
        conn.autocommit = True
        try:
            with pytest.raises(earning.StaleRead):
                earning._record(conn, plan, stale, user_id, "stale-key", "f" * 64, clock.now())
        finally:
            conn.autocommit = False
            pooled.close()
        counts = [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Scan, LedgerEntry, IdempotencyKey)
        ]
        assert counts == [1, 1, 1]
        assert db.session.scalar(select(Impact.items).where(Impact.user_id == user_id)) == 1
        assert db.session.get(User, user_id).balance == 5
        db.session.remove()
