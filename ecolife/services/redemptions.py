"""Redeeming points: hold them for a reward, then the shop confirms or they come back.

A request is one transaction: lock the resident's row and read the session, reward and
limits (one SELECT); read the key and the resident's holds after the lock (one SELECT);
decide with the pure rules; take one item of a limited stock (a conditional UPDATE); write
the redemption, its ledger debit and the key's outcome (one statement), then commit.
Confirm, cancel and expiry each move a redemption out of pending with one conditional
UPDATE, so only one of them can win.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select, true, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ecolife import clock, metrics, rules
from ecolife.errors import (
    DomainError,
    InvalidToken,
    NotFound,
    NotPending,
    OutOfStock,
    UnknownCard,
    ValidationFailed,
)
from ecolife.extensions import db
from ecolife.models import (
    EntryKind,
    LedgerEntry,
    ReasonCode,
    Redemption,
    RedemptionStatus,
    Reward,
    RuleSettings,
    Shop,
    User,
)
from ecolife.pagination import Page, paginate
from ecolife.services import expiry, idempotency, notifications
from ecolife.services.accounts import TokenClaims
from ecolife.services.ledger import post_entry, posting
from ecolife.services.settings import LIMIT_NAMES, limits_from
from ecolife.services.unit import commit_keeping_loaded, value, values

# Easy to read aloud and type: no 0/O, 1/I/L, 2/Z or 5/S pairs.
CODE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6
CODE_CONSTRAINT = "uq_redemptions_code"
HELD = (RedemptionStatus.PENDING, RedemptionStatus.CONFIRMED)


@dataclass(frozen=True)
class RedemptionResult:
    """A redemption with the resident's balance after it (first time or replayed)."""

    redemption: Redemption
    balance: int


@dataclass(frozen=True)
class Counter:
    """A shop's staff member handing a reward over at the counter to a member card holder."""

    shop_id: int
    staff_id: int


def request_redemption(claims: TokenClaims, *, key: str, reward_id: int) -> RedemptionResult:
    """Hold a reward's points and stock for a resident, once per Idempotency-Key.

    `claims` come from a verified access token; the session behind them is checked here.
    """
    now = clock.now()
    digest = idempotency.fingerprint("redemption", reward_id=reward_id)
    params = {"user_id": claims.user_id, "session_id": claims.session_id, "key": key}
    return _drawing_codes(lambda: _request(params, digest, reward_id, now))


def redeem_at_counter(
    holder_id: int, counter: Counter, *, key: str, reward_id: int
) -> RedemptionResult:
    """Hand one of the counter's shop's rewards to a member card holder whose PIN the
    caller checked: the points are held and the redemption confirmed at once, under the
    rules of a request in the app, once per `key` (the caller keeps it apart from the
    holder's own keys)."""
    now = clock.now()
    digest = idempotency.fingerprint("card_redemption", reward_id=reward_id)
    params = {"user_id": holder_id, "key": key}
    return _drawing_codes(lambda: _request(params, digest, reward_id, now, counter=counter))


def _drawing_codes(request: Callable[[], RedemptionResult]) -> RedemptionResult:
    for _attempt in range(5):
        try:
            return request()
        except IntegrityError as error:
            db.session.rollback()
            if CODE_CONSTRAINT not in str(error.orig):
                raise
            # The drawn code was taken (1 in 387 million a time): draw another.
    raise RuntimeError("could not find a free redemption code")


def _request(
    params: dict, digest: str, reward_id: int, now: datetime, *, counter: Counter | None = None
) -> RedemptionResult:
    user_id, key = params["user_id"], params["key"]
    params = {**params, "reward_id": reward_id, "now": now}
    context = REDEEM_CONTEXT if counter is None else COUNTER_CONTEXT
    missing = InvalidToken if counter is None else UnknownCard
    found, seen = idempotency.read_resident(params, context, HOLDS, missing=missing)
    if idempotency.seen_before(seen, digest):
        db.session.rollback()
        return _replay(seen.key_redemption_id)
    if seen.overdue:
        # Settle the resident's own overdue holds first: their points and items count again.
        _expire(user_id, now)
        found, seen = idempotency.read_resident(params, context, HOLDS, missing=missing)
    if (seen.points_due or 0) > 0:
        # Write off the points past their date first (the job may not have run yet), under
        # the row lock this read holds, in this transaction: what is left is spendable.
        expiry.expire_due(user_id, now)
        found, seen = idempotency.read_resident(params, context, HOLDS, missing=missing)
    try:
        if counter is not None and found.shop_id not in (None, counter.shop_id):
            raise NotFound()  # staff hand over their own shop's rewards only
        _check(found, seen, now)
        if found.stock is not None:
            _take_stock(reward_id)
        result = _hold(found, user_id, key, digest, now, counter)
    except ValidationFailed as refusal:
        db.session.rollback()
        metrics.redemption_refused("request", refusal)
        raise
    except DomainError as refusal:
        idempotency.remember_refusal(user_id, key, digest, now, refusal)
        metrics.redemption_refused("request", refusal)
        raise
    commit_keeping_loaded()
    metrics.REDEMPTIONS.labels("requested").inc()
    if counter is not None:
        metrics.REDEMPTIONS.labels("confirmed").inc()
    return result


def _context(read: Callable[..., Select]) -> Select:
    """The resident's row (read with `read`), the reward and its shop, and the redemption
    lifetime."""
    return (
        read(
            User.balance,
            Reward.id.label("reward_id"),
            Reward.shop_id,
            Reward.points,
            Reward.stock,
            Reward.per_resident_limit,
            Reward.active,
            Reward.active_from,
            Reward.active_to,
            Shop.active.label("shop_active"),
            *(getattr(RuleSettings, name).label(f"limit_{name}") for name in LIMIT_NAMES),
        )
        .outerjoin(Reward, Reward.id == bindparam("reward_id"))
        .outerjoin(Shop, Shop.id == Reward.shop_id)
        .outerjoin(RuleSettings, RuleSettings.id == 1)
    )


def _holder_read(*columns) -> Select:
    # A card holder at the counter: their row locked all the same, so the app and the
    # counter cannot spend the same points.
    return idempotency.holder_read(*columns).with_for_update(of=User)


# The resident behind the token's session (row locked, so two phones can't spend the same
# points); or, at the counter, the card holder.
REDEEM_CONTEXT = _context(idempotency.locking_read)
COUNTER_CONTEXT = _context(_holder_read)

_mine = Redemption.user_id == bindparam("user_id")
_pending = Redemption.status == RedemptionStatus.PENDING
# Read after the lock: the key, how many of this reward the resident holds, overdue holds.
HOLDS = idempotency.key_read(
    select(func.count())
    .where(
        _mine,
        Redemption.reward_id == bindparam("reward_id"),
        or_(*(Redemption.status == status for status in HELD)),
    )
    .scalar_subquery()
    .label("held"),
    select(func.count())
    .where(_mine, _pending, Redemption.expires_at <= bindparam("now"))
    .scalar_subquery()
    .label("overdue"),
    # Points past their date not written off yet (NULL, after one index probe, when no lot
    # of theirs is past): they must not be spent.
    expiry.due_column(bindparam("user_id"), bindparam("now")).label("points_due"),
)


def _check(found: Row, seen: Row, now: datetime) -> None:
    rules.check_account(suspended=found.suspended_at is not None)
    available = found.reward_id is not None and rules.reward_available(
        now,
        active=found.active,
        shop_active=found.shop_active,
        active_from=found.active_from,
        active_to=found.active_to,
    )
    rules.check_hold(
        available=available,
        points=found.points or 0,
        balance=found.balance,
        held=seen.held,
        per_resident_limit=found.per_resident_limit,
        stock=found.stock,
    )


def _take_stock(reward_id: int) -> None:
    # The conditional UPDATE decides among residents racing for the last items.
    taken = _core(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock > 0)
        .values(stock=Reward.stock - 1)
        .returning(Reward.id)
    ).first()
    if taken is None:
        raise OutOfStock()


def _hold(
    found: Row, user_id: int, key: str, digest: str, now: datetime, counter: Counter | None
) -> RedemptionResult:
    """Write the redemption, its debit and the key's outcome in one statement; at the
    counter, confirm it too (the staff member is the debit's actor)."""
    balance, new_id = (
        db.session.connection()
        .execute(
            HOLD_WRITE,
            values(
                code=_new_code(),
                user_id=user_id,
                reward_id=found.reward_id,
                shop_id=found.shop_id,
                points=found.points,
                now=now,
                expires_at=rules.redemption_expiry(limits_from(found, prefix="limit_"), now),
                delta=-found.points,
                kind=EntryKind.REDEEM,
                reason="",
                reason_code=ReasonCode.REWARD,
                reason_params={"reward_id": found.reward_id},
                scan_id=None,
                actor_id=user_id if counter is None else counter.staff_id,
                entry_expires_at=None,
                campaign_id=None,
                key=key,
                fingerprint=digest,
            ),
        )
        .one()
    )
    if counter is None:
        return RedemptionResult(_load(new_id), balance)
    _core(_confirming(new_id, counter.shop_id, counter.staff_id, now))
    redemption = _load(new_id)
    notifications.tell_redemption_confirmed(redemption)
    return RedemptionResult(redemption, balance)


def _hold_write():
    names = ("code", "user_id", "reward_id", "shop_id", "points", "expires_at")
    given = {getattr(Redemption, n): value(n, getattr(Redemption, n).type) for n in names}
    new = (
        insert(Redemption)
        .values(
            {
                **given,
                Redemption.status: RedemptionStatus.PENDING,
                Redemption.created_at: value("now", Redemption.created_at.type),
            }
        )
        .returning(Redemption.id)
        .cte("new_redemption")
    )
    redemption_id = select(new.c.id).scalar_subquery()
    keyed = idempotency.outcome(redemption_id=redemption_id)
    return (
        posting(redemption_id=redemption_id).add_columns(redemption_id).add_cte(keyed.cte("keyed"))
    )


# Built once: compiling it is most of its cost.
HOLD_WRITE = _hold_write()


@metrics.counting_refusals("confirm")
def confirm_redemption(shop_id: int, staff_id: int, redemption_id: int) -> Redemption:
    """Record that the shop handed the reward over; only a pending, unexpired one.

    Only the reward's shop may confirm (another shop's redemption is NotFound). A confirm
    that comes too late expires the hold and gives the points back.
    """
    now = clock.now()
    confirmed = _core(_confirming(redemption_id, shop_id, staff_id, now)).first()
    if confirmed is None:
        redemption = get_shop_redemption(shop_id, redemption_id)
        if rules.overdue(redemption.status, redemption.expires_at, now):
            _expire(redemption.user_id, now, redemption_id=redemption_id)
            db.session.commit()
        else:
            db.session.rollback()
        raise NotPending()
    redemption = _load(redemption_id)
    notifications.tell_redemption_confirmed(redemption)
    commit_keeping_loaded()
    metrics.REDEMPTIONS.labels("confirmed").inc()
    return redemption


def _confirming(redemption_id: int, shop_id: int, staff_id: int, now: datetime):
    # Conditional: of confirm, cancel and expiry, only the first moves it out of pending.
    return (
        update(Redemption)
        .where(
            Redemption.id == redemption_id,
            Redemption.shop_id == shop_id,
            Redemption.status == RedemptionStatus.PENDING,
            Redemption.expires_at > now,
        )
        .values(status=RedemptionStatus.CONFIRMED, resolved_at=now, confirmed_by_id=staff_id)
        .returning(Redemption.id)
    )


@metrics.counting_refusals("cancel")
def cancel_redemption(user_id: int, redemption_id: int) -> RedemptionResult:
    """Let a resident call off a pending redemption and get the points back.

    An overdue one is expired instead (the points come back all the same) and the cancel
    answers NotPending.
    """
    now = clock.now()
    redemption = get_own_redemption(user_id, redemption_id)
    if rules.overdue(redemption.status, redemption.expires_at, now):
        _expire(user_id, now, redemption_id=redemption_id)
        db.session.commit()
        raise NotPending()
    balance = _refund(redemption_id, RedemptionStatus.CANCELLED, now, actor_id=user_id)
    if balance is None:
        db.session.rollback()
        raise NotPending()
    result = RedemptionResult(_load(redemption_id), balance)
    commit_keeping_loaded()
    return result


def expire_overdue(*, user_id: int | None = None) -> int:
    """Expire every overdue pending redemption (of one resident if given); return how many.

    Each is its own transaction, so one that was resolved meanwhile is simply skipped.
    """
    now = clock.now()
    stmt = select(Redemption.user_id, Redemption.id).where(
        _pending_overdue(now), *([Redemption.user_id == user_id] if user_id else [])
    )
    expired = 0
    for owner_id, redemption_id in db.session.execute(stmt.order_by(Redemption.id)).all():
        expired += _expire(owner_id, now, redemption_id=redemption_id) is not None
        db.session.commit()
    return expired


def cancel_all_pending(user_id: int, now: datetime, *, actor_id: int | None) -> int:
    """Cancel and refund every pending redemption of a resident in the caller's transaction
    (their account is being erased: no one will show the codes any more); return how many."""
    pending = select(Redemption.id).where(Redemption.user_id == user_id, _pending)
    cancelled = 0
    for redemption_id in db.session.scalars(pending.order_by(Redemption.id)).all():
        refunded = _refund(redemption_id, RedemptionStatus.CANCELLED, now, actor_id=actor_id)
        cancelled += refunded is not None
    return cancelled


def get_own_redemption(user_id: int, redemption_id: int) -> Redemption:
    """Return a resident's own redemption; another's answers NotFound."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or redemption.user_id != user_id:
        raise NotFound()
    return redemption


def list_own_redemptions(user_id: int, *, limit: int, cursor: str | None) -> Page:
    """List a resident's redemptions, newest first."""
    stmt = select(Redemption).where(Redemption.user_id == user_id)
    return paginate(stmt, Redemption.id, limit=limit, cursor=cursor, newest_first=True)


def list_pending_for_shop(shop_id: int, *, limit: int, cursor: str | None) -> Page:
    """List the shop's redemptions still waiting to be handed over, newest first."""
    stmt = select(Redemption).where(
        Redemption.shop_id == shop_id, _pending, Redemption.expires_at > clock.now()
    )
    return paginate(stmt, Redemption.id, limit=limit, cursor=cursor, newest_first=True)


def lookup_for_shop(shop_id: int, code: str) -> Redemption:
    """Find a redemption by its code for the shop's staff; other shops' answer NotFound."""
    redemption = db.session.scalar(select(Redemption).where(Redemption.code == normalise(code)))
    if redemption is None or redemption.shop_id != shop_id:
        raise NotFound()
    return redemption


def get_shop_redemption(shop_id: int, redemption_id: int) -> Redemption:
    """Return one of the shop's redemptions for its staff; other shops' answer NotFound."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or redemption.shop_id != shop_id:
        raise NotFound()
    return redemption


def normalise(code: str) -> str:
    """Read a typed or scanned code: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _pending_overdue(now: datetime):
    return and_(_pending, Redemption.expires_at <= now)


def _expire(user_id: int, now: datetime, *, redemption_id: int | None = None) -> int | None:
    """Expire a resident's overdue holds (or one of them) with refunds; return the balance
    after the last refund, or None when there was nothing to expire."""
    stmt = select(Redemption.id).where(Redemption.user_id == user_id, _pending_overdue(now))
    if redemption_id is not None:
        stmt = stmt.where(Redemption.id == redemption_id)
    balance = None
    for overdue_id in db.session.scalars(stmt.order_by(Redemption.id)).all():
        refunded = _refund(overdue_id, RedemptionStatus.EXPIRED, now, actor_id=None)
        if refunded is not None:  # None: resolved meanwhile; a balance of 0 still counts
            balance = refunded
    return balance


def _refund(redemption_id: int, status: str, now: datetime, *, actor_id: int | None):
    """Move a redemption out of pending as cancelled or expired, put its item back and
    refund its points; return the balance after, or None if it was no longer pending."""
    due = Redemption.expires_at <= now if status == RedemptionStatus.EXPIRED else true()
    # Only one of confirm, cancel and expire can move a redemption out of pending: the
    # conditional UPDATE lets the first one through and finds no row for the others.
    left = _core(
        update(Redemption)
        .where(Redemption.id == redemption_id, _pending, due)
        .values(status=status, resolved_at=now)
        .returning(Redemption.user_id, Redemption.reward_id, Redemption.shop_id, Redemption.points)
    ).first()
    if left is None:
        return None
    # Counted now: every caller commits right after (a crash before would over-count one).
    metrics.REDEMPTIONS.labels(status).inc()
    _core(
        update(Reward)
        .where(Reward.id == left.reward_id, Reward.stock.is_not(None))
        .values(stock=Reward.stock + 1)
    )
    return post_entry(
        left.user_id,
        left.points,
        kind=EntryKind.REFUND,
        reason_code=ReasonCode(f"redemption_{status}"),
        reason_params={"redemption_id": redemption_id},
        now=now,
        shop_id=left.shop_id,
        redemption_id=redemption_id,
        actor_id=actor_id,
    )


def _core(statement):
    # A plain Core statement on the session's connection: the ORM's bulk UPDATE path
    # (synchronising the session's objects) cost a fifth of a confirm; _load reads afresh.
    return db.session.connection().execute(statement)


def _load(redemption_id: int) -> Redemption:
    """Load a redemption afresh, with its reward, shop and resident."""
    return db.session.get(Redemption, redemption_id, populate_existing=True)


def _replay(redemption_id: int) -> RedemptionResult:
    """Answer a retried request with the balance its first answer gave (as a scan's replay)."""
    balance = db.session.scalar(
        select(LedgerEntry.balance_after).where(
            LedgerEntry.redemption_id == redemption_id, LedgerEntry.kind == EntryKind.REDEEM
        )
    )
    return RedemptionResult(_load(redemption_id), balance)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
