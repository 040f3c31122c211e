"""Security headers on every response, set by Flask-Talisman.

Talisman is a well-kept extension that covers HSTS, CSP, frame options, nosniff and the
referrer and permissions policies in one place, instead of headers written by hand.
"""

from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import DENY, Talisman

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI styles its widgets with inline style attributes.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
PERMISSIONS_POLICY = "camera=(self), geolocation=(self)"
REFERRER_POLICY = "strict-origin-when-cross-origin"
ONE_YEAR = 365 * 24 * 3600  # seconds


def init_security_headers(app: Flask) -> None:
    """Forbid framing, sniffing and foreign content; ask for HTTPS where configured."""
    # One Talisman per app: it keeps its options on itself, and tests build several apps.
    app.extensions["talisman"] = Talisman(
        app,
        content_security_policy=csp_with_tiles(CSP, app.config.get("MAP_TILE_URL")),
        frame_options=DENY,
        referrer_policy=REFERRER_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        # HSTS is sent on https requests (or X-Forwarded-Proto: https from the proxy) only.
        strict_transport_security=app.config["STRICT_TRANSPORT_SECURITY"],
        strict_transport_security_max_age=ONE_YEAR,
        strict_transport_security_include_subdomains=True,
        # Production sits behind a TLS-terminating proxy, which does the redirecting.
        force_https=app.config["FORCE_HTTPS"],
        # Cookie flags stay config.py's: Talisman would otherwise mark the session cookie
        # Secure on the first request, and the console could not sign in over http.
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    _allow_inline_styles(app, "pages.api_docs")


def csp_with_tiles(csp: str, tile_url: str | None) -> str:
    """Allow the /impact map's tile server (MAP_TILE_URL) in img-src; nothing else from it."""
    if not tile_url:
        return csp
    parts = urlsplit(tile_url.replace("{s}", "a"))
    origin = f"{parts.scheme}://{parts.netloc}"
    if "{s}" in tile_url.split("/")[2]:  # Leaflet's subdomains: a.tile…, b.tile…, c.tile…
        origin = f"{parts.scheme}://*." + parts.netloc.split(".", 1)[1]
    return csp.replace("img-src 'self'", f"img-src 'self' {origin}", 1)


def _allow_inline_styles(app: Flask, endpoint: str) -> None:
    # Talisman overwrites a CSP the view set itself; its per-view options are the way.
    view = app.view_functions.get(endpoint)
    if view is not None:
        view.talisman_view_options = {"content_security_policy": DOCS_CSP}
