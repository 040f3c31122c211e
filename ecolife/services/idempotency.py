"""Idempotency-Key handling: the first outcome of a keyed request is the only one."""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select

from ecolife.errors import DomainError, IdempotencyKeyReused, ValidationFailed, error_for_code
from ecolife.extensions import db
from ecolife.models import IdempotencyKey, User
from ecolife.services.ledger import lock_account

Result = TypeVar("Result")


def run_once(
    user_id: int,
    key: str,
    digest: str,
    now: datetime,
    *,
    attempt: Callable[[User], Result],
    replay: Callable[[IdempotencyKey], Result],
    outcome: Callable[[Result], dict],
) -> Result:
    """Run a resident's keyed request once: replay the first outcome, or attempt and record it.

    `attempt` gets the locked resident and must refuse before it writes (or in a savepoint);
    `outcome` names what it created, e.g. `{"scan_id": …}`. Invalid input is not recorded,
    so the client can correct it under the same key.
    """
    resident = lock_account(user_id)
    previous = previous_outcome(user_id, key, digest)
    if previous is not None:
        db.session.rollback()
        if previous.error_code is not None:
            raise replay_refusal(previous)
        return replay(previous)
    try:
        result = attempt(resident)
    except ValidationFailed:
        raise
    except DomainError as refusal:
        remember(user_id, key, digest, now, refusal=refusal)
        db.session.commit()
        raise
    remember(user_id, key, digest, now, **outcome(result))
    db.session.commit()
    return result


def fingerprint(operation: str, **body) -> str:
    """Digest an operation and its parsed body, so a changed body is told apart."""
    canonical = json.dumps([operation, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def previous_outcome(user_id: int, key: str, digest: str) -> IdempotencyKey | None:
    """Return what this key got the first time, refusing it for a different request.

    Call it with the resident's row locked, so concurrent twins wait and then see it.
    """
    previous = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if previous is not None and previous.fingerprint != digest:
        raise IdempotencyKeyReused()
    return previous


def remember(
    user_id: int,
    key: str,
    digest: str,
    now: datetime,
    *,
    scan_id: int | None = None,
    redemption_id: int | None = None,
    refusal: DomainError | None = None,
) -> None:
    """Record the outcome of a keyed request in the caller's transaction."""
    db.session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            fingerprint=digest,
            scan_id=scan_id,
            redemption_id=redemption_id,
            error_code=refusal.code if refusal else None,
            error_params=dict(refusal.params) if refusal else None,
            created_at=now,
        )
    )


def replay_refusal(previous: IdempotencyKey) -> DomainError:
    """Rebuild the refusal a key got the first time."""
    return error_for_code(previous.error_code)(**(previous.error_params or {}))
