"""Points expiry: which of a resident's points expire when, the job that expires them, and
the reminder before they do.

THE EXPIRY RULE, written once here (in SQL, so every reader and the job agree). A resident's
lots are their entries with delta > 0 and a kind in LOT_KINDS (earn, bonus, adjustment);
every other entry is consumption (a refund counts as negative consumption: it undoes its
redemption). Consumption takes lots in the order (expires_at NULLS LAST, id): the points that
expire soonest go first. So a resident's unspent points are always the LAST lots in that
order summing to their balance, and a lot's unspent part is

    clamp(balance - (the points of the lots after it in that order), 0, delta).

Expiring an account posts one `expire` entry of balance - (the points of the lots not yet
past their date), when that is positive: the points of the past lots that are not consumed.
A refund after a lot's date gives its points back with that date, so the next run expires
them.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ecolife import clock, rules
from ecolife.extensions import db
from ecolife.logs import log_event
from ecolife.models import (
    LOT_KINDS,
    EntryKind,
    LedgerEntry,
    ReasonCode,
    Redemption,
    RedemptionStatus,
    User,
)
from ecolife.models.notification import NotificationKind
from ecolife.services.ledger import post_entry

# Residents looked at (and accounts expired, each in its own transaction) per search.
BATCH = 500
# Residents are told this long before their points expire.
REMIND_BEFORE = timedelta(days=14)

# The kinds as SQL literals, not an expanding parameter: prebuilt statements use this too.
_LOT_KIND_NAMES = [literal_column(f"'{kind.value}'") for kind in LOT_KINDS]
_IS_LOT = and_(LedgerEntry.delta > 0, LedgerEntry.kind.in_(_LOT_KIND_NAMES))
_ZERO = literal(0)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Expiring:
    points: int
    expires_at: datetime  # the first moment they no longer count


def unspent_lots(whose: ColumnElement) -> Select:
    """Select (user_id, expires_at, points) of every lot of the residents `whose` picks, with
    the points of it not consumed yet under THE EXPIRY RULE."""
    later = (
        func.sum(LedgerEntry.delta).over(
            partition_by=LedgerEntry.user_id,
            order_by=(LedgerEntry.expires_at.desc().nulls_first(), LedgerEntry.id.desc()),
        )
        - LedgerEntry.delta
    )
    points = func.greatest(_ZERO, func.least(LedgerEntry.delta, User.balance - later))
    return (
        select(LedgerEntry.user_id, LedgerEntry.expires_at, points.label("points"))
        .join(User, User.id == LedgerEntry.user_id)
        .where(_IS_LOT, whose)
    )


def expiring_column(user_id: ColumnElement) -> ColumnElement:
    """A scalar subquery: the resident's unspent dated points as a JSON list of {points,
    expires_at}, soonest first ([] when none). For the /me read; with no bind to another
    row, PostgreSQL runs it once per statement, and only when some lot of theirs has a date."""
    lots = unspent_lots(LedgerEntry.user_id == user_id).subquery()
    grouped = (
        select(lots.c.expires_at, func.sum(lots.c.points).label("points"))
        .where(lots.c.expires_at.is_not(None), lots.c.points > 0)
        .group_by(lots.c.expires_at)
        .subquery()
    )
    item = func.json_build_object("points", grouped.c.points, "expires_at", grouped.c.expires_at)
    dated = exists().where(LedgerEntry.user_id == user_id, LedgerEntry.expires_at.is_not(None))
    listed = func.json_agg(aggregate_order_by(item, grouped.c.expires_at))
    return (
        select(func.coalesce(listed, func.json_build_array()))
        .select_from(grouped)
        .where(dated)
        .scalar_subquery()
    )


EXPIRING = select(func.coalesce(expiring_column(bindparam("user_id")), func.json_build_array()))


def expiring(user_id: int) -> list[Expiring]:
    """List a resident's unspent points that have an expiry date, by date, soonest first.

    Points already past their date that the expiry job has not taken yet (it runs every 15
    minutes) are listed too, with their past date: they still count until it runs.
    """
    return as_expiring(db.session.scalar(EXPIRING, {"user_id": user_id}))


def as_expiring(items: list[dict] | None) -> list[Expiring]:
    """Read the JSON list of expiring_column."""
    return [Expiring(int(item["points"]), _instant(item["expires_at"])) for item in (items or [])]


def _instant(text: str | datetime) -> datetime:
    return text if isinstance(text, datetime) else datetime.fromisoformat(text)


# -- the expiry job --------------------------------------------------------------------------


def _not_past(now: ColumnElement) -> ColumnElement:
    """The points of a resident's lots (the correlated User's) not past their date at `now`."""
    return (
        select(func.coalesce(func.sum(LedgerEntry.delta), 0))
        .where(
            LedgerEntry.user_id == User.id,
            _IS_LOT,
            or_(LedgerEntry.expires_at.is_(None), LedgerEntry.expires_at > now),
        )
        .scalar_subquery()
    )


def _past_lot(now: ColumnElement) -> ColumnElement:
    return and_(LedgerEntry.user_id == User.id, LedgerEntry.expires_at <= now)


def due_at(moment: ColumnElement) -> ColumnElement:
    """The correlated User's points the expiry rule writes off at `moment`: their balance
    minus the points of their lots not past it (positive only when some are due)."""
    return User.balance - _not_past(moment)


def due_column(user_id: ColumnElement, now: ColumnElement) -> ColumnElement:
    """A scalar subquery: a resident's points due at `now`, NULL (one index probe, no sum)
    when no lot of theirs is past its date."""
    return (
        select(due_at(now))
        .where(User.id == user_id, exists().where(_past_lot(now)))
        .scalar_subquery()
    )


_NOW = bindparam("now")
# The frequent run looks this far back: lots that reached their date, refunds made.
RECENT = timedelta(days=2)
_SINCE = bindparam("since")


def _due_search(*candidates: ColumnElement) -> Select:
    """Residents with points due at `now`, a batch at a time by id, among `candidates`."""
    return (
        select(User.id)
        .where(User.id > bindparam("after"), User.balance > 0, *candidates, due_at(_NOW) > 0)
        .order_by(User.id)
        .limit(bindparam("limit"))
    )


# The full sweep (nightly, and `ecolife expire-points`): anyone with a past lot. Every
# resident who ever had points expire stays a candidate, so this one is not run often.
DUE_SEARCH = _due_search(exists().where(_past_lot(_NOW)))
# The frequent run: residents with a lot dated in the last 2 days (the partial index on
# expires_at), or a refund in them (it may give back points already past their date).
# Refunds are found through their redemptions (cancelled or expired lately: the index on
# status and expires_at; a cancel comes before the hold's end, an expiry right after it).
_RECENT_LOTS = select(LedgerEntry.user_id).where(
    LedgerEntry.expires_at > _SINCE, LedgerEntry.expires_at <= _NOW
)
_RECENT_REFUNDS = select(LedgerEntry.user_id).where(
    LedgerEntry.kind == EntryKind.REFUND.value,
    LedgerEntry.created_at > _SINCE,
    LedgerEntry.redemption_id.in_(
        select(Redemption.id).where(
            Redemption.status.in_(
                [RedemptionStatus.CANCELLED.value, RedemptionStatus.EXPIRED.value]
            ),
            Redemption.expires_at > _SINCE,
        )
    ),
)
RECENT_DUE_SEARCH = _due_search(User.id.in_(union(_RECENT_LOTS, _RECENT_REFUNDS)))
# One resident's due points and the latest date among their past lots (read under the lock).
DUE = select(
    due_at(_NOW),
    select(func.max(LedgerEntry.expires_at)).where(_past_lot(_NOW)).scalar_subquery(),
).where(User.id == bindparam("user_id"))
# FOR NO KEY UPDATE: the key-share locks of rows inserted meanwhile that refer to the
# resident (notifications, entries) do not wait for it, nor it for them.
LOCK = select(User.id).where(User.id == bindparam("user_id")).with_for_update(key_share=True)


def expire_points(now: datetime | None = None) -> int:
    """Write an `expire` entry for every resident with points past their date and not
    consumed (the full sweep); return how many accounts were expired. Each account in a
    short transaction of its own, so a second run, or a second worker at once, writes
    nothing more."""
    return _expire_found(DUE_SEARCH, now or clock.now())


def expire_recent(now: datetime | None = None) -> int:
    """Expire the accounts of residents with a lot dated, or a refund, in the last 2 days
    (the frequent run; the nightly full sweep catches anything else); return how many."""
    return _expire_found(RECENT_DUE_SEARCH, now or clock.now())


def _expire_found(search: Select, now: datetime) -> int:
    expired = after = looked = 0
    while True:
        params = {"now": now, "since": now - RECENT, "after": after, "limit": BATCH}
        found = db.session.scalars(search, params).all()
        db.session.commit()
        expired += sum(_expire_account(user_id, now) for user_id in found)
        looked += len(found)
        log_event("points_expiry", residents_due=looked, accounts_expired=expired)
        if len(found) < BATCH:
            return expired
        after = found[-1]


def _expire_account(user_id: int, now: datetime) -> bool:
    """Expire one resident's past points, if any are still unspent; one transaction."""
    expired = expire_due(user_id, now)
    db.session.commit()
    return expired


def expire_due(user_id: int, now: datetime) -> bool:
    """Post the `expire` entry of a resident's points due at `now`, if any, in the
    caller's transaction (which commits); say whether there were any."""
    # Lock the resident's row first, then read in a new statement (a new snapshot): every
    # entry committed before the lock was granted counts, and none can come in meanwhile.
    db.session.execute(LOCK, {"user_id": user_id})
    due, latest = db.session.execute(DUE, {"now": now, "user_id": user_id}).one()
    if due <= 0:
        return False
    post_entry(
        user_id,
        -due,
        kind=EntryKind.EXPIRE,
        now=now,
        reason_code=ReasonCode.POINTS_EXPIRED,
        reason_params={"before": bangkok_date(latest).isoformat()},
    )
    return True


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def bangkok_date(moment: datetime) -> date:
    """The Bangkok date of an instant (an expiry instant is a Bangkok midnight)."""
    return moment.astimezone(rules.BANGKOK).date()


# -- the reminder ----------------------------------------------------------------------------


def _soon(now: ColumnElement, until: ColumnElement) -> ColumnElement:
    return and_(LedgerEntry.expires_at > now, LedgerEntry.expires_at <= until)


# Residents with a lot expiring in the window, a batch at a time by id (the partial index on
# expires_at finds them); an erased account is told nothing.
SOON_SEARCH = (
    select(LedgerEntry.user_id)
    .join(User, User.id == LedgerEntry.user_id)
    .where(
        _soon(_NOW, bindparam("until")),
        LedgerEntry.user_id > bindparam("after"),
        User.erased_at.is_(None),
    )
    .group_by(LedgerEntry.user_id)
    .order_by(LedgerEntry.user_id)
    .limit(bindparam("limit"))
)


def _expiring_soon(user_ids: list[int], now: datetime, until: datetime) -> list:
    lots = unspent_lots(LedgerEntry.user_id.in_(user_ids)).subquery()
    in_window = and_(lots.c.expires_at > now, lots.c.expires_at <= until, lots.c.points > 0)
    return db.session.execute(
        select(lots.c.user_id, lots.c.expires_at, func.sum(lots.c.points).label("points"))
        .where(in_window)
        .group_by(lots.c.user_id, lots.c.expires_at)
        .order_by(lots.c.user_id, lots.c.expires_at)
    ).all()


def notify_expiring(now: datetime | None = None) -> int:
    """Tell each resident whose points expire within 14 days how many and when (once per
    expiry date); return how many notifications were new."""
    from ecolife.services.notifications import notify

    now = now or clock.now()
    until, told, after = now + REMIND_BEFORE, 0, 0
    while True:
        params = {"now": now, "until": until, "after": after, "limit": BATCH}
        user_ids = db.session.scalars(SOON_SEARCH, params).all()
        for row in _expiring_soon(list(user_ids), now, until) if user_ids else []:
            told += (
                notify(
                    row.user_id,
                    NotificationKind.POINTS_EXPIRING,
                    {"points": int(row.points), "expires_at": _utc(row.expires_at)},
                    dedupe_key=bangkok_date(row.expires_at).isoformat(),
                )
                is not None
            )
        db.session.commit()
        if len(user_ids) < BATCH:
            log_event("points_expiring_told", notifications=told)
            return told
        after = user_ids[-1]
