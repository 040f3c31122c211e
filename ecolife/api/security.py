"""Bearer-token authentication and role rules for API views."""

from collections.abc import Callable
from functools import wraps

from flask import g, request

from ecolife.errors import AuthenticationRequired, PermissionDenied
from ecolife.models import AuthSession, Role, User
from ecolife.services.accounts import TokenClaims, live_session, read_access_token
from ecolife.services.scope import AdminScope, scope_of


def bearer_token() -> str | None:
    """Return the bearer token of this request, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def auth_required(
    *roles: Role, check_session: bool = True, province_wide: bool = False
) -> Callable:
    """Require a valid access token, and one of `roles` when given; with `province_wide`,
    an admin scoped to one area is refused too (programme-wide rules, adding admins).

    With `check_session=False` only the token's signature, expiry and role claim are checked
    here (no database); the view must hand `token_claims()` to a service that checks the
    session in its own statement (the scan and the redemption request read it with the
    resident's row).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = bearer_token()
            if token is None:
                raise AuthenticationRequired()
            g.token_claims = claims = read_access_token(token)
            if check_session:
                g.auth_session = live_session(claims)
                role = g.auth_session.user.role
            else:
                role = claims.role
            if roles and role not in roles:
                raise PermissionDenied()
            if province_wide:
                scope_of(g.auth_session.user).require_province_wide()
            return view(*args, **kwargs)

        wrapper._apidoc = {**getattr(view, "_apidoc", {})}  # keep flask-smorest's docs
        wrapper._apidoc.setdefault("manual_doc", {})["security"] = [{"bearer": []}]
        return wrapper

    return decorator


admin_only = auth_required(Role.ADMIN)
# Programme-wide work: the actions, the limits, the admins themselves.
province_admin_only = auth_required(Role.ADMIN, province_wide=True)
staff_only = auth_required(Role.SHOP_STAFF)
resident_only = auth_required(Role.RESIDENT)
# The session is checked by the view's service, in the same statement as its work.
resident_token = auth_required(Role.RESIDENT, check_session=False)


def current_user() -> User:
    """Return the signed-in user of this request."""
    return g.auth_session.user


def current_scope() -> AdminScope:
    """Return what the signed-in admin may see: the whole programme or their area."""
    return scope_of(current_user())


def current_session() -> AuthSession:
    """Return the session of this request's access token."""
    return g.auth_session


def token_claims() -> TokenClaims:
    """Return what this request's verified access token says."""
    return g.token_claims
