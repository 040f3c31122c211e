"""/api/v1/me/password: the signed-in user changes their password."""

from collections.abc import Callable

from flask import Response, current_app
from flask_limiter.util import get_remote_address

from ecolife.api.blueprint import Blueprint
from ecolife.api.schemas import PasswordChangeSchema
from ecolife.api.security import auth_required, bearer_token, current_session
from ecolife.errors import InvalidToken
from ecolife.extensions import limiter
from ecolife.services import accounts

bp = Blueprint("account", __name__, url_prefix="/api/v1", description="The signed-in account")


def limit_wrong_current_passwords(
    user_id: Callable[[], int | None],
    guessed_wrong: Callable[[Response], bool],
    methods: tuple[str, ...] = ("POST",),
) -> Callable:
    """Limit wrong current passwords per account, like failed sign-ins from one place.

    A stolen token or cookie must not become a way to guess the password. The API and the
    consoles share the count.
    """
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
        scope="password-change",
        key_func=lambda: f"user:{user_id() or get_remote_address()}",
        deduct_when=guessed_wrong,
        methods=list(methods),
    )


def token_user_id() -> int | None:
    # Runs before the view's own token check: an unusable token is answered there, not here.
    token = bearer_token()
    try:
        return accounts.read_access_token(token).user_id if token else None
    except InvalidToken:
        return None


def wrong_password_in(field: str) -> Callable[[Response], bool]:
    """Tell whether an answer refused the password typed in `field` (a 422 naming it)."""

    def refused(response: Response) -> bool:
        body = response.get_json(silent=True) if response.status_code == 422 else None
        return isinstance(body, dict) and field in (body.get("errors") or {})

    return refused


@bp.route("/me/password", methods=["POST"])
@limit_wrong_current_passwords(token_user_id, wrong_password_in("current_password"))
@auth_required()
@bp.arguments(PasswordChangeSchema)
@bp.response(204)
def change_password(data):
    """Change the password; every other session and refresh token of the account ends."""
    accounts.change_password(current_session().id, data["current_password"], data["new_password"])
