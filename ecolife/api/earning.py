"""/api/v1 for residents: what can be refused, scanning, balance and history."""

from ecolife.api.blueprint import Blueprint
from ecolife.api.earning_schemas import (
    ActionSchema,
    CodePreviewSchema,
    LedgerPageSchema,
    MeSchema,
    MeUpdateSchema,
    ScanRequestSchema,
    ScanResultSchema,
)
from ecolife.api.fields import PageArgs
from ecolife.api.idempotency import DOC, idempotency_key
from ecolife.api.security import (
    auth_required,
    current_user,
    resident_only,
    resident_token,
    token_claims,
)
from ecolife.services import actions, counter_codes, earning, ledger, residents

bp = Blueprint("earning", __name__, url_prefix="/api/v1", description="Earning points")


@bp.route("/actions")
@bp.response(200, ActionSchema(many=True))
def list_actions():
    """List what residents can refuse and the points each earns."""
    return actions.list_actions()


@bp.route("/scans", methods=["POST"])
@resident_token
@bp.doc(**DOC)
@bp.arguments(ScanRequestSchema)
@bp.response(201, ScanResultSchema)
def create_scan(data):
    """Credit a refusal at a shop by its scanned poster or one-time code (its QR, or the
    8-character short code under it, in any case and spacing)."""
    key = idempotency_key()
    data["code"] = counter_codes.token_for(data["code"])
    return earning.earn_for_scan(token_claims(), key=key, **data)


@bp.route("/codes/<path:code>")
@resident_only
@bp.response(200, CodePreviewSchema)
def preview_code(code: str):
    """Say what a scanned or typed code is (a shop's poster, or a counter code and what it
    credits)."""
    return earning.preview_code(counter_codes.token_for(code))


@bp.route("/me")
@auth_required(check_session=False)
@bp.response(200, MeSchema)
def me():
    """Show the signed-in user's profile, balance and impact."""
    return residents.own_profile(token_claims())


@bp.route("/me", methods=["PATCH"])
@auth_required()
@bp.arguments(MeUpdateSchema)
@bp.response(200, MeSchema)
def update_me(data):
    """Say (or clear) the sub-district and village you live in, for the area figures; answers
    the profile exactly as `GET /me` does."""
    residents.set_home(current_user().id, data)
    return residents.own_profile(token_claims())


@bp.route("/me/ledger")
@auth_required()
@bp.arguments(PageArgs, location="query")
@bp.response(200, LedgerPageSchema)
def my_ledger(args):
    """List the signed-in user's points history, newest first."""
    return ledger.history(current_user().id, limit=args["limit"], cursor=args["cursor"])
