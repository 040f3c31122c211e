"""Earning points: a resident scans a shop's poster or a one-time counter code."""

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecolife import clock, rules
from ecolife.database import call_alone, on_postgresql
from ecolife.errors import (
    AccountSuspended,
    CodeExpired,
    CodeUsed,
    NotFound,
    ShopInactive,
    UnknownCode,
    ValidationFailed,
)
from ecolife.extensions import db
from ecolife.links import qr_link
from ecolife.models import Action, EarningCode, EntryKind, Impact, LedgerEntry, Scan, Shop, User
from ecolife.qr import qr_png
from ecolife.rules import Limits
from ecolife.security import random_token
from ecolife.services import idempotency
from ecolife.services.accounts import TokenClaims, live_session
from ecolife.services.actions import find_action
from ecolife.services.ledger import post_entry
from ecolife.services.replies import ScanView, raise_refusal
from ecolife.services.settings import current_limits

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
DEFAULT_ACTION = "bag"


@dataclass(frozen=True)
class ScanResult:
    scan: "Scan | ScanView"
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
            clock.now(), expires_at=one_time.expires_at, used=one_time.used_at is not None
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
    if on_postgresql():
        return _earn_in_one_call(claims, key, digest, code, action, quantity, now)
    live_session(claims)
    # Every rule is checked before anything is written, so a refusal leaves nothing to undo.
    return idempotency.run_once(
        claims.user_id,
        key,
        digest,
        now,
        attempt=lambda resident: _credit(resident, code, action, quantity, now),
        replay=lambda previous: _scan_result(previous.scan_id),
        outcome=lambda result: {"scan_id": result.scan.id},
    )


def scanned_token(text: str) -> str | None:
    """Read the token from what a camera saw: `{PUBLIC_BASE_URL}/q/{token}` or the bare token."""
    text = text.strip()
    if "/" in text:
        parts = urlsplit(text).path.rstrip("/").split("/")
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
    earning_code = EarningCode(
        token=random_token(16),
        shop_id=shop.id,
        action=action,
        quantity=quantity,
        created_by_id=staff.id,
        created_at=now,
        expires_at=rules.code_expiry(limits, now),
    )
    db.session.add(earning_code)
    db.session.commit()
    return earning_code


def code_qr_png(shop_id: int, code_id: int) -> bytes:
    """Render one of the shop's one-time codes as a QR, large enough to scan off a screen."""
    return qr_png(qr_link(get_code(shop_id, code_id).token), box_size=12)


def get_code(shop_id: int, code_id: int) -> EarningCode:
    """Return one of the shop's one-time codes; another shop's answers NotFound."""
    earning_code = db.session.get(EarningCode, code_id)
    if earning_code is None or earning_code.shop_id != shop_id:
        raise NotFound()
    return earning_code


def _credit(
    resident: User, text: str, action_code: str | None, quantity: int | None, now: datetime
) -> ScanResult:
    if resident.is_suspended:
        raise AccountSuspended()
    shop, one_time = _resolve(text)
    limits = current_limits()
    if one_time is not None:
        rules.check_code(now, expires_at=one_time.expires_at, used=one_time.used_at is not None)
        action, quantity = one_time.action, one_time.quantity
    else:
        action, quantity = _action(action_code or DEFAULT_ACTION), quantity or 1
        rules.check_quantity(limits, quantity)
    history = _history(resident.id, shop.id, now)
    rules.check_scan(
        limits,
        history,
        now,
        shop_active=shop.active,
        resident_suspended=resident.is_suspended,
        one_time_code=one_time is not None,
    )
    if one_time is not None:
        _claim(one_time, resident.id, now)
    return _record(resident, shop, action, quantity, one_time, now)


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


def _history(user_id: int, shop_id: int, now: datetime) -> rules.ScanHistory:
    day_start = rules.bangkok_day_start(now)
    at_shop = (Scan.user_id == user_id) & (Scan.shop_id == shop_id)
    mine_today = (Scan.user_id == user_id) & (Scan.created_at >= day_start)
    row = db.session.execute(
        select(
            # The latest scan here, read from the end of the index: history length is no cost.
            select(Scan.created_at)
            .where(at_shop)
            .order_by(Scan.created_at.desc())
            .limit(1)
            .scalar_subquery(),
            select(func.count()).where(at_shop, Scan.created_at >= day_start).scalar_subquery(),
            select(func.count()).select_from(Scan).where(mine_today).scalar_subquery(),
        )
    ).one()
    return rules.ScanHistory(row[0], row[1], row[2])


def _claim(one_time: EarningCode, user_id: int, now: datetime) -> None:
    # The conditional UPDATE decides among residents racing for the same code.
    claimed = db.session.execute(
        update(EarningCode)
        .where(
            EarningCode.id == one_time.id,
            EarningCode.used_at.is_(None),
            EarningCode.expires_at > now,
        )
        .values(used_at=now, used_by_id=user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(one_time)
        raise CodeUsed() if one_time.used_at is not None else CodeExpired()


def _record(
    resident: User,
    shop: Shop,
    action: Action,
    quantity: int,
    one_time: EarningCode | None,
    now: datetime,
) -> ScanResult:
    points = rules.scan_points(action.points, quantity)
    scan = Scan(
        user_id=resident.id,
        shop=shop,
        action=action,
        quantity=quantity,
        points=points,
        milligrams=quantity * action.milligrams,
        code_id=one_time.id if one_time else None,
        created_at=now,
    )
    db.session.add(scan)
    db.session.flush()
    entry = post_entry(
        resident.id,
        points,
        kind=EntryKind.EARN,
        reason=f"{action.code} x{quantity}",
        now=now,
        shop_id=shop.id,
        scan_id=scan.id,
        actor_id=resident.id,
    )
    _add_impact(resident.id, action, quantity)
    return ScanResult(scan, entry.balance_after)


def _add_impact(user_id: int, action: Action, quantity: int) -> None:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Impact).values(
        user_id=user_id,
        action_id=action.id,
        items=quantity,
        milligrams=quantity * action.milligrams,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Impact.user_id, Impact.action_id],
        set_={
            "items": Impact.items + stmt.excluded["items"],
            "milligrams": Impact.milligrams + stmt.excluded.milligrams,
        },
    )
    db.session.execute(stmt)


def _scan_result(scan_id: int) -> ScanResult:
    scan = db.session.get(Scan, scan_id)
    balance = db.session.scalar(
        select(LedgerEntry.balance_after).where(LedgerEntry.scan_id == scan_id)
    )
    return ScanResult(scan, balance)


# The check-and-credit of _credit/run_once, ported into PostgreSQL (migration 0005).
SCAN_CALL = text(
    "SELECT ecolife_scan(:session_id, :user_id, :key, :fingerprint, :token, :action, "
    ":quantity, :now, :default_action, :defaults)"
)
# The limits the function falls back on when rule_settings has no row (as current_limits does).
_DEFAULTS = Limits()
SCAN_DEFAULTS = [
    _DEFAULTS.scan_cooldown_seconds,
    _DEFAULTS.daily_scans_per_shop,
    _DEFAULTS.daily_scans,
    _DEFAULTS.max_quantity,
]


def _earn_in_one_call(
    claims: TokenClaims,
    key: str,
    digest: str,
    code: str,
    action: str | None,
    quantity: int | None,
    now: datetime,
) -> ScanResult:
    reply = call_alone(
        SCAN_CALL,
        {
            "session_id": claims.session_id,
            "user_id": claims.user_id,
            "key": key,
            "fingerprint": digest,
            "token": scanned_token(code),
            "action": action,
            "quantity": quantity,
            "now": now,
            "default_action": DEFAULT_ACTION,
            "defaults": SCAN_DEFAULTS,
        },
    )
    raise_refusal(reply)
    if reply["outcome"] == "invalid":
        if reply["field"] == "quantity":
            raise rules.quantity_refused(reply["max_quantity"])
        raise _unknown_action()
    return ScanResult(ScanView.of(reply), reply["balance"])
