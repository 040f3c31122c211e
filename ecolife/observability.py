"""What an operator sees of a running EcoLife: logs, request ids, /metrics and Sentry.

Every request gets an id (the caller's X-Request-ID when it looks like one, else a new one),
echoed in the response, and ends with one `ecolife.request` log line carrying request_id,
method, path, status, duration_ms and user_id. How logs are written (LOG_FORMAT json or
text) is ecolife.logs' business; `configure_logging` and `log_event` are importable from
here too.
"""

import hmac
import ipaddress
import logging
import re
import time
import uuid

from flask import Flask, Response, abort, current_app, g, request
from flask import request_started as flask_request_started
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import inspect

from ecolife import metrics
from ecolife.extensions import csrf, db, limiter
from ecolife.logs import configure_logging, log_event

__all__ = ["configure_logging", "log_event", "register_observability"]

# A caller's X-Request-ID is kept when it looks like an id; anything else gets a new one.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/@-]{0,127}")
# Headers a reverse proxy adds: with TRUSTED_PROXIES=0 a request carrying them came through
# a proxy the app does not know, and its loopback address says nothing about the client.
FORWARDED_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")

# Path parts that are secrets: a one-time token or invite, a member card's code.
SECRET_VIEW_ARGS = ("token", "card")

request_log = logging.getLogger("ecolife.request")


def register_observability(app: Flask) -> None:
    """Configure the logs (not under test), request ids and timing, /metrics and Sentry."""
    if not app.testing:
        configure_logging(app)
    flask_request_started.connect(start_request, app)
    app.after_request(finish_request)
    app.add_url_rule("/metrics", "metrics", metrics_page, methods=["GET"])
    limiter.exempt(metrics_page)
    csrf.exempt(metrics_page)
    init_sentry(app)


def new_request_id() -> str:
    return uuid.uuid4().hex


def start_request(sender: Flask, **_extra) -> None:
    """Name the request and start its clock (before any other hook can answer it)."""
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else new_request_id()
    g.request_started = time.perf_counter()
    if sender.extensions.get("ecolife_sentry"):
        import sentry_sdk

        sentry_sdk.set_tag("request_id", g.request_id)


def finish_request(response: Response) -> Response:
    """Echo the request id, count the request and write its log line."""
    request_id = g.get("request_id") or new_request_id()
    response.headers["X-Request-ID"] = request_id
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    metrics.observe_request(request.method, request.endpoint, response.status_code, seconds)
    fields = {
        "request_id": request_id,
        "method": request.method,
        "path": loggable_path(),
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 2),
        "user_id": signed_in_user_id(),
    }
    request_log.info(
        "%(method)s %(path)s %(status)s %(duration_ms)s ms",
        fields,
        extra={"event": "request", **fields},
    )
    return response


def loggable_path() -> str:
    """The request's path without the secrets some paths carry (an owner's invite, a one-time
    code, a member card): whoever reads the logs must not be able to use them."""
    path = request.path
    for name in SECRET_VIEW_ARGS:
        secret = (request.view_args or {}).get(name)
        if secret:
            path = path.replace(secret, "[redacted]")
    return path


def signed_in_user_id() -> int | None:
    """The id of the user this request was made by, as far as it is known without a query.

    The API's auth decorators keep the verified token's claims on `g`; the consoles keep the
    signed-in user there once a view asked for it.
    """
    claims = g.get("token_claims")
    if claims is not None:
        return claims.user_id
    user = g.get("console_user")
    if user is None:
        return None
    identity = inspect(user).identity  # the key the session knows it by: never a query
    return identity[0] if identity else None


def metrics_page() -> Response:
    """Prometheus text: with METRICS_TOKEN its bearer token, else loopback clients only."""
    refusal = scraper_refusal()
    if refusal is not None:
        return refusal
    body = metrics.exposition(db.engine, current_app.config["PROMETHEUS_MULTIPROC_DIR"])
    return Response(body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})


# Scrapers are machines: no rate limit, no CSRF (a GET), and plain http on loopback even
# where the app redirects people to https.
metrics_page.talisman_view_options = {"force_https": False}


def scraper_refusal() -> Response | None:
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        if not loopback_client():
            abort(404)  # as if there were no such page
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return Response(
        "Send Authorization: Bearer <METRICS_TOKEN>.\n",
        401,
        {"WWW-Authenticate": 'Bearer realm="metrics"'},
        mimetype="text/plain",
    )


def loopback_client() -> bool:
    """Tell whether the client is on this machine (its address as ProxyFix left it)."""
    if not current_app.config["TRUSTED_PROXIES"] and any(
        header in request.headers for header in FORWARDED_HEADERS
    ):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:  # a Unix socket has no address
        return False
    address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:127.0.0.1
    return address.is_loopback


def init_sentry(app: Flask) -> None:
    """Report unexpected errors to SENTRY_DSN when it is set (sentry-sdk, Flask integration).

    Errors the app answers itself are still reported: sentry-sdk turns the ERROR record
    `handle_unexpected` logs into an event. No personal data is sent (send_default_pii off).
    """
    dsn = app.config["SENTRY_DSN"]
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(dsn=dsn, integrations=[FlaskIntegration()], send_default_pii=False)
    app.extensions["ecolife_sentry"] = True
