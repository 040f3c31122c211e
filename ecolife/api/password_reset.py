"""/api/v1/auth/password-reset: a code by SMS or e-mail for a forgotten password, then a new one."""

from collections.abc import Callable

from flask import current_app, g
from flask_limiter.util import get_remote_address

from ecolife.api.auth import _typed_login, shared_limits
from ecolife.api.blueprint import Blueprint
from ecolife.api.fields import StrictSchema, password_field, text
from ecolife.api.schemas import PASSWORD, SignedInSchema
from ecolife.errors import ResetCodeInvalid
from ecolife.extensions import limiter
from ecolife.identity import login_account_key
from ecolife.services import password_reset

bp = Blueprint(
    "password_reset",
    __name__,
    url_prefix="/api/v1/auth/password-reset",
    description="Accounts and tokens",
)


class ResetRequestSchema(StrictSchema):
    login = text(254, required=True)


class ResetConfirmSchema(StrictSchema):
    login = text(254, required=True)
    code = text(12, required=True)
    new_password = password_field(PASSWORD)


def limit_reset_requests(typed_login: Callable[[], str]) -> Callable:
    """Limit the codes asked for, per account and per address; the API and the console's
    page share the counts. Every request counts: each may send a message."""
    limits = (
        ("PASSWORD_RESET_LIMIT_PER_ACCOUNT", lambda: login_account_key(typed_login())),
        ("PASSWORD_RESET_LIMIT_PER_IP", get_remote_address),
    )

    return shared_limits(limits, "password-reset")


def limit_wrong_codes(typed_login: Callable[[], str]) -> Callable:
    """Charge every refused code (and every limited try) to the login typed, known or not, at
    most PASSWORD_RESET_WRONG_CODES_PER_ACCOUNT (a ceiling no new code resets), and to the
    address as failed sign-ins (the same per-address limit). The answer past a limit is the
    same 429 for any login."""
    limits = (("PASSWORD_RESET_WRONG_CODES_PER_ACCOUNT", lambda: login_account_key(typed_login())),)

    def decorate(view: Callable) -> Callable:
        view = shared_limits(limits, "password-reset-confirm", deduct_when=_charged)(view)
        return limiter.shared_limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
            scope="sign-in:LOGIN_LIMIT_PER_IP",
            key_func=get_remote_address,
            deduct_when=_charged,
        )(view)

    return decorate


def _charged(response) -> bool:
    return response.status_code == 429 or g.get("reset_code_refused", False)


def confirm_reset(login: str, code: str, new_password: str):
    """The service's confirm_reset, noting a refusal for the limits (API and console)."""
    try:
        return password_reset.confirm_reset(login, code, new_password)
    except ResetCodeInvalid:
        g.reset_code_refused = True
        raise


@bp.route("", methods=["POST"])
@limit_reset_requests(_typed_login)
@bp.arguments(ResetRequestSchema)
@bp.response(202)
def request_code(data):
    """Send a 6-digit code (valid 15 minutes) to the account's phone or e-mail.

    The answer and the work done are the same whether or not an account has this login: the
    code is made and sent by the worker.
    """
    password_reset.request_reset(data["login"])


@bp.route("/confirm", methods=["POST"])
@limit_wrong_codes(_typed_login)
@bp.arguments(ResetConfirmSchema)
@bp.response(200, SignedInSchema)
def confirm(data):
    """Set a new password with the code sent; every earlier session ends.

    Any refused code is `reset_code_invalid`, whether or not an account has this login.
    """
    return confirm_reset(data["login"], data["code"], data["new_password"])
