"""Participation: active residents against households, targets, declarations, scope."""

from datetime import UTC, date, datetime, timedelta

import pytest

from ecolife.errors import NotFound, TargetNotReached, ValidationFailed
from ecolife.extensions import db
from ecolife.models import ParticipationTarget
from ecolife.services import participation, residents
from ecolife.services.scope import AdminScope
from tests.factories import scan

PROVINCE = AdminScope()
LI = "5104"
LI_TAMBON, MAE_TUEN = "510401", "510402"  # sub-districts of Li
PA_SANG_TAMBON = "510602"  # a sub-district of Pa Sang
# 10:00 in Bangkok on 30 Nov; the 30-day window began at Bangkok midnight on 1 Nov,
# which is 17:00 UTC on 31 Oct.
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
WINDOW_START = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)


def test_the_window_is_thirty_bangkok_days_with_today():
    start, end = participation.active_window(NOW)
    assert start == WINDOW_START
    assert end == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    # 23:30 in Bangkok on 30 Nov is still the same Bangkok day.
    assert participation.active_window(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))[0] == start
    # 00:30 in Bangkok on 1 Dec moves the window by one day.
    late = participation.active_window(datetime(2026, 11, 30, 17, 30, tzinfo=UTC))[0]
    assert late == WINDOW_START + timedelta(days=1)


def test_target_reached_is_exact():
    assert participation.target_reached(8, 10, 80)
    assert not participation.target_reached(7, 10, 80)
    assert participation.target_reached(1, 3, 33)
    assert not participation.target_reached(1, 3, 34)


@pytest.fixture
def scan_at(client, make_shop, shop_token, set_now):
    """Return a callable: the resident scans at a shop at a given moment."""
    shop_id, _ = make_shop()
    token = shop_token(shop_id)

    def scan_at(resident, moment: datetime) -> None:
        set_now(moment)
        assert scan(client, resident, token, action="bag").status_code == 201

    return scan_at


@pytest.fixture
def live_in(app):
    """Return a callable that sets where a resident lives (None: not said)."""

    def live_in(resident, tambon: str | None, village: int | None = None) -> None:
        with app.test_request_context():
            changes = {"home_tambon_code": tambon, "home_village_no": village}
            residents.set_home(resident.user.id, changes)
            db.session.remove()

    return live_in


def set_target(
    tambon: str,
    households: int,
    percent: int,
    village: int | None = None,
    *,
    scope: AdminScope = PROVINCE,
):
    data = {
        "tambon_code": tambon,
        "village_no": village,
        "households": households,
        "target_percent": percent,
    }
    return participation.set_target(scope, data, actor_id=None)


def rows_by_place(area: str | None = None) -> dict:
    return {(r.tambon_code, r.village_no): r for r in participation.participation(area)}


def test_only_scans_inside_the_window_count(app, make_resident, live_in, scan_at, set_now):
    on_time, too_early, never = make_resident(), make_resident(), make_resident()
    for resident in (on_time, too_early, never):
        live_in(resident, LI_TAMBON)
    scan_at(on_time, WINDOW_START)
    scan_at(too_early, WINDOW_START - timedelta(seconds=1))
    set_now(NOW)
    with app.test_request_context():
        row = set_target(LI_TAMBON, 4, 25)
        assert (row.active_residents, row.percent, row.reached) == (1, 25.0, True)
        set_now(NOW + timedelta(days=1))  # the next Bangkok day: the 1 Nov scan has left
        assert rows_by_place()[(LI_TAMBON, None)].active_residents == 0


def test_residents_without_a_home_and_scans_counted_once(
    app, make_resident, live_in, scan_at, set_now
):
    keen, homeless = make_resident(), make_resident()
    live_in(keen, LI_TAMBON, 3)
    scan_at(keen, NOW - timedelta(days=3))
    scan_at(keen, NOW - timedelta(days=2))
    scan_at(homeless, NOW - timedelta(days=2))
    set_now(NOW)
    with app.test_request_context():
        row = set_target(LI_TAMBON, 3, 50)
    assert (row.active_residents, row.percent, row.reached) == (1, 33.3, False)


def test_villages_and_the_whole_sub_district(app, make_resident, live_in, scan_at, set_now):
    village_3, village_5, no_village = make_resident(), make_resident(), make_resident()
    live_in(village_3, LI_TAMBON, 3)
    live_in(village_5, LI_TAMBON, 5)
    live_in(no_village, LI_TAMBON)
    for resident in (village_3, village_5, no_village):
        scan_at(resident, NOW - timedelta(days=1))
    set_now(NOW)
    with app.test_request_context():
        set_target(LI_TAMBON, 100, 50)
        set_target(LI_TAMBON, 2, 50, village=3)
        set_target(LI_TAMBON, 10, 50, village=7)
        rows = rows_by_place()
    assert rows[(LI_TAMBON, None)].active_residents == 3
    assert (rows[(LI_TAMBON, 3)].active_residents, rows[(LI_TAMBON, 3)].reached) == (1, True)
    assert rows[(LI_TAMBON, 7)].active_residents == 0


def test_rows_are_ordered_and_named(app):
    with app.test_request_context():
        set_target(MAE_TUEN, 50, 80)
        set_target(LI_TAMBON, 10, 50, village=7)
        set_target(LI_TAMBON, 100, 50)
        set_target(PA_SANG_TAMBON, 40, 60)
        li = participation.participation(LI)
        everything = participation.participation(None)
    assert [(r.tambon_code, r.village_no) for r in li] == [
        (LI_TAMBON, None),
        (LI_TAMBON, 7),
        (MAE_TUEN, None),
    ]
    assert (li[2].tambon_name("th"), li[2].tambon_name("en")) == ("แม่ตืน", "Mae Tuen")
    assert (li[0].district_name("th"), li[0].district_code) == ("ลี้", LI)
    assert len(everything) == 4


def test_a_resident_who_moved_counts_where_they_live_now(
    app, make_resident, live_in, scan_at, set_now
):
    mover = make_resident()
    live_in(mover, PA_SANG_TAMBON)
    scan_at(mover, NOW - timedelta(days=5))
    live_in(mover, LI_TAMBON, 2)
    set_now(NOW)
    with app.test_request_context():
        set_target(PA_SANG_TAMBON, 10, 10)
        set_target(LI_TAMBON, 10, 10, village=2)
        rows = rows_by_place()
    assert rows[(PA_SANG_TAMBON, None)].active_residents == 0
    assert rows[(LI_TAMBON, 2)].active_residents == 1


def test_setting_a_target_again_updates_it(app):
    with app.test_request_context():
        first = set_target(LI_TAMBON, 100, 50, village=4)
        second = set_target(LI_TAMBON, 120, 80, village=4)
        whole = set_target(LI_TAMBON, 900, 60)
        again = set_target(LI_TAMBON, 950, 70)
        assert first.target_id == second.target_id and whole.target_id == again.target_id
        assert (second.households, second.target_percent) == (120, 80)
        assert db.session.query(ParticipationTarget).count() == 2


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"households": 0}, "households"),
        ({"households": -5}, "households"),
        ({"target_percent": 0}, "target_percent"),
        ({"target_percent": 101}, "target_percent"),
        ({"village_no": 0}, "village_no"),
        ({"village_no": 100}, "village_no"),
        ({"tambon_code": LI}, "tambon_code"),  # a district, not a sub-district
        ({"tambon_code": "519999"}, "tambon_code"),  # no such sub-district
    ],
)
def test_bad_targets_are_refused(app, changes, field):
    data = {
        "tambon_code": LI_TAMBON,
        "village_no": None,
        "households": 10,
        "target_percent": 50,
        **changes,
    }
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as refused:
            participation.set_target(PROVINCE, data, actor_id=None)
        assert list(refused.value.errors) == [field]
        db.session.rollback()
        assert db.session.query(ParticipationTarget).count() == 0


def declare(area: str, village: int | None = None, *, scope: AdminScope = PROVINCE, **more):
    data = {"area_code": area, "village_no": village, "title": "ตำบลลดพลาสติก", **more}
    return participation.record_declaration(scope, data, actor_id=None)


def test_a_declaration_waits_for_the_target(app, make_resident, live_in, scan_at, set_now):
    first, second = make_resident(), make_resident()
    live_in(first, LI_TAMBON, 1)
    live_in(second, LI_TAMBON, 1)
    scan_at(first, NOW - timedelta(days=1))
    set_now(NOW)
    with app.test_request_context():
        with pytest.raises(TargetNotReached):
            declare(LI_TAMBON)  # no target at all yet
        set_target(LI_TAMBON, 4, 50)
        with pytest.raises(TargetNotReached):
            declare(LI_TAMBON)  # 1 of 4 households: 25 %
        assert participation.declarations(None) == []
    scan_at(second, NOW - timedelta(hours=1))
    set_now(NOW)
    with app.test_request_context():
        made = declare(LI_TAMBON, note="  ครบทุกหมู่บ้าน  ")
        assert (made.declared_on, made.note, made.area.name_th) == (
            date(2026, 11, 30),
            "ครบทุกหมู่บ้าน",
            "ลี้",
        )
        assert participation.declarations(LI) == [made]
        assert participation.declarations("5106") == []


def test_a_village_and_a_district_declaration(app, make_resident, live_in, scan_at, set_now):
    resident = make_resident()
    live_in(resident, LI_TAMBON, 2)
    scan_at(resident, NOW - timedelta(days=1))
    set_now(NOW)
    with app.test_request_context():
        set_target(LI_TAMBON, 1, 100, village=2)
        set_target(LI_TAMBON, 5, 100, village=3)
        older = declare(LI_TAMBON, 2, declared_on=date(2026, 11, 20))
        with pytest.raises(TargetNotReached):
            declare(LI_TAMBON)  # village 3 is not there yet
        with pytest.raises(TargetNotReached):
            declare(LI)  # nor are Li's other sub-districts
        newer = declare(LI_TAMBON, 2, title="หมู่บ้านลดพลาสติก")
        assert participation.declarations(None) == [newer, older]


def test_bad_declarations_are_refused(app, set_now):
    set_now(NOW)
    with app.test_request_context():
        set_target(LI_TAMBON, 1, 1)
        for area, village, more, field in [
            ("51", None, {}, "area_code"),  # the province itself
            ("519999", None, {}, "area_code"),
            (LI, 2, {}, "village_no"),  # a village belongs to a sub-district
            (LI_TAMBON, None, {"declared_on": date(2026, 12, 1)}, "declared_on"),
        ]:
            with pytest.raises(ValidationFailed) as refused:
                declare(area, village, **more)
            assert list(refused.value.errors) == [field]


def test_a_scoped_admin_works_inside_their_area_only(app, set_now):
    set_now(NOW)
    li_admin = AdminScope(LI)
    with app.test_request_context():
        pa_sang = set_target(PA_SANG_TAMBON, 10, 50)
        assert set_target(LI_TAMBON, 10, 50, scope=li_admin).households == 10
        with pytest.raises(NotFound):
            set_target(PA_SANG_TAMBON, 20, 50, scope=li_admin)
        with pytest.raises(NotFound):
            participation.delete_target(li_admin, pa_sang.target_id)
        with pytest.raises(NotFound):
            declare(PA_SANG_TAMBON, scope=li_admin)
        with pytest.raises(NotFound):
            participation.scoped_area(li_admin, "5106")
        assert participation.scoped_area(li_admin, None) == LI
        assert participation.scoped_area(li_admin, LI_TAMBON) == LI_TAMBON
        assert set(rows_by_place()) == {(PA_SANG_TAMBON, None), (LI_TAMBON, None)}
        participation.delete_target(PROVINCE, pa_sang.target_id)
        assert set(rows_by_place()) == {(LI_TAMBON, None)}


def test_a_district_is_declared_once_every_sub_district_reached(
    app, make_resident, live_in, scan_at, set_now
):
    with app.app_context():
        li_tambons = [a.code for a in participation.tambons_in(LI)]
    assert len(li_tambons) == 8 and LI_TAMBON in li_tambons
    # Everyone signs up first: access tokens are checked against the real time.
    people = {code: make_resident() for code in li_tambons}
    for code, resident in people.items():
        live_in(resident, code)
        scan_at(resident, NOW - timedelta(days=1))
    set_now(NOW)
    with app.test_request_context():
        for code in li_tambons[:-1]:
            set_target(code, 1, 100)
        set_target(li_tambons[-1], 2, 100)  # the last one: 1 of 2 households
        with pytest.raises(TargetNotReached):
            declare(LI, title="อำเภอลดพลาสติก")
        assert (LI, None) not in participation.declarable(participation.participation(LI))
        set_target(li_tambons[-1], 2, 50)
        assert declare(LI, title="อำเภอลดพลาสติก").area.level == "amphoe"
