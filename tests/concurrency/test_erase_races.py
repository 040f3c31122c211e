"""Erasing an account (PDPA) while the same resident redeems, or erases from two phones."""

from collections import Counter

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.models import Redemption, User
from tests.concurrency.test_concurrent_writes import run_together
from tests.concurrency.test_scan_races import assert_ledger_verifies
from tests.factories import PASSWORD, bearer, redeem

THREADS = 12


def erase(app, resident) -> int:
    return (
        app.test_client()
        .delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(resident))
        .status_code
    )


def test_erasing_from_two_phones_at_once_erases_once(app, make_resident):
    resident = make_resident(display_name="สมใจ สองเครื่อง")
    outcomes = run_together(lambda _i: erase(app, resident), 2)
    assert set(outcomes) <= {204, 401} and 204 in outcomes
    with app.app_context():
        user = db.session.get(User, resident.user.id)
        assert user.erased_at is not None and user.phone is None
        assert user.display_name.startswith("ผู้ใช้ที่ลบบัญชี")
        db.session.remove()


def test_no_reward_stays_held_for_an_account_erased_while_it_redeems(
    app, make_resident, make_shop, make_reward, give_points
):
    """Redemptions waiting on the erasure's row lock find the account gone: none is left
    pending on the erased account (nobody could show its code)."""
    resident = make_resident()
    give_points(resident.user.id, 1000)
    shop_id, _staff = make_shop()
    reward_id = make_reward(shop_id, points=10)

    def act(i: int) -> int:
        if i == THREADS // 2:
            return ("erase", erase(app, resident))
        return ("redeem", redeem(app.test_client(), resident, reward_id).status_code)

    outcomes = Counter(run_together(act, THREADS + 1))
    assert outcomes[("erase", 204)] == 1
    assert {code for kind, code in outcomes if kind == "redeem"} <= {201, 401}
    with app.app_context():
        statuses = db.session.scalars(
            select(Redemption.status).where(Redemption.user_id == resident.user.id)
        ).all()
        db.session.remove()
    assert "pending" not in statuses
    assert_ledger_verifies(app)
