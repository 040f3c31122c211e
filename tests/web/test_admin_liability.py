"""The console's liability and settlement page and its CSV."""

import csv
import io
from datetime import UTC, datetime

import pytest

from ecolife.extensions import db
from ecolife.models import EntryKind, ReasonCode
from ecolife.services.ledger import post_entry
from tests.web.console import sign_in, text

NOV_5 = datetime(2026, 11, 5, 3, tzinfo=UTC)
DEC_1 = datetime(2026, 11, 30, 17, tzinfo=UTC)


@pytest.fixture
def ledger(app, set_now, make_shop, make_resident):
    """A resident earned 40 points at a shop in Lamphun (5101) in November 2026 (20 of them
    expiring on 1 Dec), and 15 at a shop in Pa Sang (5104)."""
    shop_a, _ = make_shop("ร้านลำพูน", district="5101")
    shop_b, _ = make_shop("ร้านป่าซาง", district="5104")
    resident = make_resident()
    with app.app_context():
        for points, shop_id, expires_at in (
            (20, shop_a, DEC_1),
            (20, shop_a, None),
            (15, shop_b, None),
        ):
            post_entry(
                resident.user.id,
                points,
                kind=EntryKind.EARN,
                now=NOV_5,
                reason_code=ReasonCode.ADJUSTMENT,
                shop_id=shop_id,
                expires_at=expires_at,
            )
        db.session.commit()
        db.session.remove()
    return shop_a, shop_b


@pytest.fixture
def console(app, make_admin):
    def signed_in(area=None, lang="th"):
        admin = make_admin(area=area)
        client = app.test_client()
        assert sign_in(client, admin.user.email, lang=lang).status_code == 302
        return client

    return signed_in


def test_the_page_shows_the_liability_and_each_shops_month_in_thai(console, ledger, set_now):
    client = console()
    set_now(datetime(2026, 11, 20, 3, tzinfo=UTC))
    page = client.get("/admin/liability?from=2026-10&to=2026-11")
    html = text(page)
    assert page.status_code == 200
    assert "หนี้แต้มและการชำระ" in html
    assert 'data-test="outstanding">55<' in html
    assert 'data-test="expiring">20<' in html
    assert 'data-test="issued">55<' in html
    assert "ส่วนที่เป็นโบนัสแคมเปญ" in html and 'data-test="bonus">0<' in html
    assert "พฤศจิกายน 2569" in html and "ร้านลำพูน" in html and "ร้านป่าซาง" in html


def test_the_csv_has_a_bom_bilingual_headers_and_a_row_per_shop_and_month(console, ledger):
    shop_a, shop_b = ledger
    response = console().get("/admin/liability.csv?from=2026-11&to=2026-11")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "ecolife-liability-2026-11-2026-11.csv" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(body[1:])))
    assert header[0] == "เดือน / Month" and header[-1] == "แต้มที่แลก / Points redeemed"
    assert header[5] == "โบนัสแคมเปญ / Campaign bonus"
    assert sorted((r[0], int(r[1]), int(r[4]), int(r[5]), int(r[6])) for r in rows) == sorted(
        [("2026-11", shop_a, 40, 0, 0), ("2026-11", shop_b, 15, 0, 0)]
    )


def test_a_scoped_admin_sees_their_areas_shops_and_no_programme_totals(console, ledger):
    html = text(console(area="5104").get("/admin/liability?from=2026-11&to=2026-11"))
    assert 'data-test="outstanding"' not in html and 'data-test="scoped-note"' in html
    assert "ร้านป่าซาง" in html and "ร้านลำพูน" not in html


def test_a_backwards_range_is_shown_as_a_field_error(console, ledger):
    page = console().get("/admin/liability?from=2026-11&to=2026-10")
    assert page.status_code == 422
    assert 'class="field-error"' in text(page)


def test_an_empty_range_says_so(console, ledger):
    html = text(console(lang="en").get("/admin/liability?from=2025-01&to=2025-02"))
    assert "No points were issued or redeemed at shops in these months." in html
