"""/api/v1/auth: register, log in, refresh, log out, accept an owner invite."""

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

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


def _failed(response) -> bool:
    return response.status_code == 401


def limit_failed_sign_ins(typed_login: Callable[[], str]) -> Callable:
    """Limit failed sign-ins per account and address, per account, and per address.

    Guessing from one address stops soon; the owner, elsewhere, still gets in below the much
    higher per-account ceiling. The API and the consoles share the counts (shared scopes), so
    neither is a way round the other.
    """

    def account() -> str:
        return login_account_key(typed_login())

    limits = (
        # The address first: it holds no "/", so no account and address pair reads as another.
        ("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", lambda: f"{get_remote_address()}/{account()}"),
        ("LOGIN_LIMIT_PER_ACCOUNT", account),
        ("LOGIN_LIMIT_PER_IP", get_remote_address),
    )

    return shared_limits(limits, "sign-in", deduct_when=_failed)


def shared_limits(limits, scope: str, **options) -> Callable:
    """Decorate a view with one limit per (setting, key function), each counted under
    `scope:setting`, so every view decorated alike shares the counts."""

    def decorate(view: Callable) -> Callable:
        for setting, key in limits:
            view = limiter.shared_limit(
                lambda setting=setting: current_app.config[setting],
                scope=f"{scope}:{setting}",
                key_func=key,
                **options,
            )(view)
        return view

    return decorate


def _typed_login() -> str:
    body = request.get_json(silent=True)
    raw = body.get("login") if isinstance(body, dict) else None
    return raw if isinstance(raw, str) else str(raw)


@bp.route("/register", methods=["POST"])
@bp.arguments(RegisterSchema)
@bp.response(201, SignedInSchema)
def register(data):
    """Create a resident account (phone or email) and sign in."""
    return accounts.register_resident(**data)


@bp.route("/login", methods=["POST"])
@limit_failed_sign_ins(_typed_login)
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
