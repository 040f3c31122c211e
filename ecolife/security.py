"""Password hashing, random tokens and signed access tokens (no I/O)."""

import functools
import hashlib
import secrets
import time
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ecolife.errors import InvalidToken

_hasher = PasswordHasher()
# Verified against when the login is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
ACCESS_TOKEN_TYPE = "access"


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant-ish time, also when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def random_token(nbytes: int = 32) -> str:
    """Return an unguessable URL-safe token."""
    return secrets.token_urlsafe(nbytes)


# Letters and digits that cannot be mistaken for one another when read aloud or typed
# (no 0/O, 1/I/L, 5/S, 2/Z, 8/B): short codes people type at a counter.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def random_code(length: int) -> str:
    """Return a random code of `length` characters from CODE_ALPHABET."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def typed_code(text: str) -> str:
    """Normalise a code as a person typed it: upper case, without spaces or dashes."""
    return "".join(text.split()).replace("-", "").upper()


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a secret token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def encode_access_token(
    secret: str, *, user_id: int, session_id: int, role: str, now: datetime, ttl: timedelta
) -> str:
    """Sign a short-lived access token for one session."""
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "role": role,
        "typ": ACCESS_TOKEN_TYPE,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_access_token(secret: str, token: str) -> dict:
    """Verify an access token's signature, type and expiry, returning its claims."""
    claims = _verified_claims(secret, token)
    if claims is None or claims["exp"] <= time.time():
        raise InvalidToken()
    return claims


@functools.lru_cache(maxsize=4096)
def _verified_claims(secret: str, token: str) -> dict | None:
    # A phone sends the same token for its next 15 minutes of requests: the signature and
    # claims are checked once per worker (PyJWT's checks cost ~30 µs a request), the expiry
    # every time. A token that fails is remembered as None, so a flood of one bad token is
    # cheap too. The cache holds only what a client sent and could send again.
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            # Expiry is checked per request below; the issue time is not used (and a host
            # whose clock runs behind would otherwise cache a fresh token as bad).
            options={"require": ["exp"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    if (
        claims.get("typ") != ACCESS_TOKEN_TYPE
        or not isinstance(claims.get("sid"), int)
        or not isinstance(claims.get("exp"), int | float)
    ):
        return None
    return claims
