"""Server-rendered pages: public pages, console sign-in, the shop and admin consoles."""

from flask import Flask

from ecolife.web.dates import format_day, format_when
from ecolife.web.session import area_label, console_area, console_user


def register_web(app: Flask) -> None:
    """Attach the page blueprints and what every console template needs."""
    from ecolife.web import (
        admin_admins,
        admin_campaigns,
        admin_jobs,
        admin_liability,
        admin_participation,
        admin_people,
        admin_privacy,
        admin_register,
        admin_reports,
        admin_rules,
        admin_shops,
        admin_staff,
        console_auth,
        impact_page,
        open_data,
        pages,
        password_reset_pages,
        privacy_page,
        resident_app,
        shop_card,
        shop_console,
        shop_rewards,
    )

    for module in (
        pages,
        impact_page,
        open_data,
        resident_app,
        console_auth,
        password_reset_pages,
        shop_console,
        shop_card,
        shop_rewards,
        admin_shops,
        admin_staff,
        admin_jobs,
        admin_people,
        admin_register,
        admin_rules,
        admin_reports,
        admin_liability,
        admin_admins,
        admin_participation,
        admin_campaigns,
        admin_privacy,
        privacy_page,
    ):
        app.register_blueprint(module.bp)
    app.jinja_env.globals["console_user"] = console_user
    app.jinja_env.globals["console_area"] = console_area
    app.jinja_env.globals["area_label"] = area_label
    # One way to write dates on every page (Thai: Buddhist era, as the resident app does).
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_when, "when")
