"""EcoLife: points for refusing single-use plastic at partner shops."""

from pathlib import Path

from flask import Flask, abort, request
from flask_babel import get_locale
from werkzeug.routing import IntegerConverter

from config import Config

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Endpoints that take a shop CSV, up to MAX_IMPORT_BYTES instead of MAX_CONTENT_LENGTH.
LARGE_UPLOADS = frozenset({"jobs.import_shops", "admin_shops.import_csv"})


def create_app(config_class: type[Config] = Config) -> Flask:
    """Build the application: config, database, extensions, routes, errors, commands."""
    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/static")
    app.config.from_object(config_class)
    register_request_parsing(app)
    if hasattr(config_class, "validate"):
        config_class.validate()
    register_proxies(app)
    register_observability(app)
    register_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_security_headers(app)
    register_cli(app)
    return app


def register_request_parsing(app: Flask) -> None:
    from ecolife.api.blueprint import JSONProvider
    from ecolife.api.fields import INT32_MAX, unstorable_text

    class IdConverter(IntegerConverter):
        """Flask's `int`, up to what an id column holds: a bigger id is a 404, not a 500."""

        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", INT32_MAX)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)

    @app.before_request
    def allow_large_imports() -> None:
        # Before any form is parsed (CSRF reads it first): only the CSV imports take more.
        if request.endpoint in LARGE_UPLOADS:
            request.max_content_length = app.config["MAX_IMPORT_BYTES"]

    @app.url_value_preprocessor
    def refuse_unstorable_path(_endpoint, values) -> None:
        # A path part with NUL (%00) names nothing that can exist.
        if values and any(unstorable_text(value) for value in values.values()):
            abort(404)


def register_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto of the TRUSTED_PROXIES nearest proxies, no more."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    trusted = app.config["TRUSTED_PROXIES"]
    if trusted:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)


def register_observability(app: Flask) -> None:
    from ecolife.observability import register_observability as register

    register(app)


def register_database(app: Flask) -> None:
    from ecolife.database import init_database

    init_database(app)


def register_extensions(app: Flask) -> None:
    from ecolife.extensions import babel, csrf, limiter

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    limiter.init_app(app)
    csrf.init_app(app)


def register_blueprints(app: Flask) -> None:
    from ecolife.api import register_api
    from ecolife.extensions import csrf
    from ecolife.web import register_web

    register_api(app)
    register_web(app)
    # The API authenticates with bearer tokens, not cookies, so CSRF does not apply to it.
    for blueprint in app.blueprints.values():
        if (blueprint.url_prefix or "").startswith("/api/"):
            csrf.exempt(blueprint)


def register_errors(app: Flask) -> None:
    from ecolife.api.problems import register_error_handlers

    register_error_handlers(app)


def register_security_headers(app: Flask) -> None:
    from ecolife.web.headers import init_security_headers

    init_security_headers(app)


def register_cli(app: Flask) -> None:
    from ecolife.cli import register_commands

    register_commands(app)


def select_locale() -> str:
    """Pick Thai or English: explicit choice, then the browser's wish, Thai by default."""
    chosen = request.cookies.get("lang")
    if chosen in ("th", "en"):
        return chosen
    return request.accept_languages.best_match(("th", "en")) or "th"
