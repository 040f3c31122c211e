"""Pure earning policy: points, cooldowns, daily caps and code expiry. No I/O here."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
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


@dataclass(frozen=True)
class CampaignTerms:
    """What a campaign gives and where, as the scan's read found it (see best_campaign)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal | None
    bonus_points: int | None
    # None: any action, area or shop.
    action_codes: tuple[str, ...] | None = None
    area_codes: tuple[str, ...] | None = None
    shop_ids: tuple[int, ...] | None = None
    # None: no budget; else the bonus points it may still give.
    budget_left: int | None = None


@dataclass(frozen=True)
class CampaignScan:
    """The credited scan a campaign may add to: when, which action, which shop and where."""

    now: datetime
    points: int
    action_code: str
    shop_id: int
    # The shop's sub-district code (its district's while it has none).
    shop_area_code: str | None


def campaign_bonus(points: int, multiplier: Decimal | None, bonus_points: int | None) -> int:
    """Return a campaign's bonus on a scan worth `points`: the points times the multiplier
    less the points themselves (rounded down), plus the fixed bonus."""
    extra = 0
    if multiplier is not None:
        extra = int((points * (Decimal(multiplier) - 1)).to_integral_value(ROUND_FLOOR))
    return extra + (bonus_points or 0)


def campaign_applies(terms: CampaignTerms, scan: CampaignScan) -> bool:
    """Say whether a campaign is running now for this action at this shop, budget left."""
    area = scan.shop_area_code or ""
    return (
        terms.starts_at <= scan.now < terms.ends_at
        and (terms.action_codes is None or scan.action_code in terms.action_codes)
        and (terms.shop_ids is None or scan.shop_id in terms.shop_ids)
        and (terms.area_codes is None or any(area.startswith(c) for c in terms.area_codes))
        and (terms.budget_left is None or terms.budget_left > 0)
    )


def campaign_gives(terms: CampaignTerms, points: int) -> int:
    """Return the bonus a campaign gives on `points`, within what is left of its budget."""
    bonus = campaign_bonus(points, terms.multiplier, terms.bonus_points)
    return bonus if terms.budget_left is None else min(bonus, terms.budget_left)


def best_campaign(
    candidates: list[CampaignTerms], scan: CampaignScan
) -> tuple[CampaignTerms, int] | None:
    """Pick the one campaign a scan gets, with its bonus: of those that apply, the one
    giving the largest bonus (within its budget left); on a tie, the one ending first,
    then the older one. None when none applies or gives a point."""
    ranked = sorted(
        (
            (-campaign_gives(terms, scan.points), terms.ends_at, terms.id, terms)
            for terms in candidates
            if campaign_applies(terms, scan)
        ),
        key=lambda item: item[:3],
    )
    if not ranked or ranked[0][0] >= 0:
        return None
    return ranked[0][3], -ranked[0][0]


# Quiet hours: no notification reaches a phone between 21:00 and 07:00 Bangkok time.
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(7, 0)


def quiet_hours_end(now: datetime) -> datetime | None:
    """When a notification made at `now` may go out: 07:00 Bangkok if `now` falls in the quiet
    hours (21:00-07:00), else None (at once)."""
    local = now.astimezone(BANGKOK)
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, tzinfo=BANGKOK)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), QUIET_UNTIL, tzinfo=BANGKOK)
    return None
