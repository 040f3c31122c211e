"""Domain errors with stable codes; no Flask imports (ecolife.api.problems maps them to HTTP)."""

from typing import Any


class DomainError(Exception):
    """A refusal the client can act on; `code` is part of the public contract."""

    code = "domain_error"

    def __init__(self, **params: Any) -> None:
        super().__init__(self.code)
        self.params = params


class ValidationFailed(DomainError):
    code = "validation_error"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__()
        self.errors = errors


class NotFound(DomainError):
    code = "not_found"


class AuthenticationRequired(DomainError):
    code = "authentication_required"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"


class InvalidToken(DomainError):
    code = "invalid_token"


class PermissionDenied(DomainError):
    code = "forbidden"


class AccountExists(DomainError):
    code = "account_exists"


class AccountSuspended(DomainError):
    code = "account_suspended"


class InviteInvalid(DomainError):
    code = "invite_invalid"


class UnknownCode(DomainError):
    code = "unknown_code"


class CodeExpired(DomainError):
    code = "code_expired"


class CodeUsed(DomainError):
    code = "code_used"


class CodeCancelled(DomainError):
    code = "code_cancelled"


class ShopInactive(DomainError):
    code = "shop_inactive"


class CooldownActive(DomainError):
    code = "cooldown_active"


class DailyCapReached(DomainError):
    code = "daily_cap_reached"


class IdempotencyKeyRequired(DomainError):
    code = "idempotency_key_required"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


def error_for_code(code: str) -> type[DomainError]:
    """Find the domain error class with this stable code (to replay a stored refusal)."""
    stack = [DomainError]
    while stack:
        cls = stack.pop()
        if cls.code == code:
            return cls
        stack.extend(cls.__subclasses__())
    raise LookupError(code)


class InsufficientPoints(DomainError):
    code = "insufficient_points"


class OutOfStock(DomainError):
    code = "out_of_stock"


class RewardUnavailable(DomainError):
    code = "reward_unavailable"


class NotPending(DomainError):
    code = "not_pending"


class InvalidImage(DomainError):
    code = "invalid_image"


class ImageTooLarge(DomainError):
    """An image whose pixel size is beyond a reward picture's budget (params: megapixels)."""

    code = "image_too_large"


class TargetNotReached(DomainError):
    """A declaration for an area whose participation has not reached its target (params: area)."""

    code = "target_not_reached"


class DeclarationExists(DomainError):
    """The same declaration (area, village, title and date) is already recorded (params: id)."""

    code = "declaration_exists"


class CardPinNotSet(DomainError):
    """The card holder has not chosen a PIN yet (member card)."""

    code = "card_pin_not_set"


class CardPinLocked(DomainError):
    """Five wrong PINs in a row: the card's PIN is refused for a day, or until a new one is
    set (params: locked_until, ISO 8601; until, Bangkok time for people)."""

    code = "card_pin_locked"


class UnknownCard(DomainError):
    """No resident holds this member card (a typo, a replaced card, an erased account)."""

    code = "unknown_card"


class NoCard(DomainError):
    """The resident holds no member card (yet): POST /me/card/rotate makes one."""

    code = "no_card"


class CardHolderUsesApp(DomainError):
    """An admin may not change the PIN or card of a resident who signs in to the app: they
    change their own there."""

    code = "card_holder_uses_app"


class WrongPin(DomainError):
    """The card holder's PIN was wrong (params: tries_left before the PIN locks)."""

    code = "wrong_pin"


class PinTriesExceeded(DomainError):
    """The staff member, or their shop, made today's wrong member-card PIN tries (params:
    retry_after, minutes)."""

    code = "pin_tries_exceeded"


class CardCreditLimitReached(DomainError):
    """The shop gave today's member-card credits (params: retry_after, limit)."""

    code = "card_credit_limit_reached"


class ResetCodeInvalid(DomainError):
    """A password-reset code refused: wrong, expired, replaced, used, typed wrong too often, or
    for a login with no account. One answer for all, so it tells no one which accounts exist."""

    code = "reset_code_invalid"


class PrivacyNoticeOutdated(DomainError):
    """A consent to a privacy notice version that is not the one in force (params: version,
    the one in force)."""

    code = "privacy_notice_outdated"
