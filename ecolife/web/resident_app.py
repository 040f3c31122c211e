"""The resident web app at /app (static files on the public API) and /q/ poster links."""

import mimetypes
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, request

from ecolife.services.earning import TOKEN

bp = Blueprint("resident_app", __name__)


def _app_file(name: str, mimetype: str | None = None) -> Response:
    path = Path(current_app.static_folder) / "app" / name
    response = Response(path.read_bytes(), mimetype=mimetype or mimetypes.guess_type(name)[0])
    # The shell must never be stale (revalidated by ETag); the service worker keeps an offline copy.
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/app")
def app_root():
    return redirect("/app/", code=301)


@bp.get("/app/")
def app_shell():
    return _app_file("index.html")


@bp.get("/app/sw.js")
def service_worker():
    return _app_file("sw.js", "text/javascript")


@bp.get("/app/manifest.webmanifest")
def manifest():
    return _app_file("manifest.webmanifest", "application/manifest+json")


@bp.get("/q/<token>")
def scanned_link(token: str):
    """A phone camera opened a poster or counter code: let the app take it from here."""
    if not TOKEN.fullmatch(token):
        abort(404)
    return redirect(f"/app/#/claim/{token}")
