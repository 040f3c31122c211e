"""Normalising Thai phone numbers and emails."""

import pytest

from ecolife.identity import (
    login_account_key,
    normalize_email,
    normalize_login,
    normalize_thai_mobile,
    normalize_thai_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812345678", "+66812345678"),
        ("081-234-5678", "+66812345678"),
        ("081 234 5678", "+66812345678"),
        ("+66812345678", "+66812345678"),
        ("+66 81 234 5678", "+66812345678"),
        ("66812345678", "+66812345678"),
        ("0066812345678", "+66812345678"),
        ("(081) 234-5678", "+66812345678"),
        ("0912345678", "+66912345678"),
        ("0612345678", "+66612345678"),
    ],
)
def test_thai_mobile_numbers_are_normalised(raw, expected):
    assert normalize_thai_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "021234567",
        "0712345678",
        "08123456789",
        "+1 415 555 0100",
        "081234567x",
        "+6681234567",
    ],
)
def test_non_mobile_numbers_are_refused(raw):
    assert normalize_thai_mobile(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("053-511-111", "+6653511111"),
        ("02 123 4567", "+6621234567"),
        ("0812345678", "+66812345678"),
    ],
)
def test_thai_landlines_are_accepted_as_shop_phones(raw, expected):
    assert normalize_thai_phone(raw) == expected


def test_emails_are_trimmed_and_lowercased():
    assert normalize_email("  Nok@Example.COM ") == "nok@example.com"
    assert normalize_email("no-at-sign") is None
    assert normalize_email("a@b") is None


def test_a_login_is_an_email_or_a_phone():
    assert normalize_login("X@Y.th") == ("email", "x@y.th")
    assert normalize_login("0812345678") == ("phone", "+66812345678")
    assert normalize_login("someone") is None


def test_a_login_is_limited_per_account_however_it_is_typed():
    assert login_account_key("081-234-5678") == login_account_key("+66812345678")
    assert login_account_key(" Owner@Example.com ") == "owner@example.com"
    assert login_account_key("x" * 300) == "x" * 254
