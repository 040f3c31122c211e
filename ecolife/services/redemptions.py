"""Redeeming points: hold them for a reward, then the shop confirms or they come back."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, true, update
from sqlalchemy.exc import IntegrityError

from ecolife import clock
from ecolife.database import call_alone, on_postgresql
from ecolife.errors import (
    AccountSuspended,
    InsufficientPoints,
    NotFound,
    NotPending,
    OutOfStock,
    PermissionDenied,
    RewardUnavailable,
)
from ecolife.extensions import db
from ecolife.models import EntryKind, Redemption, RedemptionStatus, Reward, Role, User
from ecolife.pagination import Page, paginate
from ecolife.rules import Limits
from ecolife.services import idempotency
from ecolife.services.accounts import TokenClaims, live_session
from ecolife.services.ledger import post_entry
from ecolife.services.replies import RedemptionView, raise_refusal
from ecolife.services.settings import current_limits

# Easy to read aloud and type: no 0/O, 1/I/L, 2/Z or 5/S pairs.
CODE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6
HELD = (RedemptionStatus.PENDING, RedemptionStatus.CONFIRMED)


@dataclass(frozen=True)
class RedemptionResult:
    redemption: "Redemption | RedemptionView"
    balance: int


def request_redemption(claims: TokenClaims, *, key: str, reward_id: int) -> RedemptionResult:
    """Hold a reward's points and stock for a resident, once per Idempotency-Key.

    `claims` come from a verified access token; the session behind them is checked here.
    """
    now = clock.now()
    digest = idempotency.fingerprint("redemption", reward_id=reward_id)
    if on_postgresql():
        return _request_in_one_call(claims, key, digest, reward_id, now)
    resident_id = live_session(claims).user_id
    return idempotency.run_once(
        resident_id,
        key,
        digest,
        now,
        attempt=lambda resident: _hold_in_savepoint(resident, reward_id, now),
        replay=lambda previous: _result(db.session.get(Redemption, previous.redemption_id)),
        outcome=lambda result: {"redemption_id": result.redemption.id},
    )


def confirm_for_staff(claims: TokenClaims, redemption_id: int) -> "Redemption | RedemptionView":
    """Confirm a redemption for the staff member a verified access token names."""
    if on_postgresql():
        reply = call_alone(
            CONFIRM_CALL,
            {
                "session_id": claims.session_id,
                "user_id": claims.user_id,
                "redemption_id": redemption_id,
                "now": clock.now(),
            },
        )
        raise_refusal(reply)
        return RedemptionView.of(reply["redemption"])
    staff = live_session(claims).user
    if staff.role != Role.SHOP_STAFF:
        raise PermissionDenied()
    return confirm_redemption(staff.shop_id, staff.id, redemption_id)


def get_own_redemption(user_id: int, redemption_id: int) -> Redemption:
    """Return a resident's own redemption (expiring it first if overdue)."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or redemption.user_id != user_id:
        raise NotFound()
    return _expire_if_overdue(redemption)


def list_own_redemptions(user_id: int, *, limit: int, cursor: str | None) -> Page:
    """List a resident's redemptions, newest first."""
    expire_overdue(user_id=user_id)
    stmt = select(Redemption).where(Redemption.user_id == user_id)
    return paginate(stmt, Redemption.id, limit=limit, cursor=cursor, newest_first=True)


def cancel_redemption(user_id: int, redemption_id: int) -> RedemptionResult:
    """Let a resident call off a pending redemption and get the points back."""
    redemption = get_own_redemption(user_id, redemption_id)
    _resolve(redemption, RedemptionStatus.CANCELLED, clock.now(), actor_id=user_id)
    db.session.commit()
    return _result(redemption)


def lookup_for_shop(shop_id: int, code: str) -> Redemption:
    """Find a redemption by its code for the shop's staff; other shops' answer NotFound."""
    redemption = db.session.scalar(select(Redemption).where(Redemption.code == normalise(code)))
    if redemption is None or redemption.shop_id != shop_id:
        raise NotFound()
    return _expire_if_overdue(redemption)


def get_shop_redemption(shop_id: int, redemption_id: int) -> Redemption:
    """Return one of the shop's redemptions for its staff; other shops' answer NotFound."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or redemption.shop_id != shop_id:
        raise NotFound()
    return _expire_if_overdue(redemption)


def confirm_redemption(shop_id: int, staff_id: int, redemption_id: int) -> Redemption:
    """Record that the shop handed the reward over; only a pending, unexpired one."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or redemption.shop_id != shop_id:
        raise NotFound()
    now = clock.now()
    in_time = Redemption.expires_at > now
    if not _leave_pending(redemption_id, RedemptionStatus.CONFIRMED, now, in_time, staff_id):
        db.session.rollback()
        _expire_if_overdue(db.session.get(Redemption, redemption_id))
        raise NotPending()
    db.session.commit()
    db.session.refresh(redemption)
    return redemption


def expire_overdue(*, user_id: int | None = None) -> int:
    """Expire every overdue pending redemption (of one resident if given); return how many."""
    now = clock.now()
    stmt = select(Redemption.id).where(
        Redemption.status == RedemptionStatus.PENDING, Redemption.expires_at <= now
    )
    if user_id is not None:
        stmt = stmt.where(Redemption.user_id == user_id)
    expired = 0
    for redemption_id in list(db.session.scalars(stmt.order_by(Redemption.id))):
        redemption = db.session.get(Redemption, redemption_id)
        try:
            _resolve(redemption, RedemptionStatus.EXPIRED, now, actor_id=None)
        except NotPending:
            db.session.rollback()  # someone else resolved it first
            continue
        db.session.commit()
        expired += 1
    return expired


def normalise(code: str) -> str:
    """Read a typed or scanned code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hold_in_savepoint(resident: User, reward_id: int, now: datetime) -> RedemptionResult:
    # A refusal after the stock was taken undoes it, and the resident's row stays locked.
    with db.session.begin_nested():
        return _hold(resident, reward_id, now)


def _hold(resident: User, reward_id: int, now: datetime) -> RedemptionResult:
    if resident.is_suspended:
        raise AccountSuspended()
    reward = db.session.get(Reward, reward_id)
    if reward is None or not reward.available_at(now):
        raise RewardUnavailable()
    if resident.balance < reward.points:
        raise InsufficientPoints(needed=reward.points, balance=resident.balance)
    if reward.per_resident_limit is not None and _held(resident.id, reward.id) >= (
        reward.per_resident_limit
    ):
        raise RewardUnavailable()
    _take_stock(reward.id)
    redemption = _insert(resident, reward, now)
    entry = post_entry(
        resident.id,
        -reward.points,
        kind=EntryKind.REDEEM,
        reason=f"reward {reward.id}",
        now=now,
        shop_id=reward.shop_id,
        redemption_id=redemption.id,
        actor_id=resident.id,
    )
    return RedemptionResult(redemption, entry.balance_after)


def _take_stock(reward_id: int) -> None:
    # The conditional UPDATE decides among residents racing for the last items.
    taken = db.session.execute(
        update(Reward)
        .where(Reward.id == reward_id, (Reward.stock.is_(None)) | (Reward.stock > 0))
        .values(stock=Reward.stock - 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise OutOfStock()


def _insert(resident: User, reward: Reward, now: datetime) -> Redemption:
    ttl = timedelta(seconds=current_limits().redemption_ttl_seconds)
    for _attempt in range(5):
        redemption = Redemption(
            code=_new_code(),
            user_id=resident.id,
            reward_id=reward.id,
            shop_id=reward.shop_id,
            points=reward.points,
            status=RedemptionStatus.PENDING,
            created_at=now,
            expires_at=now + ttl,
        )
        try:
            with db.session.begin_nested():
                db.session.add(redemption)
            return redemption
        except IntegrityError:
            continue  # the code was taken: draw another
    raise RuntimeError("could not find a free redemption code")


def _resolve(redemption: Redemption, status: str, now: datetime, *, actor_id) -> None:
    due = Redemption.expires_at <= now if status == RedemptionStatus.EXPIRED else true()
    if not _leave_pending(redemption.id, status, now, due):
        raise NotPending()
    db.session.execute(
        update(Reward)
        .where(Reward.id == redemption.reward_id, Reward.stock.is_not(None))
        .values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    post_entry(
        redemption.user_id,
        redemption.points,
        kind=EntryKind.REFUND,
        reason=f"redemption {redemption.id} {status}",
        now=now,
        shop_id=redemption.shop_id,
        redemption_id=redemption.id,
        actor_id=actor_id,
    )


def _leave_pending(
    redemption_id: int, status: str, now: datetime, condition, confirmed_by_id: int | None = None
) -> bool:
    # Only one of confirm, cancel and expire can move a redemption out of pending: the
    # conditional UPDATE lets the first one through and finds no row for the others.
    return (
        db.session.execute(
            update(Redemption)
            .where(
                Redemption.id == redemption_id,
                Redemption.status == RedemptionStatus.PENDING,
                condition,
            )
            .values(status=status, resolved_at=now, confirmed_by_id=confirmed_by_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _expire_if_overdue(redemption: Redemption) -> Redemption:
    now = clock.now()
    if redemption.status == RedemptionStatus.PENDING and redemption.expires_at <= now:
        try:
            _resolve(redemption, RedemptionStatus.EXPIRED, now, actor_id=None)
            db.session.commit()
        except NotPending:
            db.session.rollback()
        db.session.refresh(redemption)
    return redemption


def _held(user_id: int, reward_id: int) -> int:
    return db.session.scalar(
        select(func.count(Redemption.id)).where(
            Redemption.user_id == user_id,
            Redemption.reward_id == reward_id,
            Redemption.status.in_(HELD),
        )
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _result(redemption: Redemption) -> RedemptionResult:
    db.session.refresh(redemption)
    balance = db.session.scalar(select(User.balance).where(User.id == redemption.user_id))
    return RedemptionResult(redemption, balance)


# request_redemption and confirm_redemption, ported into PostgreSQL (migration 0006).
REDEEM_CALL = text(
    "SELECT ecolife_redeem(:session_id, :user_id, :key, :fingerprint, :reward_id, :now, "
    ":codes, :default_ttl)"
)
CONFIRM_CALL = text("SELECT ecolife_confirm(:session_id, :user_id, :redemption_id, :now)")
# The hold's lifetime when rule_settings has no row (as current_limits does).
DEFAULT_TTL_SECONDS = Limits().redemption_ttl_seconds


def _request_in_one_call(
    claims: TokenClaims, key: str, digest: str, reward_id: int, now: datetime
) -> RedemptionResult:
    reply = call_alone(
        REDEEM_CALL,
        {
            "session_id": claims.session_id,
            "user_id": claims.user_id,
            "key": key,
            "fingerprint": digest,
            "reward_id": reward_id,
            "now": now,
            "codes": [_new_code() for _ in range(5)],
            "default_ttl": DEFAULT_TTL_SECONDS,
        },
    )
    raise_refusal(reply)
    return RedemptionResult(RedemptionView.of(reply["redemption"]), reply["balance"])
