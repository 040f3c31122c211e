"""Daily upkeep: delete rows that only kept a promise which has run out."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from ecolife import clock
from ecolife.extensions import db
from ecolife.models import (
    AuthSession,
    EarningCode,
    IdempotencyKey,
    Invite,
    Job,
    OutboxMessage,
    PasswordResetCode,
    RefreshToken,
)

# A retried request carries its key for minutes, a phone offline for days: a week is plenty.
IDEMPOTENCY_KEY_DAYS = 7
# A finished job's files hold owners' invite links, which expire within a week anyway.
JOB_DAYS = 7
# Deleted a batch at a time, so no transaction holds many locks for long.
BATCH = 5000


def prune() -> dict[str, int]:
    """Delete old idempotency keys, ended sessions and their refresh tokens, spent refresh
    tokens, expired unused counter codes, used or expired invites, old jobs, expired
    password-reset codes and old delivered or given-up outbox messages; return the count of
    each.

    A counter code that credited a scan stays: the scan refers to it (and its uniqueness is
    what keeps one code from crediting twice).
    """
    now = clock.now()
    ended = select(AuthSession.id).where(
        or_(AuthSession.revoked_at.is_not(None), AuthSession.expires_at < now)
    )
    spent_before = now - current_app.config["REFRESH_TOKEN_TTL"]
    # Delivered or given-up messages hold phone numbers, addresses and links: kept a while.
    outbox_before = now - timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"])
    return {
        "idempotency_keys": _delete(
            IdempotencyKey, IdempotencyKey.created_at < now - timedelta(days=IDEMPOTENCY_KEY_DAYS)
        ),
        "refresh_tokens": _delete(
            RefreshToken,
            or_(
                RefreshToken.session_id.in_(ended),
                RefreshToken.created_at < spent_before,
            ),
        ),
        "sessions": _delete(AuthSession, AuthSession.id.in_(ended)),
        "counter_codes": _delete(
            EarningCode,
            EarningCode.used_at.is_(None),
            EarningCode.expires_at < now - timedelta(days=1),
        ),
        "invites": _delete(Invite, or_(Invite.used_at.is_not(None), Invite.expires_at < now)),
        "jobs": _delete(Job, Job.finished_at < now - timedelta(days=JOB_DAYS)),
        "password_reset_codes": _delete(PasswordResetCode, PasswordResetCode.expires_at < now),
        "outbox_messages": _delete(OutboxMessage, or_(
            OutboxMessage.sent_at < outbox_before, OutboxMessage.failed_at < outbox_before
        )),
    }


def _delete(model, *conditions) -> int:
    deleted = 0
    while True:
        batch = select(model.id).where(*conditions).limit(BATCH).scalar_subquery()
        count = db.session.execute(delete(model).where(model.id.in_(batch))).rowcount
        db.session.commit()
        deleted += count
        if count < BATCH:
            return deleted
