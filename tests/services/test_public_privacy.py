"""No published figure lets anyone single out a resident.

The proof: a resident alone in a sub-district (and alone refusing straws at a busy shop) scans.
Every answer the public can get (the API for every area, month by month and over the span,
and every open-data file) is taken before and after. Once the `withheld` flags are set aside
and a withheld figure (null) is read as nothing, every published number is the same: no
difference, sum or ratio of published numbers can contain that resident's scans.
"""

import csv
import difflib
import io
import json

from sqlalchemy import select

from ecolife.extensions import db
from ecolife.models import Area
from tests.public_data import OCT_5

FIGURES = ("scans", "items", "grams", "active_residents", "points_issued", "points_redeemed")
SPANS = ("from=2026-09&to=2026-10", "from=2026-10&to=2026-10", "")
FILES = (
    "/open-data/impact-monthly-by-tambon.json",
    "/open-data/impact-monthly-by-shop.json",
    "/open-data/impact-monthly-by-tambon.csv",
    "/open-data/impact-monthly-by-shop.csv",
)


def published(app, client) -> dict:
    """Everything the public can read, keyed by URL."""
    with app.app_context():
        codes = db.session.scalars(select(Area.code)).all()
        db.session.remove()
    answers = {}
    for code in codes:
        for span in SPANS:
            url = f"/api/v1/public/impact?area={code}&{span}"
            response = client.get(url)
            assert response.status_code == 200
            answers[url] = response.get_json()
    for url in FILES:
        response = client.get(url)
        answers[url] = (
            response.get_json() if url.endswith(".json") else response.get_data(as_text=True)
        )
    return answers


def numbers_only(value):
    """Set aside the privacy flags and the refresh time; read null (withheld) as nothing
    published, which is what a zero publishes too."""
    if isinstance(value, dict):
        return {
            k: numbers_only(v)
            for k, v in value.items()
            if k not in ("withheld", "refreshed_at") and v not in (None, 0)
        }
    if isinstance(value, list):  # ranked lists: the ranks follow from the numbers
        kept = [numbers_only(v) for v in value if not _publishes_nothing(v)]
        return sorted(kept, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, str) and "\n" in value:  # a CSV file: read like its JSON twin
        rows = csv.DictReader(io.StringIO(value.lstrip("\ufeff")))
        return numbers_only([{k: v for k, v in r.items() if v not in ("", "0")} for r in rows])
    return value


def _publishes_nothing(row) -> bool:
    """A month row whose every figure is withheld or zero."""
    if not isinstance(row, dict) or "month" not in row:
        return False
    figures = {k: v for k, v in row.items() if k in FIGURES or k.startswith("items_")}
    return not any(numbers_only(figures).values())


def test_a_resident_alone_in_a_place_cannot_be_singled_out(
    app, client, loner, programme, make_shop, scan_at, publish
):
    lonely_shop, _ = make_shop(district="5101", tambon="510103")
    publish()
    before = published(app, client)

    scan_at(loner, lonely_shop, OCT_5, quantity=4)  # alone in sub-district 510103
    scan_at(loner, programme["a"], OCT_5.replace(day=6), action="straw")  # alone with a straw
    publish()
    after = published(app, client)

    # The resident's scans did reach the figures' source, and were withheld …
    tambon = after["/api/v1/public/impact?area=510103&from=2026-10&to=2026-10"]
    assert tambon["months"][0]["scans"] is None and tambon["months"][0]["withheld"] is True
    shop_a = after["/api/v1/public/impact?area=510101&from=2026-10&to=2026-10"]["children"][0]
    assert shop_a["totals"]["items"]["straw"] is None
    assert after != before
    # … and no published number moved: nothing computed from them can reveal the resident.
    for url in before:
        old, new = (
            json.dumps(numbers_only(a[url]), indent=1, sort_keys=True) for a in (before, after)
        )
        assert new == old, "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True)))


def test_active_residents_are_rounded_down_so_places_cannot_be_combined(
    app, client, make_resident, make_shop, scan_at, publish
):
    """Shop A 5 residents, shop B 5, their sub-district 9 exactly: one resident scanned at both.
    Published rounded down to a multiple of 5, the sub-district says 5, and nobody is found."""
    a, _ = make_shop(district="5101", tambon="510103")
    b, _ = make_shop(district="5101", tambon="510103")
    residents = [make_resident() for _ in range(9)]
    for r in residents[:5]:
        scan_at(r, a, OCT_5)
    for r in residents[4:]:
        scan_at(r, b, OCT_5)
    publish()
    for area in ("510103", "5101", "51"):
        body = client.get(f"/api/v1/public/impact?area={area}&from=2026-10&to=2026-10").get_json()
        assert body["months"][0]["scans"] == 10
        assert body["months"][0]["active_residents"] == 5, area
    tambons = client.get("/open-data/impact-monthly-by-tambon.json").get_json()
    (row,) = [r for r in tambons["rows"] if r["tambon_code"] == "510103"]
    assert row["active_residents"] == 5
    shops = client.get("/open-data/impact-monthly-by-shop.json").get_json()["rows"]
    assert {r["shop_id"]: r["active_residents"] for r in shops} == {a: 5, b: 5}
    text = client.get("/open-data/impact-monthly-by-tambon.csv").get_data(as_text=True)
    assert {r["active_residents"] for r in csv.DictReader(io.StringIO(text))} == {"5"}


def test_participation_is_rounded_down_so_no_count_can_be_worked_out(
    app, client, make_resident, make_shop, scan_at, set_now
):
    """8 households, target 50 %: "reached" with 4 active residents would tell exactly 4; and a
    sub-district's row minus its villages' rows would tell a hidden village. Counts are rounded
    down to a multiple of 5, the share and "reached" follow the rounded count."""
    from ecolife.models import User
    from ecolife.services import participation
    from ecolife.services.scope import PROVINCE_WIDE

    shop, _ = make_shop(district="5101", tambon="510103")
    village_1 = [make_resident() for _ in range(4)]
    village_2 = [make_resident() for _ in range(3)]
    for r in village_1 + village_2:
        scan_at(r, shop, OCT_5)
    set_now(OCT_5.replace(day=20))
    with app.test_request_context():
        for r in village_1:
            db.session.get(User, r.user.id).home_tambon_code = "510103"
            db.session.get(User, r.user.id).home_village_no = 1
        db.session.commit()
        for village, households in ((None, 8), (1, 8), (2, 100)):
            data = {"tambon_code": "510103", "village_no": village}
            data |= {"households": households, "target_percent": 50}
            participation.set_target(PROVINCE_WIDE, data, actor_id=None)
        db.session.remove()

    def rows() -> dict:
        body = client.get("/api/v1/public/impact?area=510103").get_json()
        keys = ("active_residents", "percent", "reached")
        return {r["village_no"]: tuple(r[k] for k in keys) for r in body["participation"]}

    # 4 active residents of 8 households reach 50 %, but nothing of it is published.
    assert rows() == {None: (None, None, None), 1: (None, None, None), 2: (None, None, None)}
    page = client.get("/impact?area=510103").get_data(as_text=True)
    participation_table = page[page.index('data-test="participation"') :]
    assert "น้อยกว่า 5" in participation_table and "50.0" not in participation_table

    with app.test_request_context():
        for r in village_2:
            db.session.get(User, r.user.id).home_tambon_code = "510103"
            db.session.get(User, r.user.id).home_village_no = 2
        db.session.commit()
        # The admin console keeps the exact figures.
        exact = {r.village_no: r.active_residents for r in participation.participation("510103")}
        assert exact == {None: 7, 1: 4, 2: 3}
        db.session.remove()
    # 7 in the sub-district: 5 published, 62.5 % of 8 households, the target reached; the
    # villages stay hidden, and 5 minus nothing tells nothing of either.
    assert rows() == {None: (5, 62.5, True), 1: (None, None, None), 2: (None, None, None)}
