"""Pure earning policy: points, cooldowns, daily caps and code expiry. No I/O here."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ecolife.errors import (
    AccountSuspended,
    CodeCancelled,
    CodeExpired,
    CodeUsed,
    CooldownActive,
    DailyCapReached,
    InsufficientPoints,
    OutOfStock,
    RewardUnavailable,
    ShopInactive,
    ValidationFailed,
)

BANGKOK = ZoneInfo("Asia/Bangkok")


@dataclass(frozen=True)
class Limits:
    """The tunable limits (admins change them in rule_settings)."""

    scan_cooldown_seconds: int = 1800
    daily_scans_per_shop: int = 3
    daily_scans: int = 10
    max_quantity: int = 5
    code_ttl_seconds: int = 600
    redemption_ttl_seconds: int = 900
    # Member-card credits a shop may give in a day, all card holders together: staff credit
    # a card without the holder's phone, so a shop must not be able to pump one.
    card_credits_per_shop_per_day: int = 30
    # Points expire at the end of the Bangkok month this many months after the month they
    # were credited in (points_expiry); None: they never expire.
    points_expire_after_months: int | None = None


@dataclass(frozen=True)
class ScanHistory:
    """What the resident already did: the last scan at this shop and today's counts."""

    last_scan_at_shop: datetime | None
    scans_today_at_shop: int
    scans_today: int


def bangkok_midnight(day: date) -> datetime:
    """Return the moment (aware) a Bangkok calendar day begins."""
    return datetime.combine(day, time(0), tzinfo=BANGKOK)


def bangkok_day_start(now: datetime) -> datetime:
    """Return the moment (aware) the Bangkok calendar day containing `now` began."""
    return bangkok_midnight(now.astimezone(BANGKOK).date())


def bangkok_days(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """Return [start, end) of whole Bangkok days, first to last inclusive."""
    return bangkok_midnight(first_day), bangkok_midnight(last_day + timedelta(days=1))


def seconds_until_next_bangkok_day(now: datetime) -> int:
    """Return whole seconds (at least 1) until the next Bangkok midnight."""
    next_day = bangkok_day_start(now) + timedelta(days=1)
    return max(1, _ceil_seconds(next_day - now))


def scan_points(action_points: int, quantity: int) -> int:
    """Return the points a refusal of `quantity` items earns."""
    return action_points * quantity


def check_quantity(limits: Limits, quantity: int) -> None:
    """Refuse a quantity outside 1..max_quantity."""
    if not 1 <= quantity <= limits.max_quantity:
        raise quantity_refused(limits.max_quantity)


def quantity_refused(max_quantity: int) -> ValidationFailed:
    """The error for a quantity outside 1..max_quantity."""
    return ValidationFailed({"quantity": [f"Give a whole number from 1 to {max_quantity}."]})


def check_scan(
    limits: Limits,
    history: ScanHistory,
    now: datetime,
    *,
    shop_active: bool,
    resident_suspended: bool,
    one_time_code: bool,
) -> None:
    """Raise the first rule that refuses this scan; return quietly when all pass.

    Staff hand out a one-time code in person, so it skips the per-shop cooldown; the daily
    caps still apply to everything.
    """
    check_account(suspended=resident_suspended)
    if not shop_active:
        raise ShopInactive()
    if not one_time_code:
        check_cooldown(limits, history.last_scan_at_shop, now)
    if history.scans_today_at_shop >= limits.daily_scans_per_shop:
        raise DailyCapReached(retry_after=seconds_until_next_bangkok_day(now))
    if history.scans_today >= limits.daily_scans:
        raise DailyCapReached(retry_after=seconds_until_next_bangkok_day(now))


def check_account(*, suspended: bool) -> None:
    """Refuse a suspended resident: no earning, no rewards."""
    if suspended:
        raise AccountSuspended()


def check_cooldown(limits: Limits, last_scan_at: datetime | None, now: datetime) -> None:
    """Refuse a scan at the same shop before the cooldown has passed."""
    if last_scan_at is None:
        return
    ends_at = last_scan_at + timedelta(seconds=limits.scan_cooldown_seconds)
    if now < ends_at:
        seconds = _ceil_seconds(ends_at - now)
        raise CooldownActive(retry_after=seconds, minutes=max(1, -(-seconds // 60)))


def check_code(now: datetime, *, expires_at: datetime, used: bool, cancelled: bool = False) -> None:
    """Refuse a one-time code that was used, cancelled by the shop, or has expired."""
    if used:
        raise CodeUsed()
    if cancelled:
        raise CodeCancelled()
    if now >= expires_at:
        raise CodeExpired()


def code_expiry(limits: Limits, now: datetime) -> datetime:
    """Return when a one-time code issued now stops working."""
    return now + timedelta(seconds=limits.code_ttl_seconds)


def points_expiry(limits: Limits, now: datetime) -> datetime | None:
    """Return when points credited now expire: the end of the Bangkok month that is
    `points_expire_after_months` after this one (the first moment of the month after it),
    or None when points never expire. Points of one month expire together."""
    months = limits.points_expire_after_months
    if months is None:
        return None
    local = now.astimezone(BANGKOK)
    index = local.year * 12 + (local.month - 1) + months + 1
    return bangkok_midnight(date(index // 12, index % 12 + 1, 1))


def reward_available(
    now: datetime,
    *,
    active: bool,
    shop_active: bool,
    active_from: datetime | None,
    active_to: datetime | None,
) -> bool:
    """Say whether a reward can be requested now (stock aside)."""
    return (
        active
        and shop_active
        and (active_from is None or active_from <= now)
        and (active_to is None or now < active_to)
    )


def check_hold(
    *,
    available: bool,
    points: int,
    balance: int,
    held: int,
    per_resident_limit: int | None,
    stock: int | None,
) -> None:
    """Refuse a reward request: unavailable, too few points, the resident's limit, no stock.

    `held` counts the resident's pending and confirmed redemptions of this reward.
    """
    if not available:
        raise RewardUnavailable()
    if balance < points:
        raise InsufficientPoints(needed=points, balance=balance)
    if per_resident_limit is not None and held >= per_resident_limit:
        raise RewardUnavailable()
    if stock is not None and stock <= 0:
        raise OutOfStock()


def redemption_expiry(limits: Limits, now: datetime) -> datetime:
    """Return when points held now go back to the resident if the shop has not confirmed."""
    return now + timedelta(seconds=limits.redemption_ttl_seconds)


def overdue(status: str, expires_at: datetime, now: datetime) -> bool:
    """Say whether a redemption is still pending past its time (it reads as expired)."""
    return status == "pending" and now >= expires_at


def _ceil_seconds(delta: timedelta) -> int:
    whole = int(delta.total_seconds())
    return whole + (1 if delta > timedelta(seconds=whole) else 0)
