"""The console's campaigns page: creating one from the form, the list with budget used, the
confirmation before ending one, and a scoped admin's area."""

from datetime import timedelta

from ecolife import clock, rules
from ecolife.extensions import db
from ecolife.models import Campaign
from tests.web.console import post_form, sign_in, text

PAGE = "/admin/campaigns/"


def bangkok_today():
    return clock.now().astimezone(rules.BANGKOK).date()


def form(**given) -> dict:
    today = bangkok_today()
    return {
        "name_th": "ลำพูนปลอดถุง x2",
        "first_day": today.isoformat(),
        "last_day": (today + timedelta(days=2)).isoformat(),
        "multiplier": "2",
        "budget_points": "1000",
        **given,
    }


def test_an_admin_creates_a_campaign_and_sees_it_listed_in_thai(app, client, make_admin):
    sign_in(client, make_admin().user.email)
    created = post_form(client, PAGE, form(area_codes=["5104"], action_codes=["bag"]))
    assert created.status_code == 302, text(created)
    page = text(client.get(PAGE))
    assert "ลำพูนปลอดถุง x2" in page
    assert "แต้ม ×2" in page
    assert "0 / 1,000" in page
    assert "ลี้" in page  # district 5104
    year = bangkok_today().year + 543
    assert str(year) in page
    with app.app_context():
        campaign = db.session.query(Campaign).one()
        # The last day is included: the campaign ends at the next Bangkok midnight.
        last = campaign.ends_at.astimezone(rules.BANGKOK)
        assert (last.date(), last.hour) == (bangkok_today() + timedelta(days=3), 0)
        assert campaign.area_codes == ["5104"] and campaign.action_codes == ["bag"]
        db.session.remove()


def test_a_form_without_a_reward_or_with_days_reversed_says_what_to_fix(client, make_admin):
    sign_in(client, make_admin().user.email)
    nothing = post_form(client, PAGE, form(multiplier=""))
    assert nothing.status_code == 422
    assert 'id="multiplier-error"' in text(nothing)
    today = bangkok_today()
    reversed_days = post_form(
        client,
        PAGE,
        form(first_day=(today + timedelta(days=3)).isoformat(), last_day=today.isoformat()),
    )
    assert reversed_days.status_code == 422
    assert 'id="last_day-error"' in text(reversed_days)


def test_a_number_in_other_digits_is_a_field_error_not_a_crash(client, make_admin):
    sign_in(client, make_admin().user.email)
    sup = post_form(client, PAGE, form(budget_points="²", shop_ids=["²"]))
    assert sup.status_code == 422, sup.status_code
    assert 'id="budget_points-error"' in text(sup)


def test_ending_a_campaign_asks_first_then_ends_it(app, client, make_admin):
    sign_in(client, make_admin().user.email)
    post_form(client, PAGE, form())
    with app.app_context():
        campaign_id = db.session.query(Campaign.id).scalar()
        db.session.remove()
    ask = client.get(f"{PAGE}{campaign_id}/end")
    assert ask.status_code == 200 and 'data-test="confirm"' in text(ask)
    ended = post_form(client, f"{PAGE}{campaign_id}/end", {})
    assert ended.status_code == 302
    assert 'data-test="status">จบแล้ว' in text(client.get(PAGE))


def test_a_scoped_admin_sees_only_their_areas_campaigns(app, client, make_admin):
    sign_in(client, make_admin(area="5104").user.email)
    assert post_form(client, PAGE, form(name_th="ของลี้")).status_code == 302
    refused = post_form(client, PAGE, form(area_codes=["5101"]))
    assert refused.status_code == 422
    assert "เลือกพื้นที่ที่อยู่ในความดูแลของคุณ" in text(refused)
    other = client.application.test_client()
    sign_in(other, make_admin(area="5101").user.email)
    assert "ของลี้" not in text(other.get(PAGE))
    with app.app_context():
        campaign_id = db.session.query(Campaign.id).scalar()
        db.session.remove()
    assert other.get(f"{PAGE}{campaign_id}/end").status_code == 404
