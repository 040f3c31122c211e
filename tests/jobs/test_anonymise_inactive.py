"""The daily task that erases residents idle for ANONYMISE_INACTIVE_AFTER_YEARS (PDPA), run by
the real worker, and its command."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.jobs import UPKEEP_QUEUE, defer
from ecolife.models import User
from ecolife.services import accounts
from ecolife.services.ledger import verify_ledger
from ecolife.services.personal_data import erase_inactive, years_before
from tests.factories import PASSWORD, redeem, scan

YEAR = timedelta(days=365)


def erased_names(app) -> dict[int, bool]:
    with app.app_context():
        rows = db.session.execute(select(User.id, User.erased_at)).all()
        db.session.remove()
        return {user_id: erased_at is not None for user_id, erased_at in rows}


def test_the_worker_erases_residents_idle_for_the_set_years_and_no_one_else(
    app,
    client,
    make_resident,
    make_shop,
    make_admin,
    make_reward,
    give_points,
    shop_token,
    set_now,
    run_jobs,
    caplog,
):
    start = datetime.now(UTC)
    shop_id, staff = make_shop()
    admin = make_admin()
    idle = make_resident()
    scanner, signer, redeemer = make_resident(), make_resident(), make_resident()
    give_points(redeemer.user.id, 50)
    reward_id = make_reward(shop_id, points=10)
    # Within the last three years (the default) of the day the task runs, 4 years on:
    set_now(start + 3 * YEAR)
    assert scan(client, scanner, shop_token(shop_id), action="bag").status_code == 201
    set_now(start + 2 * YEAR)
    with app.test_request_context():
        accounts.log_in(signer.user.phone, PASSWORD)  # a sign-in; its session is pruned later
        db.session.remove()
    assert redeem(client, redeemer, reward_id).status_code == 201

    set_now(start + 4 * YEAR)
    with app.app_context():
        defer("ecolife.erase_inactive", UPKEEP_QUEUE, timestamp=0)
        db.session.commit()
    with caplog.at_level(logging.INFO, logger="ecolife.jobs"):
        run_jobs(queues=["upkeep"])

    erased = erased_names(app)
    assert erased[idle.user.id]
    for kept in (scanner, signer, redeemer, staff, admin):
        assert not erased[kept.user.id]
    assert [r.erased_inactive for r in caplog.records if hasattr(r, "erased_inactive")] == [1]
    with app.app_context():
        assert db.session.get(User, idle.user.id).phone is None
        # The redeemer's hold expired long ago; the erasure of others refunded nothing wrong.
        assert verify_ledger() == []


def test_zero_years_erases_no_one(app, make_resident, set_now, monkeypatch):
    resident = make_resident()
    set_now(datetime.now(UTC) + 10 * YEAR)
    monkeypatch.setitem(app.config, "ANONYMISE_INACTIVE_AFTER_YEARS", 0)
    with app.app_context():
        assert erase_inactive() == 0
    assert not erased_names(app)[resident.user.id]


def test_an_erased_account_is_not_erased_again_and_the_command_says_how_many(
    app, make_resident, set_now
):
    make_resident(), make_resident()
    set_now(datetime.now(UTC) + 5 * YEAR)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["erase-inactive"])
    assert first.exit_code == 0 and "Erased 2 residents idle for 3 years" in first.output
    second = runner.invoke(args=["erase-inactive"])
    assert "Erased 0 residents" in second.output


def test_a_year_back_from_29_february_is_28_february():
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert years_before(leap, 3) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert years_before(leap, 4) == datetime(2024, 2, 29, 12, tzinfo=UTC)
