"""Points expiry through the services: which points expire when, the job, the reminder."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text

from ecolife.extensions import db
from ecolife.ledger_text import describe
from ecolife.models import EntryKind, LedgerEntry, Notification, ReasonCode, User
from ecolife.rules import BANGKOK
from ecolife.services import expiry, ledger, personal_data, settings
from ecolife.services.expiry import Expiring
from tests.factories import bearer, redeem

# 10 Jan 2027 in Bangkok: with 1 month, points credited now expire as 1 Mar 2027 begins.
JAN = datetime(2027, 1, 10, 5, tzinfo=UTC)
MAR_1 = datetime(2027, 3, 1, tzinfo=BANGKOK)
APR_1 = datetime(2027, 4, 1, tzinfo=BANGKOK)


@pytest.fixture
def resident(make_resident):
    return make_resident().user.id


@pytest.fixture
def credit(ctx, set_now):
    """Return a callable crediting points at a moment, expiring after `months` (None: never)."""

    def give(user_id: int, points: int, *, at: datetime, months: int | None) -> None:
        settings.update_limits({"points_expire_after_months": months})
        set_now(at)
        ledger.adjust_balance(user_id, points, reason="credit", actor_id=None)

    return give


def spend(user_id: int, points: int, at: datetime) -> None:
    ledger.post_entry(user_id, -points, kind=EntryKind.REDEEM, now=at)
    db.session.commit()


def balance(user_id: int) -> int:
    db.session.expire_all()
    return db.session.get(User, user_id).balance


def expire_entries(user_id: int) -> list[LedgerEntry]:
    return db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.user_id == user_id, LedgerEntry.kind == EntryKind.EXPIRE
        )
    ).all()


def test_points_without_an_expiry_setting_never_expire(resident, credit):
    credit(resident, 50, at=JAN, months=None)
    assert expiry.expiring(resident) == []
    assert expiry.expire_points(JAN + timedelta(days=3650)) == 0
    assert balance(resident) == 50


def test_points_of_one_month_expire_together_at_the_end_of_the_month_n_months_later(
    resident, credit
):
    credit(resident, 10, at=JAN, months=1)
    credit(resident, 5, at=JAN + timedelta(days=15), months=1)
    assert expiry.expiring(resident) == [Expiring(15, MAR_1)]


def test_points_are_listed_by_date_soonest_first_and_undated_ones_are_not_listed(resident, credit):
    credit(resident, 7, at=JAN, months=2)
    credit(resident, 10, at=JAN, months=1)
    credit(resident, 3, at=JAN, months=None)
    assert expiry.expiring(resident) == [Expiring(10, MAR_1), Expiring(7, APR_1)]


def test_spending_takes_the_points_that_expire_soonest(resident, credit):
    credit(resident, 10, at=JAN, months=2)
    credit(resident, 10, at=JAN, months=1)
    credit(resident, 10, at=JAN, months=None)
    spend(resident, 14, JAN)
    assert expiry.expiring(resident) == [Expiring(6, APR_1)]


def test_the_job_expires_the_unspent_points_past_their_date_in_one_entry(resident, credit):
    credit(resident, 10, at=JAN, months=1)
    credit(resident, 8, at=JAN, months=2)
    spend(resident, 4, JAN)
    assert expiry.expire_points(MAR_1 - timedelta(seconds=1)) == 0
    assert expiry.expire_points(MAR_1) == 1
    (entry,) = expire_entries(resident)
    assert (entry.delta, entry.reason_code) == (-6, ReasonCode.POINTS_EXPIRED)
    assert entry.reason_params == {"before": "2027-03-01"}
    assert balance(resident) == 8
    assert expiry.expiring(resident) == [Expiring(8, APR_1)]


def test_a_second_run_writes_nothing(resident, credit):
    credit(resident, 10, at=JAN, months=1)
    assert expiry.expire_points(MAR_1) == 1
    assert expiry.expire_points(MAR_1 + timedelta(days=40)) == 0
    assert len(expire_entries(resident)) == 1


def test_points_spent_before_their_date_never_expire(resident, credit):
    credit(resident, 10, at=JAN, months=1)
    spend(resident, 10, JAN)
    assert expiry.expire_points(APR_1) == 0
    assert expire_entries(resident) == []


def test_past_points_the_job_has_not_taken_yet_are_listed_with_their_date(resident, credit):
    credit(resident, 10, at=JAN, months=1)
    assert expiry.expiring(resident) == [Expiring(10, MAR_1)]
    assert balance(resident) == 10  # until the job runs they still count


def test_a_refund_after_the_date_gives_the_points_back_and_the_next_run_expires_them(
    resident, credit
):
    credit(resident, 10, at=JAN, months=1)
    spend(resident, 10, JAN)
    assert expiry.expire_points(MAR_1) == 0
    ledger.post_entry(resident, 10, kind=EntryKind.REFUND, now=MAR_1)
    db.session.commit()
    assert expiry.expiring(resident) == [Expiring(10, MAR_1)]
    assert expiry.expire_points(MAR_1 + timedelta(minutes=15)) == 1
    assert balance(resident) == 0


def test_only_residents_with_due_points_are_expired_across_batches(
    make_resident, credit, monkeypatch
):
    monkeypatch.setattr(expiry, "BATCH", 2)
    due = [make_resident().user.id for _ in range(5)]
    spared = make_resident().user.id
    for user_id in due:
        credit(user_id, 3, at=JAN, months=1)
    credit(spared, 3, at=JAN, months=3)
    assert expiry.expire_points(MAR_1) == 5
    assert [balance(user_id) for user_id in due] == [0] * 5
    assert balance(spared) == 3


def test_the_expire_entry_reads_with_the_last_day_the_points_could_be_used(resident, credit):
    credit(resident, 10, at=JAN, months=1)
    expiry.expire_points(MAR_1)
    (entry,) = expire_entries(resident)
    assert describe(entry, "th") == "แต้มที่ไม่ได้ใช้ภายในวันที่ 28 ก.พ. 2570"
    assert describe(entry, "en") == "Points not used by 28 Feb 2027"


def inbox(user_id: int) -> list[tuple[str, dict, str]]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user_id))
    return [(n.kind, n.params, n.dedupe_key) for n in rows]


def test_residents_are_told_once_of_points_expiring_within_14_days(make_resident, credit):
    soon, later = make_resident().user.id, make_resident().user.id
    credit(soon, 10, at=JAN, months=1)
    credit(later, 10, at=JAN, months=2)
    spend(soon, 4, JAN)
    day = MAR_1 - timedelta(days=14)
    assert expiry.notify_expiring(day - timedelta(seconds=1)) == 0
    assert expiry.notify_expiring(day) == 1
    assert expiry.notify_expiring(day + timedelta(days=1)) == 0
    expected = {"points": 6, "expires_at": MAR_1.astimezone(UTC).isoformat()}
    assert inbox(soon) == [("points_expiring", expected, "2027-03-01")]
    assert inbox(later) == []


def test_residents_who_spent_their_expiring_points_are_not_told(resident, credit):
    credit(resident, 10, at=JAN, months=1)
    credit(resident, 10, at=JAN, months=2)
    spend(resident, 10, JAN)
    assert expiry.notify_expiring(MAR_1 - timedelta(days=3)) == 0
    assert inbox(resident) == []


def test_the_expiry_command_expires_and_says_how_many(app, runner, resident, credit, set_now):
    credit(resident, 10, at=JAN, months=1)
    db.session.remove()
    set_now(MAR_1 + timedelta(hours=1))
    result = runner.invoke(args=["expire-points"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert balance(resident) == 0


def test_the_worker_runs_the_expiry_and_the_reminder_tasks(
    app, resident, credit, set_now, run_jobs
):
    from ecolife.jobs import UPKEEP_QUEUE, defer

    credit(resident, 10, at=JAN, months=1)
    credit(resident, 4, at=JAN, months=2)
    set_now(MAR_1 + timedelta(days=20))  # the 10 are past; the 4 expire within 14 days
    defer("ecolife.expire_points_sweep", UPKEEP_QUEUE, timestamp=0)
    defer("ecolife.notify_expiring", UPKEEP_QUEUE, timestamp=0)
    db.session.commit()
    db.session.remove()
    run_jobs(queues=["upkeep"])
    assert balance(resident) == 4
    assert [(kind, params["points"]) for kind, params, _ in inbox(resident)] == [
        ("points_expiring", 4)
    ]


def test_the_frequent_run_expires_points_that_reached_their_date_in_the_last_two_days(
    resident, credit
):
    credit(resident, 10, at=JAN, months=1)
    assert expiry.expire_recent(MAR_1 - timedelta(seconds=1)) == 0
    assert expiry.expire_recent(MAR_1 + timedelta(days=1)) == 1
    assert balance(resident) == 0


def test_the_frequent_run_leaves_points_past_for_longer_to_the_nightly_sweep(resident, credit):
    credit(resident, 10, at=JAN, months=1)
    later = MAR_1 + timedelta(days=3)
    assert expiry.expire_recent(later) == 0
    assert balance(resident) == 10
    assert expiry.expire_points(later) == 1
    assert balance(resident) == 0


def test_the_frequent_run_expires_past_points_a_cancelled_redemption_gives_back(
    app, client, make_resident, make_shop, make_reward, credit, set_now
):
    signed_in = make_resident()
    resident = signed_in.user.id
    shop_id, _staff = make_shop()
    reward_id = make_reward(shop_id, points=10)
    credit(resident, 10, at=JAN, months=1)
    settings.update_limits({"redemption_ttl_seconds": 7 * 24 * 3600})  # held for a week
    db.session.remove()
    set_now(MAR_1 - timedelta(hours=1))
    held = redeem(client, signed_in, reward_id)
    assert held.status_code == 201, held.get_json()
    cancel_at = MAR_1 + timedelta(days=5)  # the points' date is long past
    set_now(cancel_at)
    redemption_id = held.get_json()["redemption"]["id"]
    url = f"/api/v1/redemptions/{redemption_id}/cancel"
    assert client.post(url, headers=bearer(signed_in)).status_code == 200
    assert balance(resident) == 10
    assert expiry.expire_recent(cancel_at + timedelta(minutes=15)) == 1
    assert balance(resident) == 0


def test_erased_accounts_are_not_told_of_expiring_points(resident, credit, set_now):
    credit(resident, 10, at=JAN, months=1)
    day = MAR_1 - timedelta(days=10)
    personal_data.erase_resident(resident, day, actor_id=None)
    db.session.commit()
    assert expiry.notify_expiring(day) == 0
    assert inbox(resident) == []


def test_the_expiry_lock_does_not_wait_for_a_notification_being_written_to_the_resident(
    resident, credit
):
    credit(resident, 10, at=JAN, months=1)
    db.session.remove()
    with db.engine.connect() as other:
        # An open transaction inserting a row that refers to the resident holds a key-share
        # lock on their row until it ends.
        other.execute(insert(Notification).values(user_id=resident, kind="points_expiring"))
        db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        assert expiry.expire_due(resident, MAR_1)
        db.session.commit()
        other.rollback()
    assert balance(resident) == 0
