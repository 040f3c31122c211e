"""Scans racing on PostgreSQL through real threads: each credits at most once."""

import os
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import Scan, User
from ecolife.services import settings
from ecolife.services.ledger import verify_ledger
from tests.concurrency.test_concurrent_writes import run_together
from tests.factories import bearer

REQUESTS = 32
ROUNDS = int(os.environ.get("ECOLIFE_RACE_ROUNDS", "50"))


def post_scan(app, resident, code: str, key: str) -> int:
    headers = {**bearer(resident), "Idempotency-Key": key}
    return app.test_client().post("/api/v1/scans", json={"code": code}, headers=headers).status_code


def balance_of(app, user_id: int) -> int:
    with app.app_context():
        balance = db.session.get(User, user_id).balance
        db.session.remove()
        return balance


def assert_ledger_verifies(app) -> None:
    with app.app_context():
        assert verify_ledger() == []
        db.session.remove()


@pytest.fixture
def no_caps(app):
    """Lift the cooldown and daily caps so rounds only race on what the test is about."""
    with app.app_context():
        settings.update_limits(
            {"scan_cooldown_seconds": 0, "daily_scans_per_shop": 10_000, "daily_scans": 10_000}
        )
        db.session.remove()


def test_identical_requests_with_one_key_credit_once(
    app, no_caps, make_resident, make_shop, shop_token
):
    resident = make_resident()
    token = shop_token(make_shop()[0])
    for round_ in range(1, ROUNDS + 1):
        key = uuid.uuid4().hex
        statuses = run_together(lambda _i, k=key: post_scan(app, resident, token, k), REQUESTS)
        assert statuses == [201] * REQUESTS, f"round {round_}: {Counter(statuses)}"
        assert balance_of(app, resident.user.id) == 5 * round_, f"round {round_}"
    assert_ledger_verifies(app)


def test_one_time_code_scanned_by_many_residents_credits_exactly_one(
    app, no_caps, make_resident, make_shop, make_code
):
    residents = [make_resident() for _ in range(REQUESTS)]
    _, staff = make_shop()
    for round_ in range(1, ROUNDS + 1):
        _, code = make_code(staff)
        statuses = run_together(
            lambda i, c=code: post_scan(app, residents[i], c, uuid.uuid4().hex), REQUESTS
        )
        assert Counter(statuses) == {201: 1, 409: REQUESTS - 1}, f"round {round_}"
    with app.app_context():
        total = db.session.scalar(select(func.sum(User.balance)))
        scans = db.session.scalar(select(func.count(Scan.id)))
    assert (total, scans) == (5 * ROUNDS, ROUNDS)
    assert_ledger_verifies(app)


def test_different_keys_inside_the_cooldown_credit_once(
    app, monkeypatch, make_resident, make_shop, shop_token
):
    with app.app_context():
        settings.update_limits({"daily_scans_per_shop": 10_000, "daily_scans": 10_000})
        db.session.remove()
    resident = make_resident()
    token = shop_token(make_shop()[0])
    start = clock.now()
    for round_ in range(1, ROUNDS + 1):
        # Each round is an hour later, past the 30-minute cooldown of the round before.
        moment = start + timedelta(hours=round_)
        monkeypatch.setattr(clock, "now", lambda m=moment: m)
        statuses = run_together(
            lambda _i: post_scan(app, resident, token, uuid.uuid4().hex), REQUESTS
        )
        assert Counter(statuses) == {201: 1, 429: REQUESTS - 1}, f"round {round_}"
        assert balance_of(app, resident.user.id) == 5 * round_
    assert_ledger_verifies(app)
