"""The console's participation page: targets, the confirmation before removing, declarations."""

from datetime import UTC, datetime

import pytest

from ecolife.extensions import db
from ecolife.models import Declaration, ParticipationTarget
from ecolife.services import residents
from tests.factories import add_declaration, scan
from tests.web.console import post_form, sign_in, text

PAGE = "/admin/participation/"
LI_TAMBON, PA_SANG_TAMBON = "510401", "510602"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.fixture
def admin(client, make_admin):
    signed_in = make_admin()
    sign_in(client, signed_in.user.email)
    return signed_in


def targets(app) -> list[tuple]:
    with app.app_context():
        found = db.session.query(ParticipationTarget).order_by(ParticipationTarget.id).all()
        rows = [(t.tambon_code, t.village_no, t.households, t.target_percent) for t in found]
        db.session.remove()
        return rows


def test_setting_households_shows_the_place_in_thai(app, client, admin):
    empty = client.get(PAGE)
    assert empty.status_code == 200
    assert 'data-test="no-targets"' in text(empty)
    form = {
        "tambon_code": LI_TAMBON,
        "village_no": "3",
        "households": "120",
        "target_percent": "80",
    }
    saved = post_form(client, PAGE + "targets", form, page=PAGE, follow_redirects=True)
    assert saved.status_code == 200
    html = text(saved)
    assert "ลี้ · หมู่ที่ 3" in html and "อำเภอลี้" in html
    assert 'data-test="target-510401-3"' in html and "0.0%" in html
    assert targets(app) == [(LI_TAMBON, 3, 120, 80)]


def test_bad_households_are_shown_beside_the_field(app, client, admin):
    form = {"tambon_code": LI_TAMBON, "households": "0", "target_percent": "120"}
    refused = post_form(client, PAGE + "targets", form, page=PAGE)
    assert refused.status_code == 422
    html = text(refused)
    assert 'id="households-error"' in html and 'id="target_percent-error"' in html
    assert targets(app) == []


def test_removing_a_target_asks_first(app, client, admin):
    form = {"tambon_code": LI_TAMBON, "households": "50", "target_percent": "60"}
    post_form(client, PAGE + "targets", form, page=PAGE)
    with app.app_context():
        target_id = db.session.query(ParticipationTarget.id).scalar()
    url = f"{PAGE}targets/{target_id}/delete"
    ask = client.get(url)
    assert ask.status_code == 200 and 'data-test="confirm"' in text(ask)
    assert targets(app) != []
    done = post_form(client, url, {})
    assert done.status_code == 302
    assert targets(app) == []
    assert client.get(url).status_code == 404


def test_a_declaration_before_the_target_is_refused(app, client, admin, set_now):
    set_now(NOW)
    form = {"tambon_code": LI_TAMBON, "households": "50", "target_percent": "60"}
    post_form(client, PAGE + "targets", form, page=PAGE)
    page = text(client.get(PAGE))
    assert "declare-510401" not in page  # no form until the target is reached
    declaration = {"area_code": LI_TAMBON, "village_no": "", "title": "ตำบลลดพลาสติก"}
    refused = post_form(client, PAGE + "declarations", declaration, page=PAGE)
    assert refused.status_code == 409
    assert 'data-test="declaration-refused"' in text(refused)


def test_a_scoped_admin_sees_and_changes_their_area_only(app, client, make_admin):
    province, li = make_admin(), make_admin(area="5104")
    sign_in(client, province.user.email)
    for tambon in (LI_TAMBON, PA_SANG_TAMBON):
        form = {"tambon_code": tambon, "households": "50", "target_percent": "60"}
        assert post_form(client, PAGE + "targets", form, page=PAGE).status_code == 302
    client = app.test_client()  # another browser
    sign_in(client, li.user.email)
    html = text(client.get(PAGE))
    assert "target-510401" in html and "target-510602" not in html
    assert f'value="{PA_SANG_TAMBON}"' not in html  # not offered in the form either
    assert client.get(PAGE + "?area=5106").status_code == 404
    form = {"tambon_code": PA_SANG_TAMBON, "households": "99", "target_percent": "60"}
    assert post_form(client, PAGE + "targets", form, page=PAGE).status_code == 404
    with app.app_context():
        pa_sang_id = (
            db.session.query(ParticipationTarget.id).filter_by(tambon_code=PA_SANG_TAMBON).scalar()
        )
    assert client.get(f"{PAGE}targets/{pa_sang_id}/delete").status_code == 404
    assert (PA_SANG_TAMBON, None, 50, 60) in targets(app)


def test_the_page_needs_an_admin(client, make_resident):
    assert client.get(PAGE).status_code == 302  # to the sign-in page


def li_at_its_target(app, client, make_resident, make_shop, shop_token) -> None:
    """ตำบลลี้ at its target: one household, and its one resident scanned today."""
    resident = make_resident()
    with app.test_request_context():
        residents.set_home(resident.user.id, {"home_tambon_code": LI_TAMBON})
        db.session.remove()
    shop_id, _ = make_shop()
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201
    form = {"tambon_code": LI_TAMBON, "households": "1", "target_percent": "100"}
    post_form(client, PAGE + "targets", form, page=PAGE)


def test_a_refused_declaration_keeps_what_was_typed(
    app, client, admin, make_resident, make_shop, shop_token
):
    li_at_its_target(app, client, make_resident, make_shop, shop_token)
    assert 'data-test="declare-510401"' in text(client.get(PAGE))
    declaration = {
        "area_code": LI_TAMBON,
        "village_no": "",
        "title": "ตำบลของเรา",
        "declared_on": "2999-01-01",
        "note": "หมายเหตุ",
    }
    refused = post_form(client, PAGE + "declarations", declaration, page=PAGE)
    assert refused.status_code == 422
    html = text(refused)
    assert 'id="declared_on-error"' in html and "วันที่ต้องไม่เป็นวันในอนาคต" in html
    assert 'value="ตำบลของเรา"' in html and ">หมายเหตุ</textarea>" in html
    assert 'data-test="declare-510401" open' in html
    declaration["declared_on"] = ""
    done = post_form(client, PAGE + "declarations", declaration, page=PAGE, follow_redirects=True)
    assert 'data-test="declaration"' in text(done) and "ตำบลของเรา" in text(done)


def declarations(app) -> list[tuple]:
    with app.app_context():
        found = db.session.query(Declaration).order_by(Declaration.id).all()
        rows = [(d.area_code, d.title) for d in found]
        db.session.remove()
        return rows


def test_removing_a_declaration_asks_first(app, client, admin, make_admin):
    kept = add_declaration(app, PA_SANG_TAMBON, title="ตำบลป่าสัก")
    removed = add_declaration(app, LI_TAMBON, title="ตำบลลดพลาสติก")
    page = text(client.get(PAGE))
    url = f"{PAGE}declarations/{removed}/delete"
    assert f'href="{url}"' in page
    ask = client.get(url)
    assert ask.status_code == 200
    html = text(ask)
    assert 'data-test="confirm"' in html and "ตำบลลดพลาสติก" in html and "ตำบลลี้" in html
    assert declarations(app) == [(PA_SANG_TAMBON, "ตำบลป่าสัก"), (LI_TAMBON, "ตำบลลดพลาสติก")]
    done = post_form(client, url, {}, follow_redirects=True)
    assert done.status_code == 200 and "ตำบลลดพลาสติก" in text(done)  # the flash says which
    assert declarations(app) == [(PA_SANG_TAMBON, "ตำบลป่าสัก")]
    assert client.get(url).status_code == 404
    li = app.test_client()  # an admin of Li, in another browser
    sign_in(li, make_admin(area="5104").user.email)
    other = f"{PAGE}declarations/{kept}/delete"
    assert li.get(other).status_code == 404
    assert post_form(li, other, {}, page=PAGE).status_code == 404
    assert declarations(app) == [(PA_SANG_TAMBON, "ตำบลป่าสัก")]


def test_the_same_declaration_twice_is_refused_with_a_reason(
    app, client, admin, make_resident, make_shop, shop_token
):
    li_at_its_target(app, client, make_resident, make_shop, shop_token)
    declaration = {
        "area_code": LI_TAMBON,
        "village_no": "",
        "title": "ตำบลของเรา",
        "declared_on": "2026-11-01",
    }
    assert post_form(client, PAGE + "declarations", declaration, page=PAGE).status_code == 302
    refused = post_form(client, PAGE + "declarations", declaration, page=PAGE)
    assert refused.status_code == 409
    html = text(refused)
    assert 'data-test="declaration-refused"' in html and "บันทึกไว้แล้ว" in html
    assert declarations(app) == [(LI_TAMBON, "ตำบลของเรา")]
