"""Normalise the ways people identify themselves: Thai mobile numbers and emails."""

import re

_NON_DIGITS = re.compile(r"[\s\-().]")
_THAI_MOBILE = re.compile(r"^\+66[689]\d{8}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_thai_mobile(raw: str) -> str | None:
    """Return a Thai mobile number as +66XXXXXXXXX, or None when it is not one."""
    number = _NON_DIGITS.sub("", raw.strip())
    if number.startswith("0066"):
        number = "+66" + number[4:]
    elif number.startswith("66") and len(number) == 11:
        number = "+" + number
    elif number.startswith("0") and len(number) == 10:
        number = "+66" + number[1:]
    return number if _THAI_MOBILE.match(number) else None


def normalize_email(raw: str) -> str | None:
    """Return an email address trimmed and lower-cased, or None when it is not one."""
    email = raw.strip().lower()
    return email if len(email) <= 254 and _EMAIL.match(email) else None


def normalize_login(raw: str) -> tuple[str, str] | None:
    """Classify a login as ("email", value) or ("phone", value); None when it is neither."""
    if "@" in raw:
        email = normalize_email(raw)
        return ("email", email) if email else None
    phone = normalize_thai_mobile(raw)
    return ("phone", phone) if phone else None


def login_account_key(raw: str) -> str:
    """Name the account a typed login is for, for per-account limits (however it was typed)."""
    parsed = normalize_login(raw)
    return parsed[1] if parsed else raw[:254]


def normalize_thai_phone(raw: str) -> str | None:
    """Return any Thai phone number (landline or mobile) as +66…, or None."""
    mobile = normalize_thai_mobile(raw)
    if mobile:
        return mobile
    number = _NON_DIGITS.sub("", raw.strip())
    if number.startswith("0") and len(number) == 9 and number[1] in "234567":
        return "+66" + number[1:]
    if number.startswith("+66") and len(number) == 11 and number[3] in "234567":
        return number
    return None
