"""A campaign's start goes to the inboxes of the residents it concerns, once."""

from datetime import timedelta

from sqlalchemy import select

from ecolife import clock
from ecolife.extensions import db
from ecolife.jobs import UPKEEP_QUEUE, defer
from ecolife.models import Campaign, Notification, Role, User
from ecolife.services import campaigns, residents

HOUR = timedelta(hours=1)


def campaign(admin_id: int, *, start=-HOUR, end=HOUR, **given) -> int:
    now = clock.now()
    data = {"name_th": "ลำพูนปลอดถุง", "bonus_points": 2, **given}
    data.update(starts_at=now + start, ends_at=now + end)
    return campaigns.create_campaign(data, actor_id=admin_id).id


def told(campaign_id: int, role: Role = Role.RESIDENT) -> set[int]:
    rows = db.session.scalars(
        select(Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.kind == "campaign_started",
            Notification.params["campaign_id"].as_integer() == campaign_id,
            User.role == role,
        )
    )
    return set(rows)


def living_in(make_resident, tambon: str | None) -> int:
    user_id = make_resident().user.id
    if tambon is not None:
        residents.set_home(user_id, {"home_tambon_code": tambon})
    return user_id


def test_residents_living_in_the_area_are_told_once(ctx, make_resident, make_admin):
    home, away, unknown = (living_in(make_resident, t) for t in ("510101", "510401", None))
    suspended = living_in(make_resident, "510102")
    db.session.get(User, suspended).suspended_at = clock.now()
    db.session.commit()
    area = campaign(make_admin().user.id, area_codes=["5101"])
    assert campaigns.announce_started() == 1
    assert told(area) == {home}
    assert db.session.get(Campaign, area).announced_at is not None
    assert campaigns.announce_started() == 0
    assert told(area) == {home}
    assert {away, unknown} - told(area) == {away, unknown}


def test_a_province_wide_campaign_tells_every_resident(ctx, make_resident, make_admin):
    everyone = {living_in(make_resident, t) for t in ("510101", "510401", None)}
    whole = campaign(make_admin().user.id)
    campaigns.announce_started()
    assert told(whole) == everyone


def test_a_campaign_is_told_when_it_starts_and_an_ended_one_never(
    ctx, make_resident, make_admin, set_now
):
    resident = living_in(make_resident, None)
    admin_id = make_admin().user.id
    upcoming = campaign(admin_id, start=HOUR, end=2 * HOUR)
    missed = campaign(admin_id, start=-2 * HOUR, end=timedelta(minutes=1))
    db.session.get(Campaign, missed).ends_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert campaigns.announce_started() == 0
    assert told(upcoming) == told(missed) == set()
    set_now(clock.now() + HOUR + timedelta(seconds=1))
    assert campaigns.announce_started() == 1
    assert told(upcoming) == {resident}


def test_the_worker_announces_a_started_campaign(app, make_resident, make_admin, run_jobs):
    resident = make_resident().user.id
    admin_id = make_admin().user.id
    with app.test_request_context():
        whole = campaign(admin_id)
        defer("ecolife.announce_campaigns", UPKEEP_QUEUE, timestamp=0)
        db.session.commit()
    run_jobs(queues=["upkeep"])
    with app.app_context():
        assert told(whole) == {resident}
        assert db.session.get(Campaign, whole).announced_at is not None
        db.session.remove()


def test_the_staff_of_the_shops_a_campaign_covers_and_its_creator_are_told(
    ctx, make_admin, make_shop
):
    admin_id = make_admin().user.id
    _inside, inside_staff = make_shop(district="5101")
    _outside, outside_staff = make_shop(district="5104")
    listed, listed_staff = make_shop(district="5104")
    area = campaign(admin_id, area_codes=["5101"])
    shops = campaign(admin_id, shop_ids=[listed])
    assert campaigns.announce_started() == 2
    assert told(area, Role.SHOP_STAFF) == {inside_staff.user.id}
    assert told(shops, Role.SHOP_STAFF) == {listed_staff.user.id}
    assert outside_staff.user.id not in told(area, Role.SHOP_STAFF) | told(shops, Role.SHOP_STAFF)
    assert told(area, Role.ADMIN) == told(shops, Role.ADMIN) == {admin_id}


def test_a_province_wide_campaign_tells_its_creator_but_no_shop(ctx, make_admin, make_shop):
    admin_id = make_admin().user.id
    _shop, _staff = make_shop()
    whole = campaign(admin_id)
    campaigns.announce_started()
    assert told(whole, Role.SHOP_STAFF) == set()
    assert told(whole, Role.ADMIN) == {admin_id}
