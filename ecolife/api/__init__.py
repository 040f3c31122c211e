"""The JSON API for the phone app, /api/v1, documented as OpenAPI."""

from flask import Flask

from ecolife.api.openapi import document_problems
from ecolife.extensions import api, csrf


def register_api(app: Flask) -> None:
    """Attach the /api/v1 blueprints and their OpenAPI document."""
    from ecolife.api import (
        account,
        admin,
        admin_admins,
        admin_areas,
        admin_campaigns,
        admin_liability,
        admin_residents,
        admin_rewards,
        admin_rules,
        areas,
        auth,
        card_counter,
        cards,
        earning,
        jobs,
        notification_settings,
        notifications,
        password_reset,
        privacy,
        public,
        rewards,
        shop_staff,
        shops,
    )

    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (
        auth,
        password_reset,
        account,
        shops,
        areas,
        earning,
        rewards,
        shop_staff,
        card_counter,
        admin,
        admin_rules,
        admin_rewards,
        admin_campaigns,
        admin_areas,
        admin_admins,
        admin_residents,
        cards,
        privacy,
        jobs,
        public,
        notifications,
        admin_liability,
        notification_settings,
    ):
        api.register_blueprint(module.bp)
    document_problems(app, api)
    # LINE posts to its webhook with a signature, not a cookie: CSRF does not apply.
    app.register_blueprint(notification_settings.line_webhook)
    csrf.exempt(notification_settings.line_webhook)
