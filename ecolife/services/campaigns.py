"""Campaigns: admins create and end them; residents see the ones near them; residents of a
campaign's area are told when it starts. A scan's bonus is services/campaign_bonus.py."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    any_,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)

from ecolife import clock
from ecolife.errors import NotFound, ValidationFailed
from ecolife.extensions import db
from ecolife.models import (
    Action,
    Area,
    AreaLevel,
    Campaign,
    NotificationKind,
    Role,
    Scan,
    Shop,
    User,
)
from ecolife.services.notifications import notify_many
from ecolife.services.scope import PROVINCE_WIDE, AdminScope

# Campaigns starting this soon show in the app beside the running ones.
UPCOMING_DAYS = 7
# Residents told of a campaign's start per INSERT … SELECT (by id range).
ANNOUNCE_BATCH = 5000
# The first key of the advisory lock a campaign's announcement holds (the second: its id).
ANNOUNCE_LOCK = 1602


def status(campaign: Campaign, now: datetime) -> str:
    """Say whether a campaign is upcoming, active or ended at `now`."""
    if now < campaign.starts_at:
        return "upcoming"
    return "active" if now < campaign.ends_at else "ended"


def create_campaign(data: dict, *, actor_id: int, scope: AdminScope = PROVINCE_WIDE) -> Campaign:
    """Create a campaign inside the admin's area (a scoped admin's campaign is limited to it
    when it names no area)."""
    campaign = Campaign(
        name_th=data["name_th"],
        name_en=data.get("name_en") or None,
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        multiplier=data.get("multiplier"),
        bonus_points=data.get("bonus_points"),
        action_codes=_actions(data.get("action_codes")),
        area_codes=_areas(data.get("area_codes"), scope),
        shop_ids=_shops(data.get("shop_ids"), scope),
        budget_points=data.get("budget_points"),
        owner_area_code=scope.area_code,
        created_by_id=actor_id,
        created_at=clock.now(),
    )
    if campaign.ends_at <= clock.now():
        raise ValidationFailed({"ends_at": ["The campaign would already be over."]})
    db.session.add(campaign)
    db.session.commit()
    return campaign


def list_campaigns(scope: AdminScope = PROVINCE_WIDE) -> list[Campaign]:
    """List the campaigns an admin manages (a scoped admin: those of their area), running
    and upcoming first, then the ended ones, newest first."""
    ended = Campaign.ends_at <= clock.now()
    stmt = select(Campaign).where(_owned(scope)).order_by(ended, Campaign.starts_at.desc())
    return list(db.session.scalars(stmt.limit(500)))


def get_campaign(campaign_id: int, scope: AdminScope = PROVINCE_WIDE) -> Campaign:
    """Return a campaign the admin manages; another area's answers NotFound."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id, _owned(scope)))
    if campaign is None:
        raise NotFound()
    return campaign


def end_campaign(campaign_id: int, scope: AdminScope = PROVINCE_WIDE) -> Campaign:
    """End a campaign now (one not started yet ends before it starts: it never runs)."""
    campaign = get_campaign(campaign_id, scope)
    now = clock.now()
    if campaign.ends_at > now:
        if campaign.starts_at >= now:  # ends_at > starts_at: a microsecond in the past
            campaign.starts_at = now - timedelta(microseconds=1)
        campaign.ends_at = now
    db.session.commit()
    return campaign


def _owned(scope: AdminScope) -> ColumnElement[bool]:
    if scope.province_wide:
        return Campaign.id.is_not(None)
    return Campaign.owner_area_code.startswith(scope.area_code, autoescape=True)


def _actions(codes: list[str] | None) -> list[str] | None:
    if not codes:
        return None
    known = set(db.session.scalars(select(Action.code).where(Action.code.in_(codes))))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise ValidationFailed({"action_codes": [f"Unknown action: {', '.join(unknown)}."]})
    return sorted(set(codes))


def _areas(codes: list[str] | None, scope: AdminScope) -> list[str] | None:
    if not codes:
        return None if scope.province_wide else [scope.area_code]
    levels = (AreaLevel.AMPHOE, AreaLevel.TAMBON)
    known = set(
        db.session.scalars(select(Area.code).where(Area.code.in_(codes), Area.level.in_(levels)))
    )
    wrong = sorted(code for code in set(codes) if code not in known or not scope.covers(code))
    if wrong:
        message = f"Give districts or sub-districts inside your area: {', '.join(wrong)}."
        raise ValidationFailed({"area_codes": [message]})
    return sorted(set(codes))


def _shops(ids: list[int] | None, scope: AdminScope) -> list[int] | None:
    if not ids:
        return None
    shops = db.session.scalars(select(Shop).where(Shop.id.in_(ids)))
    inside = {shop.id for shop in shops if scope.covers_shop(shop)}
    wrong = sorted(set(ids) - inside)
    if wrong:
        message = f"Unknown shop, or outside your area: {', '.join(map(str, wrong))}."
        raise ValidationFailed({"shop_ids": [message]})
    return sorted(set(ids))


def near_resident(user_id: int, *, upcoming: bool = False) -> list[Campaign]:
    """List the campaigns running now (with `upcoming`, also those starting within
    UPCOMING_DAYS) that concern a resident: province-wide ones (no area, no shop), those
    whose areas hold the resident's home sub-district, and those whose areas or shops hold
    a shop they have scanned at."""
    now = clock.now()
    starts_by = now + timedelta(days=UPCOMING_DAYS) if upcoming else now
    user = db.session.get(User, user_id)
    home = user.home_tambon_code if user is not None else None
    their_shops = select(Scan.shop_id).where(Scan.user_id == user_id).distinct()
    shop_area = func.coalesce(Shop.tambon_code, Shop.district_code)
    scanned_inside = exists(
        select(Shop.id).where(Shop.id.in_(their_shops), _area_matches(shop_area))
    )
    scanned_listed = exists(
        select(Scan.id).where(Scan.user_id == user_id, Scan.shop_id == any_(Campaign.shop_ids))
    )
    near = [
        and_(Campaign.area_codes.is_(None), Campaign.shop_ids.is_(None)),
        and_(Campaign.area_codes.is_not(None), scanned_inside),
        and_(Campaign.shop_ids.is_not(None), scanned_listed),
    ]
    if home is not None:
        near.append(_area_matches(literal(home, String)))
    stmt = (
        select(Campaign)
        .where(
            Campaign.ends_at > now,
            Campaign.starts_at <= starts_by,
            or_(*near),
        )
        .order_by(Campaign.starts_at > now, Campaign.ends_at, Campaign.id)
    )
    return list(db.session.scalars(stmt.limit(50)))


def _area_matches(area_code) -> ColumnElement[bool]:
    """A campaign's areas hold `area_code` (a sub-district's or a district's code)."""
    return or_(
        area_code == any_(Campaign.area_codes), func.left(area_code, 4) == any_(Campaign.area_codes)
    )


@dataclass(frozen=True)
class Named:
    """Names of what campaigns refer to, for showing them: areas, shops and actions."""

    areas: dict[str, Area]
    shops: dict[int, Shop]
    actions: dict[str, Action]


def names_for(campaigns: list[Campaign]) -> Named:
    """Load the areas, shops and actions the campaigns name (three queries in all)."""
    areas = {code for c in campaigns for code in c.area_codes or ()}
    shops = {shop_id for c in campaigns for shop_id in c.shop_ids or ()}
    actions = {code for c in campaigns for code in c.action_codes or ()}
    return Named(
        {a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(areas)))},
        {s.id: s for s in db.session.scalars(select(Shop).where(Shop.id.in_(shops)))},
        {a.code: a for a in db.session.scalars(select(Action).where(Action.code.in_(actions)))},
    )


def announce_started() -> int:
    """Tell the residents of each campaign that started and was not announced yet (ended
    ones are only marked); return how many campaigns were announced. Each campaign is
    marked in the same transaction as its notifications."""
    now = clock.now()
    due = select(Campaign.id).where(Campaign.starts_at <= now, Campaign.announced_at.is_(None))
    campaign_ids = list(db.session.scalars(due.order_by(Campaign.id)))
    db.session.rollback()
    return sum(_announce(campaign_id, now) for campaign_id in campaign_ids)


def _announce(campaign_id: int, now: datetime) -> int:
    # An advisory lock, not the campaign's row lock: telling a province takes a while, and
    # scans lock that row to take their bonus from the budget.
    locked = db.session.scalar(select(func.pg_try_advisory_xact_lock(ANNOUNCE_LOCK, campaign_id)))
    campaign = db.session.scalar(
        select(Campaign)
        .where(Campaign.id == campaign_id, Campaign.announced_at.is_(None))
        .execution_options(populate_existing=True)
    )
    if not locked or campaign is None:  # another run has it, or has done it
        db.session.rollback()
        return 0
    running = campaign.ends_at > now
    if running:
        _tell_residents(campaign)
        notify_many(
            _staff_and_creator(campaign),
            NotificationKind.CAMPAIGN_STARTED,
            {"campaign_id": campaign.id},
            dedupe_key=str(campaign.id),
        )
    db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(announced_at=now))
    db.session.commit()
    return int(running)


def _tell_residents(campaign: Campaign) -> None:
    last_id = db.session.scalar(select(func.max(User.id))) or 0
    for first in range(0, last_id + 1, ANNOUNCE_BATCH):
        batch = User.id.between(first, first + ANNOUNCE_BATCH - 1)
        notify_many(
            _audience(campaign).where(batch),
            NotificationKind.CAMPAIGN_STARTED,
            {"campaign_id": campaign.id},
            dedupe_key=str(campaign.id),
        )


def _audience(campaign: Campaign) -> Select:
    """The residents a campaign concerns: living in its areas; for shops alone, those who
    scanned at them; everyone for a province-wide one. Never erased or suspended."""
    stmt = select(User.id).where(
        User.role == Role.RESIDENT, User.erased_at.is_(None), User.suspended_at.is_(None)
    )
    if campaign.area_codes:
        home = User.home_tambon_code
        return stmt.where(
            or_(home.in_(campaign.area_codes), func.left(home, 4).in_(campaign.area_codes))
        )
    if campaign.shop_ids:
        scanned = select(Scan.id).where(
            Scan.user_id == User.id, Scan.shop_id.in_(campaign.shop_ids)
        )
        return stmt.where(exists(scanned))
    return stmt


def _staff_and_creator(campaign: Campaign) -> Select:
    """The staff who will see a campaign's bonus at their counter, and the admin who made
    it. Staff only of the shops it names or of its areas' active shops: a province-wide
    campaign tells no shop (it would be every shop's staff, hundreds of e-mails)."""
    creator = select(User.id).where(User.id == campaign.created_by_id, User.erased_at.is_(None))
    if not campaign.area_codes and not campaign.shop_ids:
        return creator
    shops = select(Shop.id).where(Shop.active.is_(True))
    if campaign.shop_ids:
        shops = shops.where(Shop.id.in_(campaign.shop_ids))
    if campaign.area_codes:
        area = func.coalesce(Shop.tambon_code, Shop.district_code)
        codes = campaign.area_codes
        shops = shops.where(or_(area.in_(codes), func.left(area, 4).in_(codes)))
    staff = select(User.id).where(
        User.role == Role.SHOP_STAFF,
        User.shop_id.in_(shops),
        User.erased_at.is_(None),
        User.suspended_at.is_(None),
    )
    return staff.union(creator)
