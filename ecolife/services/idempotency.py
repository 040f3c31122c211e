"""Idempotency-Key handling: the first outcome of a keyed request is the only one.

A keyed use case reads the resident's row with this key (a redemption locks the row first, a
scan guards its write by the row's version instead: either way a twin request that wrote
first is seen), replays what the key got the first time, or decides and writes, recording
its outcome with its write.
"""

import hashlib
import json
from datetime import datetime

import psycopg
from sqlalchemy import (
    CTE,
    ColumnElement,
    Insert,
    Row,
    Select,
    and_,
    bindparam,
    insert,
    null,
    select,
)

from ecolife.database import prebuilt
from ecolife.errors import (
    DomainError,
    IdempotencyKeyReused,
    InvalidToken,
    PermissionDenied,
    error_for_code,
)
from ecolife.extensions import db
from ecolife.models import AuthSession, IdempotencyKey, Role, User
from ecolife.services.unit import value, values

# Two twin requests that both found no key: the second one's INSERT breaks this.
KEY_CONSTRAINT = "uq_idempotency_keys_user_key"
KEY_COLUMNS = (
    IdempotencyKey.fingerprint.label("key_fingerprint"),
    IdempotencyKey.scan_id.label("key_scan_id"),
    IdempotencyKey.redemption_id.label("key_redemption_id"),
    IdempotencyKey.error_code.label("key_error_code"),
    IdempotencyKey.error_params.label("key_error_params"),
)


def fingerprint(operation: str, **body) -> str:
    """Digest an operation and its parsed body, so a changed body is told apart."""
    canonical = json.dumps([operation, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def resident_read(*columns) -> Select:
    """Start a keyed use case's read of the resident's row behind a session that is not
    signed out, with `columns`; the use case adds its outer joins.

    Parameters: `user_id`, `session_id`.
    """
    live = and_(
        AuthSession.id == bindparam("session_id"),
        AuthSession.user_id == User.id,
        AuthSession.revoked_at.is_(None),
    )
    # Not erased: read under the row lock, a request that waited for an erasure (PDPA) finds
    # the account gone, though the session row it joined was read before the erasure ended it.
    return (
        select(User.role, User.suspended_at, *columns)
        .select_from(User)
        .join(AuthSession, live)
        .where(User.id == bindparam("user_id"), User.erased_at.is_(None))
    )


def holder_read(*columns) -> Select:
    """Start the read of a member card holder's row at the counter, with `columns`: staff
    act for them, so no session of theirs is read (the staff member's was checked). An
    account erased since the card was looked up reads as none (read_resident's `missing`).

    Parameters: `user_id`.
    """
    return (
        select(User.role, User.suspended_at, *columns)
        .select_from(User)
        .where(User.id == bindparam("user_id"), User.erased_at.is_(None))
    )


def locking_read(*columns) -> Select:
    """resident_read, locking the resident's row: two phones (or two retries) of one
    resident then run one at a time, and each sees what the other wrote."""
    return resident_read(*columns).with_for_update(of=User)


def read_resident(
    params: dict,
    *statements: Select,
    conn: psycopg.Connection | None = None,
    missing: type[DomainError] = InvalidToken,
) -> list[Row]:
    """Run a use case's read of the resident (and any reads after it); return a row of each.

    Refuses a signed-out session (or, at the counter, a holder who is gone: `missing`), or
    an account that is not a resident's (the role is the account's, not the token's claim).
    """
    rows = prebuilt(*((statement, params) for statement in statements), conn=conn)
    found = rows[0]
    if not found or found[0].role != Role.RESIDENT:
        (conn or db.session).rollback()
        raise missing() if not found else PermissionDenied()
    return [row[0] for row in rows]


def with_key(statement: Select) -> Select:
    """Add the key's first outcome, if any, to a read of the resident's row.

    Parameters: `key` (and the statement's own).
    """
    seen = (IdempotencyKey.user_id == User.id) & (IdempotencyKey.key == bindparam("key"))
    return statement.add_columns(*KEY_COLUMNS).outerjoin(IdempotencyKey, seen)


def key_read(*columns) -> Select:
    """Build the read that follows the lock: the key's first outcome, if any, and `columns`.

    Parameters: `user_id`, `key`, and whatever `columns` name.
    """
    return with_key(select(*columns).select_from(User).where(User.id == bindparam("user_id")))


def seen_before(row: Row, digest: str) -> bool:
    """Say whether the key was used before: refuse it for another body, and raise again the
    refusal it got the first time."""
    if row.key_fingerprint is None:
        return False
    if row.key_fingerprint != digest:
        raise IdempotencyKeyReused()
    if row.key_error_code is not None:
        raise error_for_code(row.key_error_code)(**(row.key_error_params or {}))
    return True


def outcome(
    *,
    scan_id: ColumnElement | None = None,
    redemption_id: ColumnElement | None = None,
    created: CTE | None = None,
) -> Insert:
    """Build the INSERT that records what a keyed request created, for the caller's batch;
    given the `created` CTE, only if that wrote a row (then `scan_id` may name its column).

    Parameters: user_id, key, fingerprint, now.
    """
    columns = {
        "user_id": value("user_id", IdempotencyKey.user_id.type),
        "key": value("key", IdempotencyKey.key.type),
        "fingerprint": value("fingerprint", IdempotencyKey.fingerprint.type),
        "scan_id": null() if scan_id is None else scan_id,
        "redemption_id": null() if redemption_id is None else redemption_id,
        "created_at": value("now", IdempotencyKey.created_at.type),
    }
    if created is None:
        return insert(IdempotencyKey).values(columns)
    return insert(IdempotencyKey).from_select(
        list(columns), select(*columns.values()).select_from(created)
    )


def remember_refusal(
    user_id: int,
    key: str,
    digest: str,
    now: datetime,
    refusal: DomainError,
    *,
    conn: psycopg.Connection | None = None,
) -> None:
    """Record the refusal a keyed request got (retries get it too): on `conn` in its
    caller's transaction, or else in the session's, which it commits."""
    params = values(
        user_id=user_id,
        key=key,
        fingerprint=digest,
        error_code=refusal.code,
        error_params=dict(refusal.params),
        now=now,
    )
    prebuilt((REFUSAL, params), conn=conn)
    if conn is None:
        db.session.commit()


REFUSAL = insert(IdempotencyKey).values(
    user_id=value("user_id"),
    key=value("key"),
    fingerprint=value("fingerprint"),
    error_code=value("error_code"),
    error_params=value("error_params", IdempotencyKey.error_params.type),
    created_at=value("now", IdempotencyKey.created_at.type),
)
