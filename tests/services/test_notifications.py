"""The inbox service: putting notifications in (once per event), reading, marking read, and
the texts each kind reads as in Thai and English."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, text

from ecolife.extensions import db
from ecolife.models import Campaign, Notification, NotificationKind, Role, User
from ecolife.models.delivery import ChannelPreference, DeliveryChannel
from ecolife.services import notifications
from ecolife.services.notifications import last_valid_day, render

EXPIRING = NotificationKind.POINTS_EXPIRING


def kinds(user_id: int) -> list[str]:
    return [n.kind for n in notifications.inbox(user_id, limit=100, cursor=None).items]


def test_notify_puts_one_notification_in_the_users_inbox(ctx, make_resident):
    resident = make_resident()
    new_id = notifications.notify(resident.user.id, EXPIRING, {"points": 5}, dedupe_key="d1")
    db.session.commit()
    assert new_id is not None
    assert kinds(resident.user.id) == ["points_expiring"]
    assert notifications.unread_count(resident.user.id) == 1


def test_the_same_event_is_told_once(ctx, make_resident):
    resident = make_resident()
    first = notifications.notify(resident.user.id, EXPIRING, {"points": 5}, dedupe_key="2027-01")
    again = notifications.notify(resident.user.id, EXPIRING, {"points": 5}, dedupe_key="2027-01")
    other = notifications.notify(resident.user.id, EXPIRING, {"points": 7}, dedupe_key="2027-02")
    db.session.commit()
    assert first is not None and again is None and other is not None
    assert len(kinds(resident.user.id)) == 2


def test_notifications_without_a_dedupe_key_are_all_new(ctx, make_resident):
    resident = make_resident()
    for _ in range(2):
        notifications.notify(resident.user.id, "account_suspended", {"reason": "x"})
    db.session.commit()
    assert kinds(resident.user.id) == ["account_suspended", "account_suspended"]


def test_notify_many_tells_every_selected_user_once(ctx, make_resident):
    told_before, fresh = make_resident(), make_resident()
    notifications.notify(
        told_before.user.id, "campaign_started", {"campaign_id": 1}, dedupe_key="1"
    )
    residents = select(User.id).where(User.role == Role.RESIDENT)
    new_ids = notifications.notify_many(
        residents, "campaign_started", {"campaign_id": 1}, dedupe_key="1"
    )
    db.session.commit()
    assert len(new_ids) == 1
    assert db.session.get(Notification, new_ids[0]).user_id == fresh.user.id
    assert kinds(told_before.user.id) == kinds(fresh.user.id) == ["campaign_started"]


def test_the_inbox_is_newest_first_a_page_at_a_time(ctx, make_resident):
    resident = make_resident()
    ids = [
        notifications.notify(resident.user.id, EXPIRING, {"points": n}, dedupe_key=str(n))
        for n in range(3)
    ]
    db.session.commit()
    first = notifications.inbox(resident.user.id, limit=2, cursor=None)
    second = notifications.inbox(resident.user.id, limit=2, cursor=first.next_cursor)
    assert [n.id for n in first.items] == [ids[2], ids[1]]
    assert [n.id for n in second.items] == [ids[0]] and second.next_cursor is None
    assert first.unread == second.unread == 3


def test_marking_read_touches_only_the_users_own_notifications(ctx, make_resident):
    mine, theirs = make_resident(), make_resident()
    my_id = notifications.notify(mine.user.id, EXPIRING, {"points": 1}, dedupe_key="a")
    their_id = notifications.notify(theirs.user.id, EXPIRING, {"points": 1}, dedupe_key="a")
    db.session.commit()
    assert notifications.mark_read(mine.user.id, [my_id, their_id, 999_999]) == 0
    assert db.session.get(Notification, my_id).read_at is not None
    assert db.session.get(Notification, their_id).read_at is None
    assert notifications.unread_count(theirs.user.id) == 1


def test_marking_all_read_leaves_none_unread(ctx, make_resident):
    resident = make_resident()
    for n in range(3):
        notifications.notify(resident.user.id, EXPIRING, {"points": n}, dedupe_key=str(n))
    db.session.commit()
    assert notifications.mark_read(resident.user.id, everything=True) == 0


def test_a_redemption_confirmed_reads_with_the_reward_shop_and_points(ctx):
    params = {"reward": "ถุงผ้า", "reward_en": "Tote bag", "shop": "ร้านป้าแดง", "points": 20}
    assert render("redemption_confirmed", params, "th") == (
        "แลกของรางวัลสำเร็จ",
        "ถุงผ้า ที่ ร้านป้าแดง · ใช้ 20 แต้ม",
    )
    # No English shop name: the Thai one is shown.
    assert render("redemption_confirmed", params, "en") == (
        "Reward redeemed",
        "Tote bag at ร้านป้าแดง · 20 points used",
    )


def test_points_expiring_shows_the_last_day_in_the_buddhist_era_in_thai(ctx):
    # Points that expire at the first moment of February (Bangkok) count until 31 January.
    params = {"points": 30, "expires_at": "2027-01-31T17:00:00+00:00"}
    assert render("points_expiring", params, "th") == (
        "แต้มใกล้หมดอายุ",
        "30 แต้มจะหมดอายุวันที่ 31 ม.ค. 2570",
    )
    assert render("points_expiring", params, "en")[1] == "30 points will expire on 31 Jan 2027"


def test_the_last_valid_day_of_an_instant_is_the_bangkok_day_before_it():
    assert str(last_valid_day("2027-01-31T17:00:00+00:00")) == "2027-01-31"
    assert str(last_valid_day(datetime(2027, 2, 1, 0, 0, tzinfo=UTC))) == "2027-02-01"
    assert str(last_valid_day("2027-01-31")) == "2027-01-31"


def test_account_suspended_gives_the_admins_reason(ctx):
    title, body = render("account_suspended", {"reason": "สแกนซ้ำผิดปกติ"}, "th")
    assert title == "บัญชีถูกระงับ"
    assert "สแกนซ้ำผิดปกติ" in body


def test_campaign_started_names_the_campaign_and_what_it_gives(ctx, make_admin):
    admin = make_admin()
    campaign = Campaign(
        name_th="สัปดาห์ลดถุง",
        name_en="Bag-free week",
        starts_at=datetime(2026, 12, 1, tzinfo=UTC),
        ends_at=datetime(2026, 12, 7, 17, 0, tzinfo=UTC),  # midnight 8 Dec in Bangkok
        multiplier=Decimal("2.00"),
        bonus_points=5,
        created_by_id=admin.user.id,
    )
    db.session.add(campaign)
    db.session.commit()
    th = render("campaign_started", {"campaign_id": campaign.id}, "th")
    en = render("campaign_started", {"campaign_id": campaign.id}, "en")
    assert th == ("เริ่มแคมเปญ: สัปดาห์ลดถุง", "แต้ม × 2 · โบนัส +5 แต้มต่อการสแกน · ถึงวันที่ 7 ธ.ค. 2569")
    assert en == (
        "Campaign started: Bag-free week",
        "points × 2 · +5 bonus points a scan · until 7 Dec 2026",
    )


def _queued_jobs() -> int:
    return db.session.scalar(text("SELECT count(*) FROM procrastinate.procrastinate_jobs"))


def test_a_user_with_no_channel_on_gets_the_inbox_only_and_no_job(ctx, make_resident):
    quiet, listening = make_resident(), make_resident()
    db.session.add(
        ChannelPreference(user_id=listening.user.id, channel=DeliveryChannel.LINE, enabled=True)
    )
    db.session.commit()
    notifications.notify(quiet.user.id, EXPIRING, {"points": 5}, dedupe_key="a")
    assert _queued_jobs() == 0
    notifications.notify(listening.user.id, EXPIRING, {"points": 5}, dedupe_key="a")
    assert _queued_jobs() == 1
    db.session.commit()
    rows = db.session.execute(select(Notification.user_id, Notification.fanned_out_at)).all()
    fanned = dict(rows)
    assert fanned[quiet.user.id] is not None and fanned[listening.user.id] is None
