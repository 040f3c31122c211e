"""Redemptions racing on PostgreSQL through real threads: no overspending, no double resolve."""

import os
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import LedgerEntry, Redemption, Reward, User
from ecolife.services.ledger import verify_ledger
from ecolife.services.redemptions import cancel_redemption, confirm_redemption, expire_overdue
from tests.concurrency.test_concurrent_writes import run_together
from tests.factories import redeem

REQUESTS = 32
ROUNDS = int(os.environ.get("ECOLIFE_RACE_ROUNDS", "50"))


def scalar(app, stmt):
    with app.app_context():
        value = db.session.scalar(stmt)
        db.session.remove()
        return value


def test_a_balance_for_k_rewards_gets_exactly_k(
    app, make_resident, make_shop, make_reward, give_points
):
    shop_id, _ = make_shop()
    reward_id = make_reward(shop_id, points=10)
    for round_ in range(1, 6):
        k = round_ + 1
        resident = make_resident()
        give_points(resident.user.id, 10 * k + 5)
        statuses = run_together(
            lambda _i, r=resident: redeem(app.test_client(), r, reward_id).status_code, REQUESTS
        )
        assert Counter(statuses) == {201: k, 409: REQUESTS - k}, f"round {round_}"
        assert scalar(app, select(User.balance).where(User.id == resident.user.id)) == 5


def test_a_stock_of_s_serves_exactly_s_residents(
    app, make_resident, make_shop, make_reward, give_points
):
    residents = [make_resident() for _ in range(REQUESTS)]
    for resident in residents:
        give_points(resident.user.id, 1000)
    shop_id, _ = make_shop()
    for round_ in range(1, 6):
        s = 3 * round_
        reward_id = make_reward(shop_id, points=10, stock=s)
        statuses = run_together(
            lambda i, r=reward_id: redeem(app.test_client(), residents[i], r).status_code,
            REQUESTS,
        )
        assert Counter(statuses) == {201: s, 409: REQUESTS - s}, f"round {round_}"
        assert scalar(app, select(Reward.stock).where(Reward.id == reward_id)) == 0


def test_confirm_cancel_and_expiry_at_once_resolve_exactly_once(
    app, monkeypatch, make_resident, make_shop, make_reward, give_points
):
    resident = make_resident()
    give_points(resident.user.id, 10)
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=10, stock=1)
    client = app.test_client()
    for round_ in range(1, ROUNDS + 1):
        redemption_id = redeem(client, resident, reward_id).get_json()["redemption"]["id"]
        # Move the clock to the expiry moment's edge so that all three can run at once.
        expires_at = scalar(
            app, select(Redemption.expires_at).where(Redemption.id == redemption_id)
        )
        moment = expires_at - timedelta(microseconds=1) if round_ % 2 else expires_at
        monkeypatch.setattr(clock, "now", lambda m=moment: m)

        def contend(i: int, redemption_id: int = redemption_id) -> str:
            with app.app_context():
                try:
                    if i == 0:
                        confirm_redemption(shop_id, staff.user.id, redemption_id)
                        return "confirmed"
                    if i == 1:
                        cancel_redemption(resident.user.id, redemption_id)
                        return "cancelled"
                    return "expired" if expire_overdue() else "none"
                except Exception as exc:  # noqa: BLE001 - the losers' refusals are expected
                    return type(exc).__name__
                finally:
                    db.session.remove()

        outcome = run_together(contend, 3)
        status = scalar(app, select(Redemption.status).where(Redemption.id == redemption_id))
        # A loser that finds it overdue may expire it on the way (lazy expiry); either way
        # it leaves pending once, and at most one caller reports a win.
        assert status != "pending", f"round {round_}: {outcome}"
        winners = [o for o in outcome if o in ("confirmed", "cancelled", "expired")]
        assert winners in ([], [status]), f"round {round_}: {outcome}"
        assert winners or status == "expired", f"round {round_}: {outcome}"
        refunds = scalar(
            app,
            select(func.count(LedgerEntry.id)).where(
                LedgerEntry.redemption_id == redemption_id, LedgerEntry.kind == "refund"
            ),
        )
        assert refunds == (0 if status == "confirmed" else 1), f"round {round_}: {outcome}"
        monkeypatch.undo()
        if status == "confirmed":
            give_points(resident.user.id, 10)
            with app.app_context():
                from ecolife.services import rewards

                rewards.update_reward(reward_id, {"stock": 1})
    with app.app_context():
        assert verify_ledger() == []
