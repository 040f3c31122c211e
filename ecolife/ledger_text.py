"""How a ledger entry reads, in the reader's language, from its reason code and parameters."""

from datetime import date, timedelta

from babel.dates import format_date
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from ecolife.extensions import db
from ecolife.models import Campaign, LedgerEntry, ReasonCode


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
    if code == ReasonCode.CAMPAIGN:
        return _("Campaign bonus: %(campaign)s", campaign=_campaign(entry, locale))
    if code == ReasonCode.POINTS_EXPIRED:
        return _expired(params, locale)
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


def _expired(params: dict, locale: str) -> str:
    # "before" is the first day the points no longer counted: people read the last day.
    try:
        last_day = date.fromisoformat(params["before"]) - timedelta(days=1)
    except (KeyError, TypeError, ValueError):
        return _("Points expired")
    # Thai dates in the Buddhist era, as on every page (ecolife/web/dates.py).
    year = last_day.year + 543 if locale == "th" else last_day.year
    day = f"{last_day.day} {format_date(last_day, 'MMM', locale=locale)} {year}"
    return _("Points not used by %(day)s", day=day)


def _campaign(entry: LedgerEntry, locale: str) -> str:
    campaign = db.session.get(Campaign, entry.campaign_id) if entry.campaign_id else None
    return local_name(campaign, locale) if campaign is not None else ""
