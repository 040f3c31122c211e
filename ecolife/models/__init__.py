"""SQLAlchemy models, one module per aggregate."""

from ecolife.models.auth import AuthSession, Invite, RefreshToken
from ecolife.models.shop import District, Shop
from ecolife.models.user import Role, User
from ecolife.orm import utcnow

__all__ = ["AuthSession", "District", "Invite", "RefreshToken", "Role", "Shop", "User", "utcnow"]
