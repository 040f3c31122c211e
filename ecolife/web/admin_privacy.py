"""The admin console's PDPA pages (province-wide admins only): publishing a new version of
the privacy notice, and the log of who opened residents' personal data."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from ecolife.api.fields import StrictSchema, text
from ecolife.models import Role
from ecolife.services import privacy
from ecolife.web.forms import submit
from ecolife.web.privacy_page import notice_blocks
from ecolife.web.session import console_required, console_scope, console_user

bp = Blueprint("admin_privacy", __name__, url_prefix="/admin/privacy")
province_admin_required = console_required(Role.ADMIN, province_wide=True)


class NoticeForm(StrictSchema):
    text_th = text(privacy.MAX_NOTICE_LENGTH, required=True)
    text_en = text(privacy.MAX_NOTICE_LENGTH, required=True)


class AccessLogArgs(Schema):
    after = fields.String(load_default=None, validate=validate.Length(max=200))
    resident = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


@bp.route("/", methods=["GET", "POST"])
@province_admin_required
def index():
    """The notice in force, its earlier versions, and the form that publishes a new one."""
    current = privacy.current_notice()
    errors, values = {}, {"text_th": current.text_th, "text_en": current.text_en}
    if request.method == "POST":
        published, errors = submit(
            NoticeForm(),
            request.form,
            lambda d: privacy.publish_notice(
                **d, admin_id=console_user().id, scope=console_scope()
            ),
        )
        if published is not None:
            flash(_("Version %(version)s is published.", version=published.version))
            return redirect(url_for(".index"))
        values = request.form
    return render_template(
        "admin/privacy_notice.html",
        notice=current,
        blocks=notice_blocks(current.text_th),
        versions=privacy.notice_versions(),
        values=values,
        errors=errors,
    ), 422 if errors else 200


@bp.get("/access-log")
@province_admin_required
def access_log():
    """Who opened which resident's personal data, newest first."""
    try:
        args = AccessLogArgs().load(request.args, unknown="exclude")
    except ValidationError:
        args = {"after": None, "resident": None}  # a hand-edited link: the whole log
    page = privacy.access_log(
        limit=50, cursor=args["after"], resident_id=args["resident"], scope=console_scope()
    )
    return render_template("admin/privacy_access_log.html", page=page, resident=args["resident"])
