"""Earning points: a resident scans a shop's poster or a one-time counter code.

A poster scan is two statements, each its own transaction: read the session, the resident's
row and its version, the key, code, shop, action, limits and history (one SELECT, no lock);
decide with the pure rules; write the scan, its ledger entry, the impact and the key's
outcome (one statement), guarded by the version of the resident's row. Every credit changes
that row, so if anything the rules read about the resident changed in between, the write
changes nothing and the scan starts again on a fresh read (database.retry_conflicts). A
counter code's claim and the write share a transaction.
"""

import re
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

import psycopg
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ecolife import clock, metrics, rules
from ecolife.database import StaleRead, prebuilt, retry_conflicts
from ecolife.errors import (
    CardCreditLimitReached,
    CodeCancelled,
    CodeExpired,
    CodeUsed,
    DomainError,
    InvalidToken,
    NotFound,
    ShopInactive,
    UnknownCard,
    UnknownCode,
    ValidationFailed,
)
from ecolife.extensions import db
from ecolife.links import qr_link
from ecolife.models import (
    Action,
    Campaign,
    CardCreditDay,
    EarningCode,
    EntryKind,
    IdempotencyKey,
    Impact,
    LedgerEntry,
    ReasonCode,
    RuleSettings,
    Scan,
    Shop,
    User,
)
from ecolife.qr import qr_png
from ecolife.security import random_code, random_token
from ecolife.services import campaign_bonus, idempotency
from ecolife.services.accounts import TokenClaims
from ecolife.services.actions import find_action
from ecolife.services.campaign_bonus import BonusFor, CampaignRef, Offer
from ecolife.services.ledger import ROW_VERSION, account_change, posting
from ecolife.services.settings import LIMIT_NAMES, current_limits, limits_from
from ecolife.services.unit import value, values

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
DEFAULT_ACTION = "bag"
# A counter code's short form, typed instead of scanning (see counter_codes.token_for).
SHORT_CODE_LENGTH = 8
SHORT_CODE_CONSTRAINT = "uq_earning_codes_short_code"
SHORT_CODE_TRIES = 5


@dataclass(frozen=True)
class ShopRef:
    id: int
    name: str
    name_en: str | None


@dataclass(frozen=True)
class ActionRef:
    code: str


@dataclass(frozen=True)
class CreditedScan:
    """A credited scan as the resident's app is told about it (first time or replayed)."""

    id: int
    shop: ShopRef
    action: ActionRef
    quantity: int
    points: int
    code_id: int | None
    created_at: datetime
    # The staff member who credited it with the resident's member card, if so.
    card_staff_id: int | None = None
    # The campaign whose bonus `points` includes, if any.
    campaign: CampaignRef | None = None


@dataclass(frozen=True)
class ScanResult:
    scan: CreditedScan
    balance: int


@dataclass(frozen=True)
class CodePreview:
    shop: Shop
    one_time: EarningCode | None

    @property
    def kind(self) -> str:
        return "one_time" if self.one_time else "shop"


def preview_code(text: str) -> CodePreview:
    """Say what a scanned code is before crediting it: a shop's poster, or a counter code
    with its action and quantity. Refuses what a scan would refuse for the code itself."""
    shop, one_time = _resolve(text)
    if not shop.active:
        raise ShopInactive()
    if one_time is not None:
        rules.check_code(
            clock.now(),
            expires_at=one_time.expires_at,
            used=one_time.used_at is not None,
            cancelled=one_time.cancelled_at is not None,
        )
    return CodePreview(shop, one_time)


def earn_for_scan(
    claims: TokenClaims,
    *,
    key: str,
    code: str,
    action: str | None = None,
    quantity: int | None = None,
) -> ScanResult:
    """Credit a refusal once per Idempotency-Key, if every rule passes; else remember why not.

    `claims` come from a verified access token; the session behind them is checked here.
    """
    now = clock.now()
    digest = idempotency.fingerprint("scan", code=code, action=action, quantity=quantity)
    params = {
        "user_id": claims.user_id,
        "session_id": claims.session_id,
        "token": scanned_token(code),
        "action": action or DEFAULT_ACTION,
        "key": key,
        "day_start": rules.bangkok_day_start(now),
        "now": now,
    }
    return retry_conflicts(
        lambda conn: _earn(conn, params, digest, quantity, now),
        key_constraint=idempotency.KEY_CONSTRAINT,
    )


@dataclass(frozen=True)
class CounterCredit:
    """Staff crediting a member card holder at their own shop's counter."""

    shop_id: int
    staff_id: int


def earn_at_counter(
    holder_id: int,
    counter: CounterCredit,
    *,
    key: str,
    action: str | None = None,
    quantity: int | None = None,
) -> ScanResult:
    """Credit a member card holder at the counter's shop, once per `key` (the caller keeps
    it apart from the holder's own keys): a poster scan's read, rules and write, and the
    shop's daily count of card credits raised with the write, within its limit."""
    now = clock.now()
    digest = idempotency.fingerprint("card_scan", action=action, quantity=quantity)
    params = {
        "user_id": holder_id,
        "shop_id": counter.shop_id,
        "token": None,
        "action": action or DEFAULT_ACTION,
        "key": key,
        "day_start": rules.bangkok_day_start(now),
        "now": now,
    }
    return retry_conflicts(
        lambda conn: _earn(conn, params, digest, quantity, now, counter),
        key_constraint=idempotency.KEY_CONSTRAINT,
    )


def _earn(
    conn: psycopg.Connection,
    params: dict,
    digest: str,
    quantity: int | None,
    now: datetime,
    counter: CounterCredit | None = None,
) -> ScanResult:
    user_id, key = params["user_id"], params["key"]
    read = SCAN_READ if counter is None else CARD_READ
    missing = InvalidToken if counter is None else UnknownCard
    [found] = idempotency.read_resident(params, read, conn=conn, missing=missing)
    if idempotency.seen_before(found, digest):
        return _replay(conn, found.key_scan_id)
    try:
        plan = _decide(found, quantity, now)
        if plan.code_id is None and counter is None and plan.campaign is None:
            result = _record(conn, plan, found.row_version, user_id, key, digest, now)
        else:
            with conn.transaction():
                if plan.code_id is not None:
                    _claim(conn, plan.code_id, user_id, now)
                if counter is not None:
                    plan = replace(plan, card_staff_id=counter.staff_id)
                result = _record(conn, plan, found.row_version, user_id, key, digest, now)
                if counter is not None:
                    # Counted after the write (same transaction, undone with it when the
                    # limit refuses): the shop's count row is not held while this waits
                    # for the holder's row.
                    _count_card_credit(conn, counter.shop_id, found, now)
                if plan.campaign is not None:
                    result = _add_bonus(conn, plan, result, user_id)
    except ValidationFailed as refusal:
        metrics.scan_refused(refusal)
        raise
    except DomainError as refusal:
        with conn.transaction():
            if found.code_id is not None:  # the counter screen shows why its code was refused
                params = values(code_id=found.code_id, now=now, code=refusal.code)
                prebuilt((CODE_REFUSED, params), conn=conn)
            idempotency.remember_refusal(user_id, key, digest, now, refusal, conn=conn)
        metrics.scan_refused(refusal)
        raise
    metrics.SCANS_CREDITED.inc()
    return result


def scanned_token(text: str) -> str | None:
    """Read the token from what a camera saw: `{PUBLIC_BASE_URL}/q/{token}` or the bare token."""
    text = text.strip()
    if "/" in text:
        try:
            parts = urlsplit(text).path.rstrip("/").split("/")
        except ValueError:  # e.g. "http://[/q/x": no URL of ours
            return None
        if len(parts) < 2 or parts[-2] != "q":
            return None
        text = parts[-1]
    return text if TOKEN.fullmatch(text) else None


def issue_code(staff: User, action_code: str, quantity: int = 1) -> EarningCode:
    """Make a single-use code for the staff member's shop that expires in minutes."""
    limits = current_limits()
    action = _action(action_code)
    rules.check_quantity(limits, quantity)
    shop = db.session.get(Shop, staff.shop_id)
    if shop is None or not shop.active:
        raise ShopInactive()
    now = clock.now()
    for _attempt in range(SHORT_CODE_TRIES):
        earning_code = EarningCode(
            token=random_token(16),
            short_code=random_code(SHORT_CODE_LENGTH),
            shop_id=shop.id,
            action=action,
            quantity=quantity,
            created_by_id=staff.id,
            created_at=now,
            expires_at=rules.code_expiry(limits, now),
        )
        db.session.add(earning_code)
        try:
            db.session.commit()
            return earning_code
        except IntegrityError as error:
            db.session.rollback()
            if SHORT_CODE_CONSTRAINT not in str(error.orig):
                raise
            # Another code has this short code (25^8 of them): draw again.
    raise RuntimeError("could not draw a free short code")


def code_qr_png(shop_id: int, code_id: int) -> bytes:
    """Render one of the shop's one-time codes as a QR, large enough to scan off a screen."""
    return qr_png(qr_link(get_code(shop_id, code_id).token), box_size=12)


def get_code(shop_id: int, code_id: int) -> EarningCode:
    """Return one of the shop's one-time codes; another shop's answers NotFound."""
    earning_code = db.session.get(EarningCode, code_id)
    if earning_code is None or earning_code.shop_id != shop_id:
        raise NotFound()
    return earning_code


@dataclass(frozen=True)
class _Plan:
    """What a scan that passed every rule writes."""

    shop: ShopRef
    action_id: int
    action_code: str
    quantity: int
    points: int
    milligrams: int
    code_id: int | None
    # When the credit's points expire (None: never).
    expires_at: datetime | None
    card_staff_id: int | None = None
    # The campaign that adds to it, if one applies (campaign_bonus.best_offer).
    campaign: Offer | None = None


# One read, one snapshot (see retry_conflicts): the resident's row and its version (the
# write is guarded by it); the session; the key; the poster's shop, or the one-time code and
# its shop; the action (the code's, or the one named); the limits; the last scan at this shop
# and today's counts.
_CodeShop = aliased(Shop)
_by_token = bindparam("token", type_=String)
_shop_id = func.coalesce(Shop.id, EarningCode.shop_id)
_mine = Scan.user_id == User.id
_today = Scan.created_at >= bindparam("day_start", type_=Scan.created_at.type)
# The shop's sub-district (its district while it has none), where campaigns look.
_shop_area = func.coalesce(
    Shop.tambon_code, Shop.district_code, _CodeShop.tambon_code, _CodeShop.district_code
)
_READ_COLUMNS = (
    ROW_VERSION,
    Shop.id.label("shop_id"),
    EarningCode.id.label("code_id"),
    EarningCode.shop_id.label("code_shop_id"),
    EarningCode.quantity.label("code_quantity"),
    EarningCode.expires_at.label("code_expires_at"),
    EarningCode.used_at.label("code_used_at"),
    EarningCode.cancelled_at.label("code_cancelled_at"),
    func.coalesce(Shop.name, _CodeShop.name).label("shop_name"),
    func.coalesce(Shop.name_en, _CodeShop.name_en).label("shop_name_en"),
    func.coalesce(Shop.active, _CodeShop.active).label("shop_active"),
    Action.id.label("action_id"),
    Action.code.label("action_code"),
    Action.points.label("action_points"),
    Action.milligrams.label("action_milligrams"),
    Action.active.label("action_active"),
    *(getattr(RuleSettings, name).label(f"limit_{name}") for name in LIMIT_NAMES),
    # The latest scan here, read from the end of the index: history length is no cost.
    select(Scan.created_at)
    .where(_mine, Scan.shop_id == _shop_id)
    .order_by(Scan.created_at.desc())
    .limit(1)
    .scalar_subquery()
    .label("last_scan_at_shop"),
    select(func.count())
    .where(_mine, Scan.shop_id == _shop_id, _today)
    .scalar_subquery()
    .label("today_at_shop"),
    select(func.count()).where(_mine, _today).scalar_subquery().label("today"),
    _shop_area.label("shop_area_code"),
    # The campaigns that may add a bonus (NULL, at next to no cost, when none runs).
    campaign_bonus.candidates().label("campaigns"),
)


def _scan_read(start: Select, shop_on: ColumnElement) -> Select:
    """The scan's read from `start` (the resident's row and what vouches for it), with
    the shop joined on `shop_on`."""
    return idempotency.with_key(
        start.add_columns(*_READ_COLUMNS)
        .outerjoin(Shop, shop_on)
        .outerjoin(EarningCode, and_(Shop.id.is_(None), EarningCode.token == _by_token))
        .outerjoin(_CodeShop, _CodeShop.id == EarningCode.shop_id)
        .outerjoin(
            Action,
            or_(
                Action.id == EarningCode.action_id,
                and_(EarningCode.id.is_(None), Action.code == bindparam("action", type_=String)),
            ),
        )
        .outerjoin(RuleSettings, RuleSettings.id == 1)
    )


SCAN_READ = _scan_read(idempotency.resident_read(), Shop.qr_token == _by_token)
# A member card holder at the counter: staff credit them at the staff's own shop.
CARD_READ = _scan_read(idempotency.holder_read(), Shop.id == bindparam("shop_id"))


def _decide(found: Row, quantity: int | None, now: datetime) -> _Plan:
    """Apply the rules, in the order a resident should hear about them."""
    limits = limits_from(found, prefix="limit_")
    rules.check_account(suspended=found.suspended_at is not None)
    if found.shop_name is None:
        raise UnknownCode()
    one_time = found.code_id is not None
    if one_time:
        rules.check_code(
            now,
            expires_at=found.code_expires_at,
            used=found.code_used_at is not None,
            cancelled=found.code_cancelled_at is not None,
        )
        quantity = found.code_quantity
    else:
        if found.action_id is None or not found.action_active:
            raise _unknown_action()
        quantity = quantity or 1
        rules.check_quantity(limits, quantity)
    history = rules.ScanHistory(found.last_scan_at_shop, found.today_at_shop, found.today)
    rules.check_scan(
        limits,
        history,
        now,
        shop_active=found.shop_active,
        resident_suspended=False,
        one_time_code=one_time,
    )
    shop_id = found.shop_id or found.code_shop_id
    points = rules.scan_points(found.action_points, quantity)
    return _Plan(
        shop=ShopRef(shop_id, found.shop_name, found.shop_name_en),
        action_id=found.action_id,
        action_code=found.action_code,
        quantity=quantity,
        points=points,
        milligrams=quantity * found.action_milligrams,
        code_id=found.code_id,
        expires_at=rules.points_expiry(limits, now),
        campaign=campaign_bonus.best_offer(
            found.campaigns,
            rules.CampaignScan(now, points, found.action_code, shop_id, found.shop_area_code),
        ),
    )


def _claim(conn: psycopg.Connection, code_id: int, user_id: int, now: datetime) -> None:
    # The conditional UPDATE decides among residents racing for the same code.
    params = {"code_id": code_id, **values(user_id=user_id, now=now)}
    [claimed] = prebuilt((CLAIM, params), conn=conn)
    if not claimed:
        [[code]] = prebuilt((CODE_USED_AT, params), conn=conn)
        if code.used_at is not None:
            raise CodeUsed()
        raise CodeCancelled() if code.cancelled_at is not None else CodeExpired()


_now = value("now", EarningCode.used_at.type)
_waiting = and_(
    EarningCode.used_at.is_(None),
    EarningCode.cancelled_at.is_(None),
    EarningCode.expires_at > _now,
)
CLAIM = (
    update(EarningCode)
    .where(EarningCode.id == bindparam("code_id"), _waiting)
    .values(used_at=_now, used_by_id=value("user_id"))
    .returning(EarningCode.id)
)
CODE_USED_AT = select(EarningCode.used_at, EarningCode.cancelled_at).where(
    EarningCode.id == bindparam("code_id")
)
# A refusal about the resident (cap, cooldown, suspension) on a code still waiting.
CODE_REFUSED = (
    update(EarningCode)
    .where(EarningCode.id == value("code_id"), _waiting)
    .values(refused_at=_now, refused_code=value("code"))
)


def _count_card_credit(conn: psycopg.Connection, shop_id: int, found: Row, now: datetime) -> None:
    """Count a card credit against the shop's daily limit, or refuse it (in the caller's
    transaction: a write that does not happen gives the credit back)."""
    limit = limits_from(found, prefix="limit_").card_credits_per_shop_per_day
    day = now.astimezone(rules.BANGKOK).date()
    [counted] = prebuilt(
        (COUNT_CARD_CREDIT, values(shop_id=shop_id, day=day, limit=limit)), conn=conn
    )
    if not counted:
        raise CardCreditLimitReached(
            retry_after=rules.seconds_until_next_bangkok_day(now), limit=limit
        )


# A conditional upsert: under READ COMMITTED a concurrent count waits for this row's lock and
# then sees the newest count, so the shop's credits never pass the limit.
_new_day = pg_insert(CardCreditDay).values(
    shop_id=value("shop_id", CardCreditDay.shop_id.type),
    day=value("day", CardCreditDay.day.type),
    credits=1,
)
COUNT_CARD_CREDIT = _new_day.on_conflict_do_update(
    index_elements=[CardCreditDay.shop_id, CardCreditDay.day],
    set_={"credits": CardCreditDay.credits + 1},
    where=CardCreditDay.credits < value("limit", CardCreditDay.credits.type),
).returning(CardCreditDay.credits)


def _record(
    conn: psycopg.Connection,
    plan: _Plan,
    row_version: str,
    user_id: int,
    key: str,
    digest: str,
    now: datetime,
) -> ScanResult:
    """Write the scan, its ledger entry, the impact and the key's outcome in one statement,
    if the resident's row is still as read (else StaleRead: nothing was written)."""
    [written] = prebuilt(
        (
            SCAN_WRITE,
            values(
                user_id=user_id,
                shop_id=plan.shop.id,
                action_id=plan.action_id,
                quantity=plan.quantity,
                points=plan.points,
                milligrams=plan.milligrams,
                code_id=plan.code_id,
                card_staff_id=plan.card_staff_id,
                now=now,
                delta=plan.points,
                kind=EntryKind.EARN,
                reason="",
                reason_code=ReasonCode.SCAN if plan.card_staff_id is None else ReasonCode.CARD_SCAN,
                reason_params={"action": plan.action_code, "quantity": plan.quantity},
                actor_id=plan.card_staff_id or user_id,
                redemption_id=None,
                entry_expires_at=plan.expires_at,
                campaign_id=None,
                key=key,
                fingerprint=digest,
                row_version=row_version,
            ),
        ),
        conn=conn,
    )
    if not written:
        raise StaleRead()
    [(balance, scan_id, _, _)] = written
    scan = CreditedScan(
        scan_id,
        plan.shop,
        ActionRef(plan.action_code),
        plan.quantity,
        plan.points,
        plan.code_id,
        now,
        plan.card_staff_id,
    )
    return ScanResult(scan, balance)


def _add_bonus(conn: psycopg.Connection, plan: _Plan, result: ScanResult, user_id: int):
    """Add the campaign's bonus to a scan just written (same transaction), if its budget
    still gives some; else the scan stays credited without it."""
    scan = result.scan
    bonus_for = BonusFor(
        user_id,
        scan.id,
        plan.shop.id,
        plan.card_staff_id or user_id,
        plan.expires_at,
        scan.created_at,
    )
    granted = campaign_bonus.grant(conn, plan.campaign, bonus_for)
    if granted is None:
        return result
    campaign, balance = granted
    return ScanResult(
        replace(scan, points=scan.points + campaign.bonus_points, campaign=campaign), balance
    )


def _scan_write():
    # Each part writes only if the guarded change of the resident's row did (a data-changing
    # CTE runs whether or not its rows are read): the scan is inserted from `account`, the
    # entry, the impact and the key from the scan.
    account = account_change(guarded=True)
    scan_columns = (
        ("user_id", Scan.user_id),
        ("shop_id", Scan.shop_id),
        ("action_id", Scan.action_id),
        ("quantity", Scan.quantity),
        ("points", Scan.points),
        ("milligrams", Scan.milligrams),
        ("code_id", Scan.code_id),
        ("card_staff_id", Scan.card_staff_id),
        ("now", Scan.created_at),
    )
    new_scan = (
        insert(Scan)
        .from_select(
            [column for _, column in scan_columns],
            select(*(value(name, column.type) for name, column in scan_columns)).select_from(
                account
            ),
        )
        .returning(Scan.id)
        .cte("new_scan")
    )
    scan_id = select(new_scan.c.id).scalar_subquery()
    added = pg_insert(Impact).from_select(
        ["user_id", "action_id", "items", "milligrams"],
        select(
            value("user_id", Impact.user_id.type),
            value("action_id", Impact.action_id.type),
            value("quantity", Impact.items.type),
            value("milligrams", Impact.milligrams.type),
        ).select_from(new_scan),
    )
    impact = added.on_conflict_do_update(
        index_elements=[Impact.user_id, Impact.action_id],
        set_={
            "items": Impact.items + added.excluded["items"],
            "milligrams": Impact.milligrams + added.excluded.milligrams,
        },
    )
    keyed = idempotency.outcome(scan_id=new_scan.c.id, created=new_scan)
    # Referenced, so they are rendered after what they read from.
    impact = impact.returning(Impact.user_id).cte("impact")
    keyed = keyed.returning(IdempotencyKey.id).cte("keyed")
    return posting(scan_id=scan_id, account=account).add_columns(
        scan_id,
        select(func.count()).select_from(impact).scalar_subquery().label("impacts"),
        select(func.count()).select_from(keyed).scalar_subquery().label("keys"),
    )


# Built once: compiling it is most of its cost.
SCAN_WRITE = _scan_write()


def _replay(conn: psycopg.Connection, scan_id: int) -> ScanResult:
    """Answer a retried scan as the first time."""
    [[row]] = prebuilt((REPLAY, {"scan_id": scan_id}), conn=conn)
    campaign = None
    if row.bonus_campaign_id is not None:
        campaign = CampaignRef(
            row.bonus_campaign_id, row.campaign_name_th, row.campaign_name_en, row.bonus_points
        )
    credited = CreditedScan(
        row.id,
        ShopRef(row.shop_id, row.shop_name, row.shop_name_en),
        ActionRef(row.action_code),
        row.quantity,
        row.points + (row.bonus_points or 0),
        row.code_id,
        row.created_at,
        row.card_staff_id,
        campaign,
    )
    return ScanResult(credited, row.bonus_balance_after or row.balance_after)


_Bonus = aliased(LedgerEntry)
REPLAY = (
    select(
        Scan.id,
        Scan.shop_id,
        Shop.name.label("shop_name"),
        Shop.name_en.label("shop_name_en"),
        Action.code.label("action_code"),
        Scan.quantity,
        Scan.points,
        Scan.code_id,
        Scan.created_at,
        Scan.card_staff_id,
        LedgerEntry.balance_after,
        _Bonus.campaign_id.label("bonus_campaign_id"),
        _Bonus.delta.label("bonus_points"),
        _Bonus.balance_after.label("bonus_balance_after"),
        Campaign.name_th.label("campaign_name_th"),
        Campaign.name_en.label("campaign_name_en"),
    )
    .join(Shop, Shop.id == Scan.shop_id)
    .join(Action, Action.id == Scan.action_id)
    .join(LedgerEntry, LedgerEntry.scan_id == Scan.id)
    # The scan's bonus, if a campaign gave one: posted right after it in its transaction.
    .outerjoin(
        _Bonus,
        and_(
            _Bonus.user_id == Scan.user_id,
            _Bonus.id > LedgerEntry.id,
            _Bonus.kind == EntryKind.BONUS,
            _Bonus.reason_params["scan_id"].astext == cast(Scan.id, String),
        ),
    )
    .outerjoin(Campaign, Campaign.id == _Bonus.campaign_id)
    .where(Scan.id == bindparam("scan_id"))
)


def _resolve(text: str) -> tuple[Shop, EarningCode | None]:
    token = scanned_token(text)
    if token is None:
        raise UnknownCode()
    shop = db.session.scalar(select(Shop).where(Shop.qr_token == token))
    if shop is not None:
        return shop, None
    one_time = db.session.scalar(select(EarningCode).where(EarningCode.token == token))
    if one_time is None:
        raise UnknownCode()
    return db.session.get(Shop, one_time.shop_id), one_time


def _action(code: str) -> Action:
    action = find_action(code)
    if action is None:
        raise _unknown_action()
    return action


def _unknown_action() -> ValidationFailed:
    return ValidationFailed({"action": ["Unknown action."]})
