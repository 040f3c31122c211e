"""/api/v1 for PDPA rights: the privacy notice, consents, a copy of one's data, erasure, and
the province-wide admins' log of who opened residents' personal data."""

import json

from flask import Response
from marshmallow import Schema, fields, validate

from ecolife import clock
from ecolife.api.account import (
    limit_wrong_current_passwords,
    token_user_id,
    wrong_password_in,
)
from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import (
    MAX_PASSWORD_LENGTH,
    Integer,
    PageArgs,
    StrictSchema,
    page_schema,
    password_field,
)
from ecolife.api.security import (
    auth_required,
    current_scope,
    current_session,
    current_user,
    province_admin_only,
    resident_only,
)
from ecolife.rules import BANGKOK
from ecolife.services import data_export, personal_data, privacy

bp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="Personal data (PDPA)")


class NoticeSchema(Schema):
    version = Integer()
    text_th = fields.String()
    text_en = fields.String()
    published_at = fields.DateTime()


class ConsentRequestSchema(StrictSchema):
    privacy_notice_version = Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=1_000_000)
    )


class ConsentSchema(Schema):
    privacy_notice_version = Integer()
    accepted_at = fields.DateTime()


class EraseSchema(StrictSchema):
    password = password_field(validate.Length(min=1, max=MAX_PASSWORD_LENGTH))


class PersonRefSchema(Schema):
    id = Integer()
    display_name = fields.String()


class AccessSchema(Schema):
    id = Integer()
    admin = fields.Nested(PersonRefSchema)
    resident = fields.Nested(PersonRefSchema)
    what = fields.String(metadata={"description": "resident_page, resident_search or admin_api"})
    created_at = fields.DateTime()


class AccessArgs(PageArgs):
    resident_id = Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


EXPORT_DOC = {
    "responses": {
        200: {
            "description": "Everything held about you, as a JSON file to keep",
            "content": {"application/json": {}},
        }
    }
}


@bp.route("/privacy-notice")
@bp.response(200, NoticeSchema)
def privacy_notice():
    """The privacy notice in force, in Thai and English (shown before sign-up)."""
    return privacy.current_notice()


@bp.route("/me/consents", methods=["POST"])
@auth_required()
@bp.arguments(ConsentRequestSchema)
@bp.response(201, ConsentSchema)
def accept_notice(data):
    """Accept the privacy notice in force (another version: 409 privacy_notice_outdated)."""
    return privacy.accept_notice(current_user().id, data["privacy_notice_version"])


@bp.route("/me/export")
@auth_required()
@bp.doc(**EXPORT_DOC)
def export_my_data():
    """Everything EcoLife holds about you: profile, consents, ledger, scans, redemptions,
    sign-ins, messages sent to you, and which admins opened your data."""
    body = json.dumps(data_export.export_personal_data(current_user().id), ensure_ascii=False)
    day = clock.now().astimezone(BANGKOK).date().isoformat()
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="ecolife-my-data-{day}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/me", methods=["DELETE"])
@limit_wrong_current_passwords(token_user_id, wrong_password_in("password"), methods=("DELETE",))
@resident_only
@bp.arguments(EraseSchema)
@bp.response(204)
def erase_me(data):
    """Erase your account: name, phone, e-mail, password and card go at once, every session
    ends; points history stays under a pseudonym. Staff and admins cannot (403)."""
    personal_data.erase_own_account(current_session().id, data["password"])


@bp.route("/admin/personal-data-access")
@province_admin_only
@bp.arguments(AccessArgs, location="query")
@bp.response(200, page_schema(AccessSchema, "PersonalDataAccessPage"))
def access_log(args):
    """Who opened which resident's personal data, and when, newest first (province-wide
    admins only)."""
    return privacy.access_log(
        limit=args["limit"],
        cursor=args["cursor"],
        resident_id=args["resident_id"],
        scope=current_scope(),
    )
