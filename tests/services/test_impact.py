"""Impact and statement reports: Bangkok days, shops, districts, and their CSV export."""

from datetime import UTC, date, datetime

from ecolife.extensions import db
from ecolife.models import Action
from ecolife.services import impact, redemptions
from tests.factories import redeem, scan
from tests.web.console import sign_in, text

# 23:30 in Bangkok on 1 Nov is still 1 Nov; 17:30 UTC the same evening is 2 Nov in Bangkok.
LATE_1_NOV = datetime(2026, 11, 1, 16, 30, tzinfo=UTC)
EARLY_2_NOV = datetime(2026, 11, 1, 17, 30, tzinfo=UTC)
NOV = (date(2026, 11, 1), date(2026, 11, 3))


def test_scans_are_counted_on_their_bangkok_day_shop_and_district(
    app, client, make_shop, make_resident, shop_token, set_now
):
    li_shop, _ = make_shop(district="li")
    pa_sang_shop, _ = make_shop(district="pa_sang")
    alice, bob = make_resident(), make_resident()
    set_now(LATE_1_NOV)
    assert scan(client, alice, shop_token(li_shop), action="bag", quantity=2).status_code == 201
    set_now(EARLY_2_NOV)
    assert scan(client, bob, shop_token(li_shop), action="straw").status_code == 201
    assert scan(client, alice, shop_token(pa_sang_shop), action="foam_box").status_code == 201

    with app.app_context():
        check_november(li_shop)


def check_november(li_shop: int) -> None:
    days = {d.day: d.totals for d in impact.daily_impact(*NOV)}
    assert (days[date(2026, 11, 1)].items, days[date(2026, 11, 1)].milligrams) == (2, 11_000)
    assert (days[date(2026, 11, 2)].scans, days[date(2026, 11, 2)].items) == (2, 2)
    assert days[date(2026, 11, 3)].scans == 0
    assert days[date(2026, 11, 2)].grams == 10.5  # straw 0.5 g + foam box 10 g

    shops = {int(g.key): g.totals for g in impact.impact_by_shop(*NOV)}
    assert (shops[li_shop].scans, shops[li_shop].items, shops[li_shop].milligrams) == (2, 3, 11_500)
    districts = {g.key: g.totals for g in impact.impact_by_district(*NOV)}
    assert districts["5106"].items == 1 and districts["5104"].items == 3
    assert districts["5103"].scans == 0  # every district is listed
    only_li = impact.daily_impact(*NOV, shop_id=li_shop)
    assert sum(d.totals.items for d in only_li) == 3


def test_changing_an_actions_grams_keeps_past_scans_as_they_were(
    app, client, make_shop, make_resident, shop_token
):
    shop_id, _ = make_shop()
    resident = make_resident()
    assert scan(client, resident, shop_token(shop_id), action="bag").status_code == 201
    with app.app_context():
        db.session.query(Action).filter_by(code="bag").update({"milligrams": 99_000})
        db.session.commit()
        days = impact.daily_impact(date(2020, 1, 1), date(2030, 12, 31))
        assert sum(d.totals.milligrams for d in days) == 5_500


def test_statements_set_points_issued_against_points_redeemed(
    app, client, make_shop, make_resident, make_reward, shop_token, give_points
):
    shop_id, staff = make_shop()
    reward_id = make_reward(shop_id, points=5)
    resident = make_resident()
    assert scan(client, resident, shop_token(shop_id), action="bag", quantity=2).status_code == 201
    first = redeem(client, resident, reward_id).get_json()["redemption"]
    redeem(client, resident, reward_id)
    with app.app_context():
        redemptions.confirm_redemption(shop_id, staff.user.id, first["id"])
        rows = {r.shop_id: r for r in impact.shop_statements(date(2020, 1, 1), date(2030, 12, 31))}
    row = rows[shop_id]
    assert (row.points_issued, row.points_redeemed) == (10, 5)
    assert (row.confirmed, row.pending, row.cancelled, row.expired) == (1, 1, 0, 0)


def test_impact_tables_export_as_csv(app, client, make_admin, make_shop, make_resident, shop_token):
    shop_id, _ = make_shop("=HYPERLINK(1)")
    resident = make_resident()
    scan(app.test_client(), resident, shop_token(shop_id), action="bag")
    sign_in(client, make_admin().user.email, lang="en")
    response = client.get("/admin/impact/shops.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = text(response).lstrip("\ufeff").splitlines()
    assert lines[0] == "Name,Scans,Items,Grams,Points"
    assert lines[1].startswith("'=HYPERLINK(1)") and lines[1].endswith(",1,1,5.5,5")
    days = text(client.get("/admin/impact/days.csv")).splitlines()
    assert len(days) == 31  # header + the default 30 days
    statements = text(client.get("/admin/statements.csv")).splitlines()
    assert statements[0].startswith("\ufeffShop,Points issued")


def test_a_backwards_range_is_refused_beside_the_field(client, make_admin):
    sign_in(client, make_admin().user.email, lang="en")
    response = client.get("/admin/impact?from=2026-11-10&to=2026-11-01")
    assert response.status_code == 422
    assert "The last day must not be before the first day." in text(response)
