"""The liability report on a small hand-made ledger: points outstanding, points the expiry
rule writes off within 30 days (the same figure the expiry service gives), and per shop and
Bangkok month the points issued and redeemed there."""

import uuid
from datetime import UTC, date, datetime

import pytest

from ecolife.errors import ValidationFailed
from ecolife.extensions import db
from ecolife.models import Campaign, EntryKind, LedgerEntry, ReasonCode, Redemption, User
from ecolife.services import expiry, liability, redemptions
from ecolife.services.accounts import read_access_token
from ecolife.services.ledger import post_entry
from ecolife.services.scope import AdminScope
from tests.factories import bearer

DEC_1 = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # midnight 1 Dec 2026 in Bangkok
FEB_1 = datetime(2027, 1, 31, 17, 0, tzinfo=UTC)
REPORT_AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # the next 30 days end on 20 Dec


def credit(user_id, points, at, *, shop_id=None, expires_at=None, kind=EntryKind.EARN, **extra):
    post_entry(
        user_id,
        points,
        kind=kind,
        now=at,
        reason_code=ReasonCode.CAMPAIGN if kind == EntryKind.BONUS else ReasonCode.ADJUSTMENT,
        shop_id=shop_id,
        expires_at=expires_at,
        **extra,
    )
    db.session.commit()


@pytest.fixture
def world(app, client, set_now, make_resident, make_shop, make_admin, make_reward):
    """Shop A in Mueang Lamphun (5101), shop B in Pa Sang (5104); three residents."""
    shop_a, staff_a = make_shop("ร้านเอ", district="5101")
    shop_b, _ = make_shop("ร้านบี", district="5104")
    r1, r2, r3 = make_resident(), make_resident(), make_resident()
    admin, scoped = make_admin(), make_admin(area="5101")
    reward_a = make_reward(shop_a, points=30)
    with app.app_context():
        campaign = Campaign(
            name_th="สัปดาห์ลดถุง",
            starts_at=datetime(2026, 11, 1, tzinfo=UTC),
            ends_at=datetime(2026, 12, 1, tzinfo=UTC),
            bonus_points=10,
            created_by_id=admin.user.id,
        )
        db.session.add(campaign)
        db.session.commit()
        # r1: 50 at B in October; 100 at A at 01:00 on 1 Nov in Bangkok (still 31 Oct in UTC).
        credit(
            r1.user.id, 50, datetime(2026, 10, 15, 5, tzinfo=UTC), shop_id=shop_b, expires_at=FEB_1
        )
        credit(
            r1.user.id,
            100,
            datetime(2026, 10, 31, 18, tzinfo=UTC),
            shop_id=shop_a,
            expires_at=DEC_1,
        )
        # r2: 20 at B at 23:59 on 31 Oct in Bangkok; a campaign's 10 in November; minus 5.
        credit(
            r2.user.id,
            20,
            datetime(2026, 10, 31, 16, 59, tzinfo=UTC),
            shop_id=shop_b,
            expires_at=DEC_1,
        )
        credit(
            r2.user.id,
            10,
            datetime(2026, 11, 5, tzinfo=UTC),
            shop_id=shop_b,
            expires_at=FEB_1,
            kind=EntryKind.BONUS,
            campaign_id=campaign.id,
        )
        credit(r2.user.id, -5, datetime(2026, 11, 6, tzinfo=UTC), kind=EntryKind.ADJUSTMENT)
        # r3: 10 expiring on 1 Dec and 40 that never expire, both at A.
        credit(r3.user.id, 10, datetime(2026, 11, 2, tzinfo=UTC), shop_id=shop_a, expires_at=DEC_1)
        credit(r3.user.id, 40, datetime(2026, 11, 2, 1, tzinfo=UTC), shop_id=shop_a)
        db.session.remove()
    # Redemptions at A: r1 and r3 each get 30 points' worth in November; r1 also holds one at
    # 23:58 on 30 Nov (Bangkok) and cancels it minutes later, on 1 Dec.
    set_now(datetime(2026, 11, 10, 3, tzinfo=UTC))
    staff_id = staff_a.user.id
    with app.app_context():
        for resident in (r1, r3):
            held = _hold(resident, reward_a)
            redemptions.confirm_redemption(shop_a, staff_id, held)
        set_now(datetime(2026, 11, 30, 16, 58, tzinfo=UTC))
        late = _hold(r1, reward_a)
        set_now(datetime(2026, 11, 30, 17, 2, tzinfo=UTC))
        redemptions.cancel_redemption(r1.user.id, late)
        db.session.remove()
    set_now(REPORT_AT)
    return {
        "a": shop_a,
        "b": shop_b,
        "r1": r1,
        "r2": r2,
        "r3": r3,
        "admin": admin,
        "scoped": scoped,
    }


def _hold(resident, reward_id) -> int:
    claims = read_access_token(resident.access_token)
    result = redemptions.request_redemption(claims, key=uuid.uuid4().hex, reward_id=reward_id)
    return result.redemption.id


def rows(report) -> list[tuple]:
    return [(r.shop_id, r.month.isoformat()[:7], r.issued, r.redeemed) for r in report.by_shop]


def test_outstanding_points_are_every_balance(ctx, world):
    report = liability.liability(date(2026, 10, 1), date(2026, 12, 1))
    assert report.outstanding_points == (150 - 30) + (20 + 10 - 5) + (50 - 30)


def test_expiring_takes_what_each_resident_consumed_from_their_soonest_points(ctx, world):
    report = liability.liability(date(2026, 10, 1), date(2026, 12, 1))
    # r1: 100 due on 1 Dec less the 30 spent; r2: 20 due less the 5 taken; r3: spent 30 of
    # 10 due and 40 undated, so none of theirs is left to expire.
    assert report.expiring_next_30_days == 70 + 15 + 0


def test_the_programme_figure_agrees_with_the_expiry_service_and_its_job(ctx, world):
    moment = REPORT_AT + liability.EXPIRING_WITHIN
    figure = db.session.scalar(liability.expiring_by(moment))
    per_resident = sum(
        item.points
        for who in ("r1", "r2", "r3")
        for item in expiry.expiring(world[who].user.id)
        if item.expires_at <= moment
    )
    assert figure == per_resident == 85
    # The job run at that moment writes off exactly that many points.
    expiry.expire_points(moment)
    written_off = db.session.scalar(
        db.select(db.func.sum(-LedgerEntry.delta)).where(LedgerEntry.kind == EntryKind.EXPIRE)
    )
    assert written_off == figure
    assert db.session.scalar(liability.expiring_by(moment)) == 0


def test_shops_issued_and_redeemed_per_bangkok_month(ctx, world):
    a, b = world["a"], world["b"]
    report = liability.liability(date(2026, 10, 1), date(2026, 12, 1))
    # The hold cancelled on 1 Dec gave nothing: only the two confirmed rewards are redeemed.
    assert sorted(rows(report)) == sorted(
        [
            (b, "2026-10", 50 + 20, 0),
            (a, "2026-11", 100 + 10 + 40, 30 + 30),
            (b, "2026-11", 10, 0),
        ]
    )
    assert (report.issued, report.redeemed) == (230, 60)


def test_the_campaign_bonus_part_of_what_a_shop_issued_is_shown_apart(ctx, world):
    report = liability.liability(date(2026, 10, 1), date(2026, 12, 1))
    bonus = {(r.shop_id, r.month.isoformat()[:7]): r.bonus for r in report.by_shop}
    assert bonus == {
        (world["b"], "2026-10"): 0,
        (world["a"], "2026-11"): 0,
        (world["b"], "2026-11"): 10,
    }
    assert report.bonus == 10


def test_the_api_shows_each_shops_campaign_bonus(client, world):
    response = client.get(
        "/api/v1/admin/reports/liability?from=2026-11&to=2026-11", headers=bearer(world["admin"])
    )
    body = response.get_json()
    assert {row["shop"]["id"]: row["bonus"] for row in body["by_shop"]} == {
        world["a"]: 0,
        world["b"]: 10,
    }
    assert body["bonus"] == 10


def test_a_reward_counts_when_handed_over_and_a_pending_hold_not_at_all(
    app, ctx, world, set_now
):
    a, r1 = world["a"], world["r1"]
    reward = db.session.scalar(db.select(Redemption.reward_id).limit(1))
    set_now(datetime(2026, 11, 30, 16, 55, tzinfo=UTC))  # 23:55 on 30 Nov in Bangkok
    with app.app_context():
        handed_over = _hold(r1, reward)
        _hold(r1, reward)  # still pending when the report is read
        set_now(datetime(2026, 11, 30, 17, 1, tzinfo=UTC))  # 00:01 on 1 Dec in Bangkok
        staff = db.session.scalar(db.select(User.id).where(User.shop_id == a))
        redemptions.confirm_redemption(a, staff, handed_over)
        db.session.remove()
    report = liability.liability(date(2026, 11, 1), date(2026, 12, 1))
    assert (a, "2026-11", 150, 60) in rows(report)
    assert (a, "2026-12", 0, 30) in rows(report)


def test_the_month_range_keeps_to_its_months(ctx, world):
    report = liability.liability(date(2026, 11, 1), date(2026, 11, 1))
    assert {r.month.isoformat()[:7] for r in report.by_shop} == {"2026-11"}


def test_a_scoped_admin_sees_their_areas_shops_without_programme_totals(ctx, world):
    report = liability.liability(date(2026, 10, 1), date(2026, 12, 1), scope=AdminScope("5104"))
    assert (report.outstanding_points, report.expiring_next_30_days) == (None, None)
    assert {r.shop_id for r in report.by_shop} == {world["b"]}


def test_the_default_range_is_the_last_twelve_months(ctx, set_now):
    set_now(datetime(2026, 11, 30, 18, tzinfo=UTC))  # already 1 Dec in Bangkok
    report = liability.liability()
    assert (report.from_, report.to) == (date(2026, 1, 1), date(2026, 12, 1))


@pytest.mark.parametrize(
    "first, last", [(date(2026, 11, 1), date(2026, 10, 1)), (date(2023, 1, 1), date(2026, 1, 1))]
)
def test_a_backwards_or_too_long_range_is_refused(ctx, first, last):
    with pytest.raises(ValidationFailed):
        liability.liability(first, last)


def test_the_api_answers_the_report(client, world):
    response = client.get(
        "/api/v1/admin/reports/liability?from=2026-10&to=2026-12", headers=bearer(world["admin"])
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-10", "2026-12")
    assert (body["outstanding_points"], body["expiring_next_30_days"]) == (165, 85)
    assert body["by_shop"][0] == {
        "shop": {
            "id": world["b"],
            "name": body["by_shop"][0]["shop"]["name"],
            "name_en": body["by_shop"][0]["shop"]["name_en"],
        },
        "month": "2026-10",
        "issued": 70,
        "bonus": 0,
        "redeemed": 0,
    }
    assert body["by_shop"][0]["shop"]["name"].startswith("ร้านบี")


def test_the_api_refuses_a_backwards_range(client, make_admin):
    response = client.get(
        "/api/v1/admin/reports/liability?from=2026-11&to=2026-10", headers=bearer(make_admin())
    )
    assert response.status_code == 422 and "to" in response.get_json()["errors"]


def test_a_scoped_admin_gets_no_programme_totals_from_the_api(client, world):
    scoped = world["scoped"]
    body = client.get(
        "/api/v1/admin/reports/liability?from=2026-10&to=2026-12", headers=bearer(scoped)
    ).get_json()
    assert (body["outstanding_points"], body["expiring_next_30_days"]) == (None, None)
    assert {row["shop"]["id"] for row in body["by_shop"]} == {world["a"]}
