"""Shop CSVs with a NUL byte or bytes that are not UTF-8: refused by line, never a crash."""

import pytest
from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import Shop, User
from tests.web.console import import_csv, sign_in, text

HEADER = b"name,tambon_code,owner_name,owner_email\n"
GOOD = "ร้านดี,li,A,a@example.com\n".encode()
ALSO_GOOD = "ร้านสอง,li,E,e@example.com\n".encode()
NUL = b"\xe0\xb8\xa3\xe0\xb9\x89\xe0\xb8\xb2\xe0\xb8\x99\x00,li,B,b@example.com\n"
LATIN1 = "Caf\xe9,li,C,c@example.com\n".encode("latin-1")  # é as one byte: not UTF-8
SURROGATE = b"Shop \xed\xa0\x80,li,D,d@example.com\n"  # a lone surrogate, UTF-8 encoded

BAD_ROWS = [
    pytest.param(NUL, "Contains a NUL character", id="nul"),
    pytest.param(LATIN1, "Contains bytes that are not UTF-8 text", id="latin-1"),
    pytest.param(SURROGATE, "Contains bytes that are not UTF-8 text", id="lone-surrogate"),
]


def shops_and_users(app) -> tuple[int, int]:
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count()).select_from(Shop)),
            db.session.scalar(select(func.count()).select_from(User)),
        )
        db.session.remove()
        return counts


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_the_console_names_the_line_of_an_unreadable_row(
    client, app, make_admin, run_jobs, row, message
):
    sign_in(client, make_admin().user.email, lang="en")
    page = text(import_csv(client, HEADER + GOOD + row + ALSO_GOOD, run_jobs))
    assert "Nothing was imported" in page
    assert "Line 3" in page and f"<code>name</code>: {message}" in page
    assert "Line 2" not in page and "Line 4" not in page
    assert "\x00" not in page
    assert shops_and_users(app) == (0, 1)  # only the admin


def test_the_console_reports_unreadable_rows_in_thai(client, app, make_admin, run_jobs):
    sign_in(client, make_admin().user.email, lang="th")
    assert "บรรทัด 2" in text(import_csv(client, HEADER + NUL, run_jobs))
    assert shops_and_users(app) == (0, 1)


def test_a_header_that_is_not_utf8_names_line_1(client, make_admin, run_jobs):
    sign_in(client, make_admin().user.email, lang="en")
    header = b"name,tambon_code,owner_name,owner_\xe9mail\n"
    page = text(import_csv(client, header + GOOD, run_jobs))
    assert "Line 1" in page


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_the_cli_names_the_line_and_exits_without_a_traceback(runner, app, tmp_path, row, message):
    csv_file = tmp_path / "shops.csv"
    csv_file.write_bytes(HEADER + GOOD + row)
    result = runner.invoke(args=["import-shops", str(csv_file)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"  Line 3: name: {message}" in result.output
    assert "Traceback" not in result.output
    assert shops_and_users(app) == (0, 0)
