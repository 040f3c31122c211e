"""One way to write dates on every console page: Thai with the Buddhist year, as the resident
app and Thai government pages do; English with the common year; Bangkok time."""

import re
from datetime import UTC, datetime

import pytest

from ecolife.services import residents
from tests.factories import PASSWORD
from tests.web.console import sign_in, text

# 23:30 UTC on 28 November is 06:30 on the 29th in Bangkok.
MOMENT = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "day", "moment", "not_wanted"),
    [
        ("th", r"\b\d{1,2} \S+\. 25\d\d\b", "29 พ.ย. 2569 06:30", ("/26", "2026")),
        ("en", r"\b\d{1,2} [A-Z][a-z]{2} 20\d\d\b", "29 Nov 2026, 06:30", ("/26", "2569")),
    ],
)
def test_the_admin_pages_write_days_and_moments_one_way(
    app, client, make_admin, make_resident, set_now, lang, day, moment, not_wanted
):
    """The day a resident joined (in the list) and the moment they were suspended."""
    set_now(MOMENT)
    resident = make_resident(display_name="ผู้ใช้ทดสอบ")
    admin = make_admin()
    with app.test_request_context():
        residents.suspend_resident(resident.user.id, reason="ทดสอบ", actor_id=admin.user.id)
    sign_in(client, admin.user.email, PASSWORD, lang=lang)

    listing = text(client.get("/admin/residents/?q=ผู้ใช้ทดสอบ"))
    page = text(client.get(f"/admin/residents/{resident.user.id}"))

    assert re.search(day, listing), listing
    assert moment in page  # suspended since …, and the suspension's event
    for wrong in not_wanted:
        assert wrong not in listing and wrong not in page
