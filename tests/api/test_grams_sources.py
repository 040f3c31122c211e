"""Where each action's grams per item come from, and the day the figure was set."""

from datetime import UTC, datetime

import pytest

from tests.factories import bearer
from tests.web.console import post_form, sign_in, text

# 08:00 on 5 Dec in Bangkok (still 4 Dec in UTC): the day set is Bangkok's.
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
def admin(make_admin):
    return bearer(make_admin())


def actions(client, headers) -> dict:
    listed = client.get("/api/v1/admin/actions", headers=headers).get_json()
    return {a["code"]: a for a in listed}


def test_the_launch_actions_say_where_their_grams_come_from(client, admin):
    launch = actions(client, admin)
    for code in ("bag", "straw", "foam_box", "own_cup"):
        assert launch[code]["milligrams_set_on"] == "2026-11-29"
        assert "EcoLife" in launch[code]["milligrams_source"]
        assert len(launch[code]["milligrams_source"]) <= 500
    assert "https://" in launch["bag"]["milligrams_source"]


def patch(client, headers, code, **body):
    return client.patch(f"/api/v1/admin/actions/{code}", json=body, headers=headers)


def test_new_grams_without_a_date_are_dated_today_in_bangkok(client, admin, set_now):
    set_now(NOW)
    assert patch(client, admin, "bag", grams=6.2).status_code == 200
    assert actions(client, admin)["bag"]["milligrams_set_on"] == "2026-12-05"
    # The same grams again (a form re-sends them) keep the date.
    set_now(datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
    assert patch(client, admin, "bag", grams=6.2, points=6).status_code == 200
    assert actions(client, admin)["bag"]["milligrams_set_on"] == "2026-12-05"


def test_new_grams_with_their_own_date_and_source(client, admin, set_now):
    set_now(NOW)
    body = {
        "grams": 0.42,
        "milligrams_set_on": "2026-12-01",
        "milligrams_source": "ชั่งหลอด 100 หลอดที่ตลาดลำพูน / 100 straws weighed",
    }
    changed = patch(client, admin, "straw", **body)
    assert changed.status_code == 200, changed.get_json()
    straw = actions(client, admin)["straw"]
    assert (straw["grams"], straw["milligrams_set_on"]) == (0.42, "2026-12-01")
    assert straw["milligrams_source"].startswith("ชั่งหลอด")
    # The source alone changes nothing else.
    assert patch(client, admin, "straw", milligrams_source="อื่น").status_code == 200
    assert actions(client, admin)["straw"]["milligrams_set_on"] == "2026-12-01"


@pytest.mark.parametrize(
    "body",
    [
        {"milligrams_set_on": "2026-12-06"},  # tomorrow in Bangkok
        {"milligrams_set_on": "not a date"},
        {"milligrams_source": "x" * 501},
    ],
)
def test_bad_sources_and_dates_are_refused(client, admin, set_now, body):
    set_now(NOW)
    refused = patch(client, admin, "bag", **body)
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == list(body)
    assert actions(client, admin)["bag"]["milligrams_set_on"] == "2026-11-29"


def test_the_rules_page_edits_the_source_and_date(client, make_admin, set_now):
    set_now(NOW)
    sign_in(client, make_admin().user.email)
    page = text(client.get("/admin/rules/"))
    assert 'name="milligrams_source"' in page and 'value="2026-11-29"' in page
    form = {
        "name_th": "ไม่รับกล่องโฟม",
        "name_en": "No foam box",
        "points": "5",
        "grams": "12",
        "active": "on",
        "milligrams_source": "ชั่งที่ อบต. / weighed",
        "milligrams_set_on": "2026-11-29",
    }
    saved = post_form(
        client, "/admin/rules/actions/foam_box", form, page="/admin/rules/", follow_redirects=True
    )
    assert saved.status_code == 200
    html = text(saved)
    # New grams with the old date shown in the form: dated today.
    assert 'value="2026-12-05"' in html and "ชั่งที่ อบต. / weighed" in html
