"""The JSON API for the phone app, /api/v1, documented as OpenAPI."""

from flask import Flask

from ecolife.api.openapi import document_problems
from ecolife.extensions import api


def register_api(app: Flask) -> None:
    """Attach the /api/v1 blueprints and their OpenAPI document."""
    from ecolife.api import (
        account,
        admin,
        admin_admins,
        admin_areas,
        admin_residents,
        admin_rewards,
        admin_rules,
        areas,
        auth,
        card_counter,
        cards,
        earning,
        jobs,
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
        admin_areas,
        admin_admins,
        admin_residents,
        cards,
        privacy,
        jobs,
        public,
    ):
        api.register_blueprint(module.bp)
    document_problems(app, api)
