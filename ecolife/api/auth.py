"""/api/v1/auth: register, log in, refresh, log out, accept an owner invite."""

from flask import current_app, request

from ecolife.api.blueprint import Blueprint
from ecolife.api.schemas import (
    AcceptInviteSchema,
    LoginSchema,
    RefreshSchema,
    RegisterSchema,
    SignedInSchema,
)
from ecolife.api.security import auth_required, current_session
from ecolife.extensions import limiter
from ecolife.identity import login_account_key
from ecolife.services import accounts

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")


def _login_key() -> str:
    body = request.get_json(silent=True)
    raw = body.get("login") if isinstance(body, dict) else None
    return f"login:{login_account_key(raw if isinstance(raw, str) else str(raw))}"


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/register", methods=["POST"])
@bp.arguments(RegisterSchema)
@bp.response(201, SignedInSchema)
def register(data):
    """Create a resident account (phone or email) and sign in."""
    return accounts.register_resident(**data)


@bp.route("/login", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_login_key, deduct_when=_failed
)
@bp.arguments(LoginSchema)
@bp.response(200, SignedInSchema)
def login(data):
    """Sign in with a phone number or email and a password."""
    return accounts.log_in(data["login"], data["password"])


@bp.route("/refresh", methods=["POST"])
@bp.arguments(RefreshSchema)
@bp.response(200, SignedInSchema)
def refresh(data):
    """Swap a refresh token for a new access and refresh token."""
    return accounts.refresh_session(data["refresh_token"])


@bp.route("/logout", methods=["POST"])
@auth_required()
@bp.response(204)
def logout():
    """Revoke this session's tokens."""
    accounts.log_out(current_session().id)


@bp.route("/accept-invite", methods=["POST"])
@bp.arguments(AcceptInviteSchema)
@bp.response(200, SignedInSchema)
def accept_invite(data):
    """Set the password of an invited shop owner and sign in."""
    return accounts.accept_invite(data["token"], data["password"])
