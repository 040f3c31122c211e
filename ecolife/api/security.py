"""Bearer-token authentication and role rules for API views."""

from collections.abc import Callable
from functools import wraps

from flask import g, request

from ecolife.errors import AuthenticationRequired, PermissionDenied
from ecolife.models import AuthSession, Role, User
from ecolife.services.accounts import authenticate


def bearer_token() -> str | None:
    """Return the bearer token of this request, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def auth_required(*roles: Role) -> Callable:
    """Require a valid access token, and one of `roles` when given."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = bearer_token()
            if token is None:
                raise AuthenticationRequired()
            g.auth_session = authenticate(token)
            if roles and g.auth_session.user.role not in roles:
                raise PermissionDenied()
            return view(*args, **kwargs)

        wrapper._apidoc = {**getattr(view, "_apidoc", {})}  # keep flask-smorest's docs
        wrapper._apidoc.setdefault("manual_doc", {})["security"] = [{"bearer": []}]
        return wrapper

    return decorator


admin_only = auth_required(Role.ADMIN)
staff_only = auth_required(Role.SHOP_STAFF)
resident_only = auth_required(Role.RESIDENT)


def current_user() -> User:
    """Return the signed-in user of this request."""
    return g.auth_session.user


def current_session() -> AuthSession:
    """Return the session of this request's access token."""
    return g.auth_session
