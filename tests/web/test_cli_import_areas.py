"""`ecolife import-areas FILE.csv`: any province's areas, all rows or none, errors by line."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import Area

HEADER = "code,parent_code,name_th,name_en,lat,lon\n"
# Chiang Mai, listed children first: a parent may come later in the file.
CHIANG_MAI = (
    HEADER
    + "500101,5001,ศรีภูมิ,Si Phum,18.79,98.99\n"
    + "500102,5001,พระสิงห์,Phra Sing,18.788,98.982\n"
    + "5001,50,เมืองเชียงใหม่,Mueang Chiang Mai,,\n"
    + "50,,เชียงใหม่,Chiang Mai,18.79,98.98\n"
    + "5002,50,จอมทอง,Chom Thong,18.42,98.68\n"
    + "500201,5002,บ้านหลวง,Ban Luang,,\n"
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "areas.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def areas_count(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Area).where(*where))


def area(app, code: str) -> Area | None:
    with app.app_context():
        found = db.session.get(Area, code)
        db.session.expunge_all()
        return found


def test_another_province_is_loaded_with_its_levels_and_centres(runner, app, client, tmp_path):
    before = areas_count(app)
    result = runner.invoke(args=["import-areas", write(tmp_path, CHIANG_MAI)])
    assert result.exit_code == 0, result.output
    assert "Imported 6 areas (6 new, 0 updated): 1 provinces, 2 districts, 3 sub-districts" in (
        result.output
    )
    assert areas_count(app) == before + 6
    si_phum = area(app, "500101")
    assert (si_phum.level, si_phum.parent_code, si_phum.name_en) == ("tambon", "5001", "Si Phum")
    assert (si_phum.lat, si_phum.lon) == (18.79, 98.99)
    assert area(app, "5001").lat is None
    provinces = client.get("/api/v1/areas").get_json()
    assert [p["code"] for p in provinces] == ["50", "51"]
    assert len(client.get("/api/v1/areas?parent=5001").get_json()) == 2


def test_a_utf8_file_with_a_bom_is_read(runner, app, tmp_path):
    result = runner.invoke(args=["import-areas", write(tmp_path, CHIANG_MAI, "utf-8-sig")])
    assert result.exit_code == 0, result.output
    assert area(app, "50").name_th == "เชียงใหม่"


def test_a_parent_already_loaded_is_known_and_present_codes_are_updated(runner, app, tmp_path):
    text = HEADER + "5101,51,เมืองลำพูน,Mueang Lamphun (renamed),18.5,99.0\n"
    text += "510199,5101,ตำบลใหม่,New Tambon,,\n"
    result = runner.invoke(args=["import-areas", write(tmp_path, text)])
    assert result.exit_code == 0, result.output
    assert "(1 new, 1 updated)" in result.output
    renamed = area(app, "5101")
    assert (renamed.name_en, renamed.lat, renamed.lon) == ("Mueang Lamphun (renamed)", 18.5, 99.0)
    assert area(app, "510199").parent_code == "5101"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("5x01,51,ก,A,,", "code", "Give the official code: 2 digits"),
        ("51011,5101,ก,A,,", "code", "Give the official code: 2 digits"),
        (",5101,ก,A,,", "code", "Give the official code"),
        ("510901,5109,ก,A,,", "parent_code", "Unknown parent 5109"),
        ("510901,51,ก,A,,", "parent_code", "The parent of 510901 is 5109"),
        ("510198,,ก,A,,", "parent_code", "Give the parent's code (5101)"),
        ("52,51,ก,A,,", "parent_code", "A province has no parent"),
        ("510198,5101,,A,,", "name_th", "Please fill this in."),
        ("510198,5101,ก,,,", "name_en", "Please fill this in."),
        ("510198,5101," + "ก" * 121 + ",A,,", "name_th", "Use at most 120 characters."),
        ("510198,5101,ก,A,north,", "lat", "Enter a number."),
        ("510198,5101,ก,A,91,", "lat", "Enter a number from -90 to 90."),
        ("510198,5101,ก,A,18,nan", "lon", "Enter a number from -180 to 180."),
        ("510198,5101,ก,A,18,99,extra", "", "more cells than the header"),
        ("510198,5101,ก\x00,A,,", "name_th", "Contains a NUL character."),
    ],
)
def test_each_bad_row_is_reported_by_line_and_column(runner, app, tmp_path, row, column, message):
    before = areas_count(app)
    text = HEADER + "510197,5101,ดี,Good,,\n" + row + "\n"
    result = runner.invoke(args=["import-areas", write(tmp_path, text)])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
    line = next(ln for ln in result.output.splitlines() if ln.strip().startswith("Line 3:"))
    assert f"{column}: {message}" in line if column else message in line
    assert "Line 2" not in result.output
    assert areas_count(app) == before


def test_every_error_of_the_file_is_reported_and_nothing_is_loaded(runner, app, tmp_path):
    text = CHIANG_MAI + "500101,5001,ซ้ำ,Again,,\n" + "5003,49,ก,A,,\n" + "abc,,,,,\n"
    result = runner.invoke(args=["import-areas", write(tmp_path, text)])
    assert result.exit_code == 1
    lines = [ln.strip() for ln in result.output.splitlines() if ln.strip().startswith("Line")]
    assert lines[0] == "Line 8: code: Also used in line 2."
    assert lines[1].startswith("Line 9: parent_code: The parent of 5003 is 50")
    assert lines[2].startswith("Line 10: code: Give the official code")
    assert "name_th: Please fill this in.; name_en: Please fill this in." in lines[2]
    assert area(app, "50") is None


def test_bytes_that_are_not_utf8_are_named_by_line(runner, app, tmp_path):
    text = HEADER + "510198,5101,ตำบล,Tambon,,\n"
    result = runner.invoke(args=["import-areas", write(tmp_path, text, "tis-620")])
    assert result.exit_code == 1
    assert "Line 2: name_th: Contains bytes that are not UTF-8 text" in result.output
    assert area(app, "510198") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name_th,name_en\n51,ลำพูน,Lamphun\n", "Header row: Missing columns: parent_code."),
        (HEADER.strip() + ",area_km2\n51,,ลำพูน,Lamphun,,,4505\n", "Unknown columns: area_km2."),
        (HEADER, "File: The file has no rows."),
        ("", "Missing columns: code, name_en, name_th, parent_code."),
    ],
)
def test_a_bad_header_or_an_empty_file_is_refused(runner, app, tmp_path, text, message):
    result = runner.invoke(args=["import-areas", write(tmp_path, text)])
    assert result.exit_code == 1
    assert message in result.output


def test_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["import-areas", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_the_bundled_lamphun_file_loads_again_unchanged(runner, app):
    path = Path(app.root_path) / "data" / "areas_lamphun.csv"
    result = runner.invoke(args=["import-areas", str(path)])
    assert result.exit_code == 0, result.output
    assert "(0 new, 60 updated): 1 provinces, 8 districts, 51 sub-districts" in result.output
