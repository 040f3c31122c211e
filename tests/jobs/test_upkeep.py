"""The periodic upkeep: what the daily prune deletes and keeps, and the minute's expiry run
as procrastinate periodic tasks by the worker."""

from datetime import timedelta

from sqlalchemy import func, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.jobs import UPKEEP_QUEUE, defer, queue
from ecolife.models import (
    AuthSession,
    EarningCode,
    IdempotencyKey,
    Invite,
    Job,
    JobFile,
    Redemption,
    RefreshToken,
)
from ecolife.orm import utcnow
from ecolife.services import accounts, jobs, shops
from ecolife.services.upkeep import prune
from tests.factories import PASSWORD, redeem, scan


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_daily_prune_deletes_what_has_run_out_and_keeps_the_rest(
    app, client, make_shop, make_resident, make_code, make_admin, run_jobs, set_now
):
    _shop_id, staff = make_shop()  # its owner's invite is used
    resident = make_resident()  # a live session
    _code_id, token = make_code(staff)
    assert scan(client, resident, token).status_code == 201  # a used code and a key
    make_code(staff)  # an unused code, soon expired
    with app.test_request_context():
        gone = accounts.log_in(resident.user.phone, PASSWORD)
        accounts.log_out(gone.session_id)  # an ended session with its refresh token
    admin = make_admin()
    with app.test_request_context():
        jobs.queue_posters_zip(admin.user)
    run_jobs()  # a finished job with its file

    with app.test_request_context():
        shops.create_shop(
            {"name": "ร้านรอเจ้าของ", "tambon_code": "510401"},
            {"display_name": "ยังไม่ตอบ", "email": "later@ecolife.test"},
        )  # a pending invite, valid 7 days
        db.session.add(
            IdempotencyKey(
                user_id=resident.user.id, key="k" * 20, fingerprint="f" * 64,
                created_at=utcnow() + timedelta(days=7),
            )
        )  # a key that will be a day old
        db.session.commit()
        sessions_before = count(AuthSession)

        set_now(utcnow() + timedelta(days=1))
        first = prune()
        assert first["invites"] == 1  # the used one; the pending one waits
        assert first["sessions"] == 1 and first["refresh_tokens"] == 1
        assert first["counter_codes"] == 0  # expired minutes ago: a day's grace
        assert first["idempotency_keys"] == 0 and first["jobs"] == 0
        assert count(AuthSession) == sessions_before - 1

        set_now(utcnow() + timedelta(days=8))
        second = prune()
        assert second["idempotency_keys"] == 1  # the scan's; the young one stays
        assert second["invites"] == 1  # the pending one has expired now
        assert second["jobs"] == 1
        assert second["counter_codes"] == 1  # never used, long expired
        assert count(EarningCode) == 1  # the used one stays: its scan refers to it
        assert count(IdempotencyKey) == 1 and count(Invite) == 0
        assert count(Job) == 0 and count(JobFile) == 0
        # The resident's live session and its refresh token are untouched.
        assert db.session.get(AuthSession, resident.session_id).revoked_at is None
        live_tokens = select(func.count()).where(RefreshToken.session_id == resident.session_id)
        assert db.session.scalar(live_tokens) == 1


def test_the_worker_schedules_the_upkeep():
    crons = {
        task.task.name: task.cron for task in queue.periodic_registry.periodic_tasks.values()
    }
    assert crons == {
        "ecolife.expire_redemptions": "* * * * *",
        "ecolife.prune": "17 20 * * *",
        "ecolife.refresh_public_figures": "7 17 * * *",
        "ecolife.retry_stalled_jobs": "*/5 * * * *",
        "ecolife.erase_inactive": "37 20 * * *",
        "ecolife.sweep_outbox": "*/3 * * * *",
        "ecolife.expire_points": "*/15 * * * *",
        "ecolife.expire_points_sweep": "47 19 * * *",
        "ecolife.notify_expiring": "0 2 * * *",
        "ecolife.announce_campaigns": "*/5 * * * *",
    }


def test_the_expiry_task_refunds_overdue_holds_when_the_worker_runs_it(
    app, client, make_shop, make_resident, make_reward, give_points, run_jobs
):
    shop_id, _staff = make_shop()
    resident = make_resident()
    give_points(resident.user.id, 50)
    reward_id = make_reward(shop_id, points=20)
    assert redeem(client, resident, reward_id).status_code == 201
    with app.app_context():
        db.session.execute(
            Redemption.__table__.update().values(expires_at=clock.now() - timedelta(minutes=1))
        )
        db.session.commit()
        defer("ecolife.expire_redemptions", UPKEEP_QUEUE, timestamp=0)
        db.session.commit()
    run_jobs(queues=["upkeep"])
    with app.app_context():
        assert db.session.scalar(select(Redemption.status)) == "expired"
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {resident.access_token}"})
        assert me.get_json()["balance"] == 50
