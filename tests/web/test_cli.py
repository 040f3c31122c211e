"""The `ecolife` commands: create-admin, seed-demo, import-shops."""

import pytest
from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import Role, Shop, User

HEADER = (
    "name,name_en,tambon_code,subdistrict,address,lat,lon,phone,owner_name,owner_email,owner_phone\n"
)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_create_admin_makes_an_admin_who_can_log_in(runner, client):
    result = runner.invoke(
        args=["create-admin", "--email", "Boss@Lamphun.go.th", "--password", "very-secret-1"]
    )
    assert result.exit_code == 0, result.output
    login = client.post(
        "/api/v1/auth/login", json={"login": "boss@lamphun.go.th", "password": "very-secret-1"}
    )
    assert login.get_json()["user"]["role"] == "admin"


def test_create_admin_again_resets_the_password(runner, app):
    runner.invoke(args=["create-admin", "--email", "a@b.th", "--password", "first-pass-1"])
    result = runner.invoke(
        args=["create-admin", "--email", "a@b.th", "--password", "second-pass-2"]
    )
    assert result.exit_code == 0
    assert count(app, User, User.role == Role.ADMIN) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--email", "nope", "--password", "long-enough-1"],
        ["--email", "a@b.th", "--password", "short"],
    ],
)
def test_create_admin_refuses_bad_input(runner, app, args):
    result = runner.invoke(args=["create-admin", *args])
    assert result.exit_code != 0
    assert count(app, User) == 0


def test_create_admin_will_not_promote_a_resident(runner, app, make_resident):
    make_resident(email="someone@example.com")
    result = runner.invoke(
        args=["create-admin", "--email", "someone@example.com", "--password", "long-enough-1"]
    )
    assert result.exit_code != 0
    assert count(app, User, User.role == Role.ADMIN) == 0


def test_seed_demo_is_idempotent_and_prints_the_logins(runner, app):
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == second.exit_code == 0
    assert "13 new shops" in first.output and "0 new shops" in second.output
    assert "0812345678" in second.output and "admin@ecolife.local" in second.output
    assert count(app, Shop) == 13
    # The province's admin, ลี้'s admin, a shop owner, a resident, a card-only resident.
    assert count(app, User) == 5
    assert second.output.count("PIN: 2580") == 2 and "ยายแก้ว ใจดี" in second.output
    assert "admin-li@ecolife.local" in second.output
    with app.app_context():
        districts = set(db.session.scalars(select(Shop.district_code)))
    assert len(districts) == 8


def test_import_shops_adds_every_row(runner, app, tmp_path):
    csv_file = tmp_path / "shops.csv"
    csv_file.write_text(
        HEADER
        + "ร้านป้าน้อย,Pa Noi,ลี้,,,17.8,98.9,053-111-222,ป้าน้อย,noi@example.com,\n"
        + "ร้านลุงมา,Lung Ma,Pa Sang,,,,,,ลุงมา,,0891112222\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-shops", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 shops" in result.output
    assert result.output.count("/invite/") == 2
    assert count(app, Shop) == 2
    assert count(app, User, User.role == Role.SHOP_STAFF) == 2


def test_import_shops_reports_bad_rows_by_line_and_imports_nothing(runner, app, tmp_path):
    csv_file = tmp_path / "shops.csv"
    csv_file.write_text(
        HEADER
        + "ร้านดี,,ลี้,,,,,,เจ้าของ,ok@example.com,\n"
        + ",,ลี้,,,,,,เจ้าของ,x@example.com,\n"
        + "ร้านไกล,,Atlantis,,,,,,เจ้าของ,y@example.com,\n"
        + "ร้านพิกัดผิด,,ลี้,,,north,,,เจ้าของ,z@example.com,\n"
        + "ร้านซ้ำ,,ลี้,,,,,,เจ้าของ,ok@example.com,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-shops", str(csv_file)])
    assert result.exit_code == 1
    assert "  Line 3: name: Please fill this in.\n" in result.output
    assert "  Line 4: tambon_code: No such sub-district. Give the sub-district" in result.output
    assert "  Line 5: lat: Enter a number.\n" in result.output
    assert "  Line 6: owner_email: Also used in line 2.\n" in result.output
    assert "Line 2:" not in result.output
    assert count(app, Shop) == 0
    assert count(app, User) == 0


def test_import_shops_reports_database_level_problems_by_line(runner, app, tmp_path):
    csv_file = tmp_path / "shops.csv"
    csv_file.write_text(
        HEADER
        + "ร้านหนึ่ง,,ลี้,,,,,,เจ้าของ,same@example.com,\n"
        + "ร้านสอง,,Atlantis,,,,,,เจ้าของ,other@example.com,\n"
        + "ร้านสาม,,ลี้,,,,,,เจ้าของ,same@example.com,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-shops", str(csv_file)])
    assert result.exit_code == 1
    assert "  Line 3: tambon_code: No such sub-district. Give the sub-district" in result.output
    assert "  Line 4: owner_email: Also used in line 2.\n" in result.output
    assert count(app, Shop) == 0


@pytest.mark.parametrize("content", ["", "name,colour\nx,red\n", HEADER])
def test_import_shops_refuses_files_without_the_right_columns_or_rows(
    runner, app, tmp_path, content
):
    csv_file = tmp_path / "shops.csv"
    csv_file.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import-shops", str(csv_file)])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
    assert count(app, Shop) == 0


def test_import_shops_refuses_a_file_that_is_not_utf8(runner, app, tmp_path):
    csv_file = tmp_path / "shops.csv"
    csv_file.write_bytes(HEADER.encode() + "ร้าน,,ลี้,,,,,,x,a@b.th,\n".encode("tis-620"))
    result = runner.invoke(args=["import-shops", str(csv_file)])
    assert result.exit_code != 0
    assert "cannot read" in result.output
    assert count(app, Shop) == 0
