"""The points ledger: posting entries, reading history, proving balances add up."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Select,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.orm import selectinload

from ecolife import clock, rules
from ecolife.errors import InsufficientPoints, NotFound
from ecolife.extensions import db
from ecolife.models import EntryKind, LedgerEntry, ReasonCode, Shop, User
from ecolife.pagination import Page, paginate
from ecolife.services.settings import current_limits
from ecolife.services.unit import value, values


def account_change(*, guarded: bool = False):
    """Build the CTE `account` that moves a resident's balance: the UPDATE of their row,
    answering the balance after, or no row when it would go below zero.

    Parameters: user_id, delta; and, if `guarded`, row_version: the row's version (its
    `xmin`, which every UPDATE of the row changes) as the use case read it. A guarded change
    then also answers no row when another transaction changed the row since that read, and
    under READ COMMITTED PostgreSQL checks the version on the newest row after waiting for
    its lock: nothing that row's owner did in between goes unseen (see
    database.retry_conflicts).
    """
    user_id, delta = _param(LedgerEntry.user_id), _param(LedgerEntry.delta)
    # A literal 0: an anonymous parameter would need a value in every execution's params.
    where = [User.id == user_id, User.balance + delta >= literal_column("0")]
    if guarded:
        where.append(text("users.xmin = CAST(CAST(:v_row_version AS text) AS xid)"))
    return (
        update(User)
        .where(*where)
        .values(balance=User.balance + delta)
        .returning(User.balance)
        .cte("account")
    )


# What a use case reads to guard its change of the resident's row (see account_change).
ROW_VERSION = literal_column("users.xmin::text").label("row_version")


def posting(
    *,
    scan_id: ColumnElement | None = None,
    redemption_id: ColumnElement | None = None,
    account: CTE | None = None,
) -> Select:
    """Build the one statement that moves a balance and appends its entry; it answers the
    balance after, or no row when the balance would go below zero (then nothing changes).

    Parameters: user_id, delta, kind, reason, reason_code, reason_params, now, shop_id,
    actor_id, entry_expires_at (a credit's expiry, else None), campaign_id, and scan_id and
    redemption_id unless they are given as expressions (a scalar subquery of a row that the
    same statement inserts). The conditional UPDATE (`account`, default account_change()) is
    the guard, whatever runs at once.
    Build it once and execute it many times: compiling is the costly part.
    """
    account = account if account is not None else account_change()
    given = {"scan_id": scan_id, "redemption_id": redemption_id}
    values = [
        given.get(column.key) if given.get(column.key) is not None else _param(column)
        for column in ENTRY_COLUMNS
    ]
    entry = (
        insert(LedgerEntry)
        .from_select(
            [*ENTRY_COLUMNS, LedgerEntry.balance_after],
            select(*values, account.c.balance),
        )
        .returning(LedgerEntry.balance_after)
        .cte("entry")
    )
    return select(entry.c.balance_after)


ENTRY_COLUMNS = (
    LedgerEntry.user_id,
    LedgerEntry.kind,
    LedgerEntry.delta,
    LedgerEntry.reason,
    LedgerEntry.reason_code,
    LedgerEntry.reason_params,
    LedgerEntry.shop_id,
    LedgerEntry.scan_id,
    LedgerEntry.redemption_id,
    LedgerEntry.actor_id,
    LedgerEntry.created_at,
    LedgerEntry.expires_at,
    LedgerEntry.campaign_id,
)
# Parameter names that differ from the column's (a redemption's own expires_at is another).
_PARAM_NAMES = {"created_at": "now", "expires_at": "entry_expires_at"}


def _param(column) -> BindParameter:
    # Typed, so psycopg sends it with a cast PostgreSQL can place in a SELECT list.
    return value(_PARAM_NAMES.get(column.key, column.key), column.type)


ENTRY = posting()


def post_entry(
    user_id: int,
    delta: int,
    *,
    kind: str,
    now: datetime,
    reason: str = "",
    reason_code: str = ReasonCode.ADJUSTMENT,
    reason_params: dict | None = None,
    shop_id: int | None = None,
    redemption_id: int | None = None,
    actor_id: int | None = None,
    expires_at: datetime | None = None,
    campaign_id: int | None = None,
) -> int:
    """Append an entry in the caller's transaction and return the balance after it."""
    balance = db.session.connection().scalar(
        ENTRY,
        values(
            user_id=user_id,
            delta=delta,
            kind=kind,
            reason=reason,
            reason_code=reason_code,
            reason_params=reason_params or {},
            now=now,
            shop_id=shop_id,
            scan_id=None,
            redemption_id=redemption_id,
            actor_id=actor_id,
            entry_expires_at=expires_at,
            campaign_id=campaign_id,
        ),
    )
    if balance is None:
        raise InsufficientPoints()
    return balance


def history(user_id: int, *, limit: int, cursor: str | None, shop_id: int | None = None) -> Page:
    """Return a resident's entries (at one shop, if given), newest first, a page at a time,
    with the scan and redemption each one's reason names."""
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.user_id == user_id)
        .options(selectinload(LedgerEntry.scan), selectinload(LedgerEntry.redemption))
    )
    if shop_id is not None:
        stmt = stmt.where(LedgerEntry.shop_id == shop_id)
    return paginate(stmt, LedgerEntry.id, limit=limit, cursor=cursor, newest_first=True)


def shops_in_history(user_id: int) -> list[Shop]:
    """List the shops that appear in a resident's ledger, by name."""
    seen = select(LedgerEntry.shop_id).where(LedgerEntry.user_id == user_id)
    return list(db.session.scalars(select(Shop).where(Shop.id.in_(seen)).order_by(Shop.name)))


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


@dataclass(frozen=True)
class Adjustment:
    delta: int
    balance_after: int


def adjust_balance(user_id: int, delta: int, *, reason: str, actor_id: int | None) -> Adjustment:
    """Correct a balance with a new entry (history is never edited). Points added expire
    like earned ones."""
    if db.session.get(User, user_id) is None:
        raise NotFound()
    now = clock.now()
    balance = post_entry(
        user_id,
        delta,
        kind=EntryKind.ADJUSTMENT,
        reason=reason,
        now=now,
        actor_id=actor_id,
        expires_at=rules.points_expiry(current_limits(), now) if delta > 0 else None,
    )
    db.session.commit()
    return Adjustment(delta, balance)
