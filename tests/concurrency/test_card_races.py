"""Member-card credits and redemptions racing on PostgreSQL through real threads."""

import uuid
from collections import Counter

from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import CardCreditDay, Redemption, Scan, User
from ecolife.services import cards, settings
from tests.concurrency.test_concurrent_writes import run_together
from tests.concurrency.test_scan_races import assert_ledger_verifies, balance_of
from tests.factories import bearer

THREADS = 16
LIMIT = 5


def post(app, staff, path: str, body: dict, key: str | None = None):
    headers = {**bearer(staff), "Idempotency-Key": key or uuid.uuid4().hex}
    response = app.test_client().post(path, json=body, headers=headers)
    return response.status_code, response.get_json().get("code")


def test_a_shop_never_passes_its_daily_card_credits(app, make_shop, make_card_holder):
    with app.app_context():
        settings.update_limits({"card_credits_per_shop_per_day": LIMIT})
        db.session.remove()
    shop_id, staff = make_shop()
    codes = [make_card_holder()[1] for _ in range(THREADS)]
    outcomes = run_together(
        lambda i: post(app, staff, "/api/v1/shop/card-scans", {"card": codes[i]}), THREADS
    )
    assert Counter(outcomes) == {
        (201, None): LIMIT,
        (429, "card_credit_limit_reached"): THREADS - LIMIT,
    }
    with app.app_context():
        credited = db.session.scalar(select(func.count(Scan.id)).where(Scan.shop_id == shop_id))
        counted = db.session.scalar(select(CardCreditDay.credits))
        db.session.remove()
    assert credited == counted == LIMIT
    assert_ledger_verifies(app)


def test_many_counters_crediting_one_card_at_once_credit_it_once(app, make_shop, make_card_holder):
    holder, card = make_card_holder()
    staff = make_shop()[1]
    outcomes = run_together(
        lambda _i: post(app, staff, "/api/v1/shop/card-scans", {"card": card}), THREADS
    )
    assert Counter(outcomes) == {(201, None): 1, (429, "cooldown_active"): THREADS - 1}
    assert balance_of(app, holder.user.id) == 5
    with app.app_context():
        counted = db.session.scalars(select(CardCreditDay.credits)).all()
        db.session.remove()
    assert counted == [1]  # the shop's count is the credits made, not the tries
    assert_ledger_verifies(app)


def test_parallel_wrong_pins_lock_the_card_after_exactly_five(
    app, make_shop, make_reward, make_card_holder, monkeypatch
):
    monkeypatch.setitem(app.config, "CARD_PIN_WRONG_TRIES_PER_STAFF", "1000 per day")
    monkeypatch.setitem(app.config, "CARD_PIN_WRONG_TRIES_PER_SHOP", "1000 per day")
    holder, card = make_card_holder(points=50)
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=20)
    body = {"card": card, "reward_id": reward_id, "pin": "9999"}
    outcomes = run_together(
        lambda _i: post(app, staff, "/api/v1/shop/card-redemptions", body), THREADS
    )
    assert Counter(outcomes) == {
        (403, "wrong_pin"): cards.PIN_MAX_FAILURES - 1,
        (423, "card_pin_locked"): THREADS - cards.PIN_MAX_FAILURES + 1,
    }
    with app.app_context():
        user = db.session.get(User, holder.user.id)
        assert user.card_pin_failures == cards.PIN_MAX_FAILURES
        assert user.card_pin_locked_at is not None
        db.session.remove()
    assert balance_of(app, holder.user.id) == 50


def test_a_retried_card_credit_credits_once(app, make_shop, make_card_holder):
    holder, card = make_card_holder()
    staff = make_shop()[1]
    key = uuid.uuid4().hex
    outcomes = run_together(
        lambda _i: post(app, staff, "/api/v1/shop/card-scans", {"card": card}, key), THREADS
    )
    assert outcomes == [(201, None)] * THREADS
    assert balance_of(app, holder.user.id) == 5
    assert_ledger_verifies(app)


def test_the_counter_and_the_app_cannot_spend_the_same_points(
    app, make_shop, make_reward, make_card_holder
):
    holder, card = make_card_holder(points=20)
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=20)

    def spend(i: int):
        if i % 2:
            body = {"reward_id": reward_id}
            headers = {**bearer(holder), "Idempotency-Key": uuid.uuid4().hex}
            response = app.test_client().post("/api/v1/redemptions", json=body, headers=headers)
            return response.status_code
        body = {"card": card, "reward_id": reward_id, "pin": "2580"}
        return post(app, staff, "/api/v1/shop/card-redemptions", body)[0]

    outcomes = run_together(spend, THREADS)
    assert Counter(outcomes)[201] == 1
    assert balance_of(app, holder.user.id) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Redemption.id))) == 1
        db.session.remove()
    assert_ledger_verifies(app)
