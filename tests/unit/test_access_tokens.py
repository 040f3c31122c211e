"""Access tokens: verified once per worker, expiry checked on every request."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from ecolife import security
from ecolife.errors import InvalidToken

SECRET = "unit-test-secret-key-that-is-long-enough-for-hs256"


def token(ttl: timedelta, *, secret: str = SECRET) -> str:
    return security.encode_access_token(
        secret, user_id=7, session_id=3, role="resident", now=datetime.now(UTC), ttl=ttl
    )


def test_a_verified_token_still_expires_on_time(monkeypatch):
    fresh = token(timedelta(minutes=15))
    assert security.decode_access_token(SECRET, fresh)["sid"] == 3
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(security.time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        security.decode_access_token(SECRET, fresh)


def test_a_token_signed_with_another_key_is_refused_every_time():
    forged = token(timedelta(minutes=15), secret="another-secret-key-that-is-long-enough-too")
    for _ in range(2):
        with pytest.raises(InvalidToken):
            security.decode_access_token(SECRET, forged)


def test_an_expired_token_is_refused():
    with pytest.raises(InvalidToken):
        security.decode_access_token(SECRET, token(timedelta(seconds=-1)))
