"""Idempotency-Key handling: the first outcome of a keyed request is the only one."""

import hashlib
import json
from datetime import datetime

from sqlalchemy import select

from ecolife.errors import DomainError, IdempotencyKeyReused, error_for_code
from ecolife.extensions import db
from ecolife.models import IdempotencyKey


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
