"""The points ledger: posting entries, reading history, proving balances add up."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update

from ecolife import clock
from ecolife.errors import InsufficientPoints, NotFound
from ecolife.extensions import db
from ecolife.models import EntryKind, LedgerEntry, User
from ecolife.pagination import Page, paginate


def lock_account(user_id: int) -> User:
    """Lock a user's row for the rest of the transaction and return it, fresh."""
    # Two phones (or two retries) of one resident then run one at a time: the cooldown, caps,
    # balance and idempotency checks that follow see each other's writes.
    user = db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound()
    return user


def post_entry(
    user_id: int,
    delta: int,
    *,
    kind: str,
    reason: str,
    now: datetime,
    shop_id: int | None = None,
    scan_id: int | None = None,
    redemption_id: int | None = None,
    actor_id: int | None = None,
) -> LedgerEntry:
    """Append an entry and move the stored balance with it, in the caller's transaction.

    The conditional UPDATE is the guard: it never takes a balance below zero, whatever
    runs at the same time.
    """
    balance = db.session.scalar(
        update(User)
        .where(User.id == user_id, User.balance + delta >= 0)
        .values(balance=User.balance + delta)
        .returning(User.balance)
        .execution_options(synchronize_session=False)
    )
    if balance is None:
        raise InsufficientPoints()
    entry = LedgerEntry(
        user_id=user_id,
        kind=kind,
        delta=delta,
        balance_after=balance,
        reason=reason,
        shop_id=shop_id,
        scan_id=scan_id,
        redemption_id=redemption_id,
        actor_id=actor_id,
        created_at=now,
    )
    db.session.add(entry)
    return entry


def history(user_id: int, *, limit: int, cursor: str | None) -> Page:
    """Return a resident's entries, newest first, a page at a time."""
    stmt = select(LedgerEntry).where(LedgerEntry.user_id == user_id)
    return paginate(stmt, LedgerEntry.id, limit=limit, cursor=cursor, newest_first=True)


@dataclass(frozen=True)
class Mismatch:
    user_id: int
    problem: str


def verify_ledger() -> list[Mismatch]:
    """Check every balance equals its entries' sum and every balance_after its running sum."""
    return _balance_mismatches() + _running_sum_mismatches()


def _balance_mismatches() -> list[Mismatch]:
    total = func.coalesce(func.sum(LedgerEntry.delta), 0)
    rows = db.session.execute(
        select(User.id, User.balance, total.label("total"))
        .outerjoin(LedgerEntry, LedgerEntry.user_id == User.id)
        .group_by(User.id, User.balance)
        .having(User.balance != total)
        .order_by(User.id)
    )
    return [Mismatch(r.id, f"balance {r.balance} but entries sum to {r.total}") for r in rows]


RUNNING_SUM = text(
    """
    SELECT user_id, id, balance_after, running FROM (
        SELECT user_id, id, balance_after,
               SUM(delta) OVER (PARTITION BY user_id ORDER BY id) AS running
        FROM ledger_entries
    ) AS entries
    WHERE balance_after <> running OR running < 0
    ORDER BY user_id, id
    """
)


def _running_sum_mismatches() -> list[Mismatch]:
    return [
        Mismatch(r.user_id, f"entry {r.id} says {r.balance_after} after it, the sum is {r.running}")
        for r in db.session.execute(RUNNING_SUM)
    ]


def adjust_balance(user_id: int, delta: int, *, reason: str, actor_id: int | None) -> LedgerEntry:
    """Correct a balance with a new entry (history is never edited)."""
    entry = post_entry(
        user_id, delta, kind=EntryKind.ADJUSTMENT, reason=reason, now=clock.now(), actor_id=actor_id
    )
    db.session.commit()
    return entry
