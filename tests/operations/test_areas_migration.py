"""Migration 0006 moves shops from district slugs to official area codes, and back."""

import psycopg
import pytest
from flask_migrate import downgrade, upgrade

from tests.operations.support import app_on, query, scratch_database

# name, district slug as 0005 knew it, free-text sub-district
OLD_SHOPS = [
    ("ร้านในเมือง", "mueang_lamphun", "ในเมือง"),
    ("ร้านลี้", "li", " Li "),  # English, any case and spacing
    ("ร้านป่าซาง", "pa_sang", "ตำบลที่ไม่มี"),  # names no sub-district: left for the admin
    ("ร้านบ้านธิ", "ban_thi", None),
    ("ร้านผิดอำเภอ", "mae_tha", "ในเมือง"),  # a sub-district of another district: not taken
]


def shops(url: str) -> list[tuple]:
    return query(url, "SELECT name, district_code, tambon_code FROM shops ORDER BY id")


def test_shops_get_official_codes_and_their_named_sub_district():
    with scratch_database("areas_migration") as url, app_on(url) as app:
        with app.app_context():
            upgrade(revision="0005")
        for n, (name, slug, sub) in enumerate(OLD_SHOPS):
            query(
                url,
                "INSERT INTO shops (name, district_code, subdistrict, qr_token, active, "
                "created_at, updated_at) VALUES (%s, %s, %s, %s, true, now(), now())",
                (name, slug, sub, f"token-{n}"),
            )
        with app.app_context():
            upgrade(revision="0006")
        assert shops(url) == [
            ("ร้านในเมือง", "5101", "510101"),
            ("ร้านลี้", "5104", "510401"),
            ("ร้านป่าซาง", "5106", None),
            ("ร้านบ้านธิ", "5107", None),
            ("ร้านผิดอำเภอ", "5102", None),
        ]
        assert query(url, "SELECT level, count(*) FROM areas GROUP BY level ORDER BY level") == [
            ("amphoe", 8),
            ("province", 1),
            ("tambon", 51),
        ]
        # A sub-district of another district is refused by the database itself.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            query(url, "UPDATE shops SET tambon_code = '510401' WHERE district_code = '5101'")
        with app.app_context():
            downgrade(revision="0005")
        assert query(url, "SELECT name, district_code FROM shops ORDER BY id") == [
            (name, slug) for name, slug, _ in OLD_SHOPS
        ]
