"""The expiry job racing itself and residents' redemptions on PostgreSQL, in real threads."""

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import EntryKind, LedgerEntry, User
from ecolife.rules import BANGKOK
from ecolife.services import expiry, ledger, settings
from ecolife.services.ledger import verify_ledger
from tests.concurrency.test_concurrent_writes import run_together
from tests.factories import redeem

JAN = datetime(2027, 1, 10, 5, tzinfo=UTC)
MAR_1 = datetime(2027, 3, 1, tzinfo=BANGKOK)
WORKERS = 8


def credit(app, set_now, user_id: int, points: int, months: int | None) -> None:
    with app.app_context():
        settings.update_limits({"points_expire_after_months": months})
        set_now(JAN)
        ledger.adjust_balance(user_id, points, reason="credit", actor_id=None)
        db.session.remove()


def run_expiry(app) -> int:
    with app.app_context():
        try:
            return expiry.expire_points(MAR_1)
        finally:
            db.session.remove()


def read(app, stmt):
    with app.app_context():
        value = db.session.execute(stmt).all()
        db.session.remove()
        return value


def test_eight_workers_at_once_expire_each_account_exactly_once(app, make_resident, set_now):
    residents = [make_resident().user.id for _ in range(12)]
    for i, user_id in enumerate(residents):
        credit(app, set_now, user_id, 10 + i, 1)
        credit(app, set_now, user_id, 3, None)
    set_now(MAR_1)
    counts = run_together(lambda _i: run_expiry(app), WORKERS)
    assert sum(counts) == len(residents)
    expired = read(
        app,
        select(LedgerEntry.user_id, func.count(), func.sum(LedgerEntry.delta))
        .where(LedgerEntry.kind == EntryKind.EXPIRE)
        .group_by(LedgerEntry.user_id),
    )
    assert sorted(expired) == [(u, 1, -(10 + i)) for i, u in enumerate(residents)]
    balances = read(app, select(User.balance).where(User.id.in_(residents)))
    assert balances == [(3,)] * len(residents)
    with app.app_context():
        assert verify_ledger() == []


def test_expiry_racing_a_redemption_never_spends_expired_points(
    app, make_resident, make_shop, make_reward, set_now
):
    shop_id, _ = make_shop()
    reward_id = make_reward(shop_id, points=15)
    outcomes = Counter()
    for _round in range(8):
        resident = make_resident()
        user_id = resident.user.id
        credit(app, set_now, user_id, 10, 1)  # past its date at MAR_1
        credit(app, set_now, user_id, 10, None)
        set_now(MAR_1)

        def act(i: int, who=resident):
            if i == 0:
                return run_expiry(app)
            return redeem(app.test_client(), who, reward_id).status_code

        expired, status = run_together(act, 2)
        (balance,) = read(app, select(User.balance).where(User.id == user_id))[0]
        # Whichever comes first, the 10 points past their date are written off once (by the
        # job, or by the redemption before its hold) and the 10 left cannot pay for it.
        assert (expired, status, balance) in {(0, 409, 10), (1, 409, 10)}, (expired, status)
        outcomes[status] += 1
    with app.app_context():
        assert verify_ledger() == []
    assert sum(outcomes.values()) == 8


def test_a_redemption_after_the_date_cannot_spend_the_points_the_job_has_not_taken_yet(
    app, make_resident, make_shop, make_reward, set_now
):
    shop_id, _ = make_shop()
    reward_id = make_reward(shop_id, points=15)
    resident = make_resident()
    credit(app, set_now, resident.user.id, 10, 1)  # past its date at MAR_1
    credit(app, set_now, resident.user.id, 10, None)
    set_now(MAR_1)
    assert redeem(app.test_client(), resident, reward_id).status_code == 409
    expired = read(
        app,
        select(LedgerEntry.delta).where(
            LedgerEntry.user_id == resident.user.id, LedgerEntry.kind == EntryKind.EXPIRE
        ),
    )
    assert expired == [(-10,)]
    assert run_expiry(app) == 0
