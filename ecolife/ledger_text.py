"""How a ledger entry reads, in the reader's language, from its reason code and parameters."""

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from ecolife.models import LedgerEntry, ReasonCode


def describe(entry: LedgerEntry, locale: str | None = None) -> str:
    """Say why an entry exists, in `locale` (the request's language by default)."""
    locale = locale or str(get_locale())
    with force_locale(locale):
        return _sentence(entry, locale)


def _sentence(entry: LedgerEntry, locale: str) -> str:
    code, params = entry.reason_code, entry.reason_params or {}
    if code == ReasonCode.SCAN:
        return _(
            "%(action)s × %(quantity)s",
            action=_action(entry, locale),
            quantity=params.get("quantity", 1),
        )
    if code == ReasonCode.CARD_SCAN:
        return _(
            "%(action)s × %(quantity)s (member card)",
            action=_action(entry, locale),
            quantity=params.get("quantity", 1),
        )
    if code == ReasonCode.REWARD:
        return _("Reward: %(reward)s", reward=_reward(entry, locale))
    if code == ReasonCode.REDEMPTION_CANCELLED:
        return _("Refund, reward cancelled: %(reward)s", reward=_reward(entry, locale))
    if code == ReasonCode.REDEMPTION_EXPIRED:
        return _("Refund, reward expired: %(reward)s", reward=_reward(entry, locale))
    if code == ReasonCode.ADJUSTMENT:
        return _("Administrator's reason: %(note)s", note=entry.reason)
    return entry.reason


def local_name(item, locale: str) -> str:
    """Pick an item's English name for English readers when it has one, else its Thai name."""
    return item.name_en if locale == "en" and item.name_en else item.name_th


def _action(entry: LedgerEntry, locale: str) -> str:
    if entry.scan is not None:
        return local_name(entry.scan.action, locale)
    return str((entry.reason_params or {}).get("action", ""))


def _reward(entry: LedgerEntry, locale: str) -> str:
    if entry.redemption is not None:
        return local_name(entry.redemption.reward, locale)
    params = entry.reason_params or {}
    return f"#{params.get('reward_id') or params.get('redemption_id', '')}"
