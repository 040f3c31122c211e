"""The one place that maps errors to HTTP: RFC 9457 problem details for /api/ responses."""

import logging
import time

import psycopg
from flask import Flask, Response, current_app, g, json, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ecolife import errors
from ecolife.extensions import db, limiter

log = logging.getLogger(__name__)

# code -> (status, title, localised detail)
PROBLEMS: dict[str, tuple[int, str, object]] = {
    "validation_error": (422, "Invalid input", _l("Some fields are missing or invalid.")),
    "invalid_json": (400, "Invalid JSON", _l("The request body is not valid JSON.")),
    "bad_request": (400, "Bad request", _l("The request could not be understood.")),
    "not_found": (404, "Not found", _l("Nothing was found here.")),
    "method_not_allowed": (405, "Method not allowed", _l("This method is not allowed here.")),
    "payload_too_large": (413, "Payload too large", _l("The request is too large.")),
    "unsupported_media_type": (415, "Unsupported media type", _l("Send the body as JSON.")),
    "authentication_required": (401, "Authentication required", _l("Please sign in.")),
    "invalid_credentials": (
        401,
        "Invalid credentials",
        _l("Wrong phone number, email or password."),
    ),
    "invalid_token": (401, "Invalid token", _l("Your sign-in has expired. Please sign in again.")),
    "forbidden": (403, "Forbidden", _l("You are not allowed to do this.")),
    "account_exists": (
        409,
        "Account exists",
        _l("An account with this phone number or email already exists."),
    ),
    "account_suspended": (403, "Account suspended", _l("This account is suspended.")),
    "invite_invalid": (
        410,
        "Invite invalid",
        _l("This invite link is invalid, already used or expired."),
    ),
    "rate_limited": (
        429,
        "Too many requests",
        _l("Too many attempts. Try again in %(minutes)s minutes."),
    ),
    "unknown_code": (
        404,
        "Unknown code",
        _l("This QR code is not one of ours, or it was replaced."),
    ),
    "code_expired": (410, "Code expired", _l("This code has expired. Ask the shop for a new one.")),
    "code_used": (409, "Code used", _l("This code has already been used.")),
    "code_cancelled": (
        410,
        "Code cancelled",
        _l("The shop cancelled this code. Ask the shop for a new one."),
    ),
    "shop_inactive": (409, "Shop inactive", _l("This shop is not taking part at the moment.")),
    "cooldown_active": (
        429,
        "Cooldown active",
        _l("You earned points at this shop a moment ago. Try again in %(minutes)s minutes."),
    ),
    "daily_cap_reached": (
        429,
        "Daily limit reached",
        _l("You have reached today's limit. Come back tomorrow."),
    ),
    "idempotency_key_required": (
        400,
        "Idempotency-Key required",
        _l("Send an Idempotency-Key header with this request."),
    ),
    "idempotency_key_reused": (
        422,
        "Idempotency-Key reused",
        _l("This Idempotency-Key was already used for a different request."),
    ),
    "insufficient_points": (409, "Insufficient points", _l("You do not have enough points.")),
    "out_of_stock": (409, "Out of stock", _l("This reward has run out.")),
    "reward_unavailable": (
        409,
        "Reward unavailable",
        _l("This reward cannot be requested now, or you have reached its limit."),
    ),
    "not_pending": (
        409,
        "Not pending",
        _l("This redemption is already confirmed, cancelled or expired."),
    ),
    "invalid_image": (
        422,
        "Invalid image",
        _l("Upload a JPEG, PNG or WebP image (at most 4 MB)."),
    ),
    "image_too_large": (
        422,
        "Image too large",
        _l("This image has too many pixels. Upload one of at most %(megapixels)s megapixels."),
    ),
    "target_not_reached": (
        409,
        "Target not reached",
        _l(
            "This area has not reached its participation target yet: a declaration is recorded"
            " only once it has."
        ),
    ),
    "declaration_exists": (
        409,
        "Declaration exists",
        _l(
            "This declaration (same place, village, title and date) is already recorded:"
            " it is declaration %(id)s."
        ),
    ),
    "card_pin_not_set": (
        409,
        "Card PIN not set",
        _l(
            "This member card has no PIN yet. The card holder sets one in the app or at the"
            " municipal office."
        ),
    ),
    "card_pin_locked": (
        423,
        "Card PIN locked",
        _l(
            "The PIN was wrong 5 times and is locked until %(until)s, or until the card holder"
            " sets a new PIN (in the app or at the municipal office)."
        ),
    ),
    "pin_tries_exceeded": (
        429,
        "Too many wrong PINs",
        _l(
            "Too many wrong member-card PINs were typed at this counter today. Try again in"
            " %(minutes)s minutes."
        ),
    ),
    "unknown_card": (
        404,
        "Unknown card",
        _l("No member card with this code. Check the code, or the card may have been replaced."),
    ),
    "no_card": (
        404,
        "No member card",
        _l(
            "This account has no member card yet. A new card is made in the app (POST"
            " /api/v1/me/card/rotate) or at the municipal office."
        ),
    ),
    "card_holder_uses_app": (
        409,
        "Card holder uses the app",
        _l("This resident signs in to the app: they change their PIN or card there themselves."),
    ),
    "wrong_pin": (
        403,
        "Wrong PIN",
        _l("Wrong PIN. %(tries_left)s tries left before the PIN is locked."),
    ),
    "card_credit_limit_reached": (
        429,
        "Card credit limit reached",
        _l(
            "This shop has given today's %(limit)s member-card credits. Card holders can earn"
            " here again tomorrow."
        ),
    ),
    "reset_code_invalid": (
        422,
        "Reset code refused",
        _l("This code is wrong or no longer works. Check the message, or ask for a new code."),
    ),
    "privacy_notice_outdated": (
        409,
        "Privacy notice outdated",
        _l(
            "The privacy notice has changed: read version %(version)s and accept it (reload"
            " the notice)."
        ),
    ),
    "database_unavailable": (
        503,
        "Database unavailable",
        _l("The service is briefly unavailable. Please try again in a moment."),
    ),
    "internal_error": (
        500,
        "Internal server error",
        _l("Something went wrong on our side. Please try again."),
    ),
}

# Parameters of a problem that its JSON body also carries as fields of their own.
PROBLEM_FIELDS = ("tries_left", "locked_until")

CSRF_EXPIRED = _l(
    "This form has expired or did not come from this site. Go back, reload the page and try again."
)

HTTP_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def problem(
    code: str, *, errors_: dict | None = None, retry_after: int | None = None, **params
) -> Response:
    """Build a problem+json response for a stable error code."""
    status, title, detail = PROBLEMS[code]
    body = {
        "type": type_uri(code),
        "title": title,
        "status": status,
        "code": code,
        "detail": gettext(str(detail), **params) if params else str(detail),
        "errors": errors_ or {},
    }
    # Figures a client acts on, beside the sentence that says them (e.g. tries left).
    body.update({name: params[name] for name in PROBLEM_FIELDS if name in params})
    if retry_after is not None:
        body["retry_after"] = retry_after
    response = Response(json.dumps(body), status, mimetype="application/problem+json")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def type_uri(code: str) -> str:
    """The page that explains an error code (RFC 9457's `type`)."""
    return url_for("pages.problem_type", code=code, _external=True)


def wants_problem_json() -> bool:
    """Tell whether this request gets JSON errors (the API and health checks) or HTML pages."""
    return request.path.startswith("/api/") or request.path == "/healthz"


def handle_domain_error(exc: errors.DomainError) -> Response:
    """Map a domain error to its problem response."""
    db.session.rollback()
    params = dict(exc.params)
    retry_after = params.pop("retry_after", None)
    errors_ = getattr(exc, "errors", None)
    if wants_problem_json():
        return problem(exc.code, errors_=errors_, retry_after=retry_after, **params)
    status = PROBLEMS[exc.code][0]
    return _html_error(status, PROBLEMS[exc.code][2], **params)


def handle_http_exception(exc: HTTPException):
    """Answer werkzeug's HTTP errors (404, 405, webargs' 422 …) in the right format."""
    db.session.rollback()
    code = HTTP_CODES.get(exc.code or 500, "internal_error")
    if isinstance(exc, CSRFError):
        return _html_error(400, CSRF_EXPIRED)
    if not wants_problem_json():
        return _html_error(exc.code or 500, PROBLEMS[code][2])
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if exc.code == 422 and messages is not None:
        return problem("validation_error", errors_=_flatten_locations(messages))
    if exc.code == 400 and messages is not None:
        return problem("invalid_json")
    if exc.code == 405 and not _path_exists(exc.valid_methods or ()):
        return problem("not_found")
    response = problem(code)
    if exc.code == 405:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _path_exists(methods) -> bool:
    # Werkzeug answers 405 for some paths no rule takes, when a converter refused a part
    # (e.g. an id past 32 bits in /admin/shops/<int:shop_id>): such a path is a 404.
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods:
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return True
    return False


def handle_rate_limited(exc: RateLimitExceeded) -> Response:
    """Tell the client how long to wait."""
    reset_at = limiter.current_limit.reset_at
    retry_after = max(1, int(reset_at - time.time()))
    minutes = max(1, -(-retry_after // 60))
    if wants_problem_json():
        return problem("rate_limited", retry_after=retry_after, minutes=minutes)
    return _html_error(429, PROBLEMS["rate_limited"][2], minutes=minutes)


# Seconds a client should wait before trying again while PostgreSQL is out of reach.
DATABASE_RETRY_AFTER = 5


# SQLSTATEs of a lost or refused connection: class 08, and the server shutting down.
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03")


def is_outage(exc: Exception) -> bool:
    """Tell a database out of reach from other operational errors (timeouts, deadlocks)."""
    if isinstance(exc, OperationalError) and exc.connection_invalidated:
        return True
    error = getattr(exc, "orig", None) or exc
    state = getattr(error, "sqlstate", None)
    return state is None or state.startswith(_OUTAGE_STATES)


def handle_database_unavailable(exc: Exception):
    """PostgreSQL is down, restarting or refusing connections: say so, with when to retry.

    The pool replaces broken connections on the next requests, so the app recovers by itself.
    Other operational errors (a timeout, a deadlock) are unexpected errors.
    """
    if not is_outage(exc):
        return handle_unexpected(exc)
    g.console_user = None  # the error page must not ask the database who is signed in
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the pool invalidates it
        db.session.remove()
    log.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
    if wants_problem_json():
        return problem("database_unavailable", retry_after=DATABASE_RETRY_AFTER)
    body, status = _html_error(503, PROBLEMS["database_unavailable"][2])
    return body, status, {"Retry-After": str(DATABASE_RETRY_AFTER)}


def handle_unexpected(exc: Exception):
    """Log an unexpected error and answer without revealing it."""
    db.session.rollback()
    log.exception("Unhandled error on %s %s", request.method, request.path)
    if wants_problem_json():
        return problem("internal_error")
    return _html_error(500, PROBLEMS["internal_error"][2])


def register_error_handlers(app: Flask) -> None:
    """Install the handlers; call after extensions so ours win."""
    app.register_error_handler(errors.DomainError, handle_domain_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(psycopg.OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)


def _flatten_locations(messages: dict) -> dict:
    # webargs nests field errors by location ({"json": {...}}); clients want the fields.
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def _html_error(status: int, message, **params):
    text = gettext(str(message), **params) if params else str(message)
    return render_template("error.html", status=status, message=text), status
