"""A campaign's budget under 32 residents scanning at once through the real API: every scan
is credited, the bonus points given add up to what the campaign counted, never past it."""

import os
import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import Campaign, LedgerEntry, Scan, User
from ecolife.services import campaigns
from tests.concurrency.test_concurrent_writes import run_together
from tests.concurrency.test_scan_races import assert_ledger_verifies, no_caps, post_scan

__all__ = ["no_caps"]  # the fixture, used by name

REQUESTS = 32
ROUNDS = int(os.environ.get("ECOLIFE_RACE_ROUNDS", "50")) // 10 or 1
# Each scan would get 5 (double the bag's 5 points): 160 for all, more than the budget.
BUDGET = 77


def start_campaign(app, admin_id: int) -> int:
    with app.test_request_context():
        now = clock.now()
        window = {"starts_at": now - timedelta(minutes=1), "ends_at": now + timedelta(hours=1)}
        data = {"name_th": "แข่งกันสแกน", "multiplier": 2, "budget_points": BUDGET, **window}
        campaign_id = campaigns.create_campaign(data, actor_id=admin_id).id
        db.session.remove()
        return campaign_id


def granted(app, campaign_id: int) -> tuple[int, int, int]:
    """The campaign's count, the sum of its bonus entries, and how many there are."""
    with app.app_context():
        counted = db.session.get(Campaign, campaign_id).bonus_granted
        entries = select(func.coalesce(func.sum(LedgerEntry.delta), 0), func.count())
        total, count = db.session.execute(
            entries.where(LedgerEntry.campaign_id == campaign_id)
        ).one()
        db.session.remove()
        return counted, total, count


def test_the_budget_is_never_passed_by_scans_at_once(
    app, no_caps, make_admin, make_resident, make_shop, shop_token
):
    residents = [make_resident() for _ in range(REQUESTS)]
    token = shop_token(make_shop()[0])
    admin_id = make_admin().user.id
    for round_ in range(1, ROUNDS + 1):
        campaign_id = start_campaign(app, admin_id)
        statuses = run_together(
            lambda i: post_scan(app, residents[i], token, uuid.uuid4().hex), REQUESTS
        )
        assert Counter(statuses) == {201: REQUESTS}, f"round {round_}"
        counted, total, count = granted(app, campaign_id)
        assert counted == total == BUDGET, f"round {round_}"
        # 15 full bonuses of 5 and one of the 2 left; the others are credited without one.
        assert count == BUDGET // 5 + 1, f"round {round_}"
        with app.test_request_context():
            campaigns.end_campaign(campaign_id)
            db.session.remove()
    with app.app_context():
        scans = db.session.scalar(select(func.count(Scan.id)))
        balances = db.session.scalar(select(func.sum(User.balance)))
        db.session.remove()
    assert scans == REQUESTS * ROUNDS
    assert balances == (5 * REQUESTS + BUDGET) * ROUNDS
    assert_ledger_verifies(app)
