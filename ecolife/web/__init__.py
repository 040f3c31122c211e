"""Server-rendered pages: health check, API docs, invites, home."""

from flask import Flask


def register_web(app: Flask) -> None:
    """Attach the page blueprints."""
    from ecolife.web import pages

    app.register_blueprint(pages.bp)
