"""Delivery of inbox notifications to people's devices: Web Push, LINE and (staff and admins)
e-mail, each opt-in per user, all through the one outbox.

`fan_out` only queues a job, in the caller's transaction: a campaign told to 100,000
residents costs its request one INSERT per 500 notifications. The job writes one outbox
message per channel and address the user turned on, in their language, held until 07:00 when
it is written in the quiet hours (21:00-07:00 Bangkok). Each notification is fanned out once
(`fanned_out_at`); the outbox sweep fans out those whose job was lost.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from ecolife import clock, rules
from ecolife.errors import ValidationFailed
from ecolife.extensions import db
from ecolife.models import (
    ChannelPreference,
    DeliveryChannel,
    LineLink,
    LineLinkCode,
    Notification,
    PushSubscription,
    Role,
    User,
)
from ecolife.security import token_digest
from ecolife.services import line_messaging, outbox, web_push

# Notifications per fan-out job.
CHUNK = 500
# A notification not fanned out this long after it was made lost its job: the sweep does it.
STALE_FAN_OUT = timedelta(minutes=10)


def fan_out(notification_ids: Sequence[int]) -> None:
    """Queue the delivery of new notifications, in the caller's transaction."""
    from ecolife.jobs import defer_fan_out

    ids = list(notification_ids)
    for start in range(0, len(ids), CHUNK):
        defer_fan_out(ids[start : start + CHUNK])


def write_messages(notification_ids: Sequence[int]) -> int:
    """Write the outbox messages of these notifications (the fan-out job; one transaction);
    return how many.

    Each notification is claimed (fanned_out_at) in the transaction that writes its messages: a
    job run again after its commit, or the sweep, finds it claimed and writes nothing twice."""
    from ecolife.services.notifications import render

    now = clock.now()
    claimed = (
        db.session.execute(
            update(Notification)
            .where(
                Notification.id.in_(list(notification_ids)), Notification.fanned_out_at.is_(None)
            )
            .values(fanned_out_at=now)
            .returning(Notification.id)
        )
        .scalars()
        .all()
    )
    rows = db.session.execute(
        select(Notification, User.role, User.email, User.locale)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(claimed), User.erased_at.is_(None))
        .order_by(Notification.id)
    ).all()
    addresses = _addresses({row.Notification.user_id for row in rows})
    written = 0
    for notification, role, email, locale in rows:
        title, body = render(notification.kind, notification.params, locale or "th")
        # Quiet hours as of when it leaves: a late job must not wake anyone at 23:00.
        not_before = rules.quiet_hours_end(max(notification.created_at, now))
        for channel, to in addresses.of(notification.user_id, role, email):
            outbox.send(
                channel=channel,
                to=to,
                subject=title,
                body=body,
                user_id=notification.user_id,
                not_before=not_before,
            )
            written += 1
    db.session.commit()
    return written


def redo_stale_fan_outs() -> int:
    """Fan out the notifications whose job was lost (STALE_FAN_OUT old, not fanned out: the
    worker died or a try failed for good); return how many were taken (up to CHUNK)."""
    stale = (
        db.session.execute(
            select(Notification.id)
            .where(
                Notification.fanned_out_at.is_(None),
                Notification.created_at < clock.now() - STALE_FAN_OUT,
            )
            .order_by(Notification.id)
            .limit(CHUNK)
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    if stale:
        write_messages(stale)
    return len(stale)


@dataclass
class _Addresses:
    """Where each user's notifications go: the channels they turned on, and their browsers'
    subscriptions and LINE account."""

    enabled: set[tuple[int, str]]
    subscriptions: dict[int, list[int]]
    line: dict[int, str]

    def of(self, user_id: int, role: str, email: str | None) -> list[tuple[str, str]]:
        found = []
        if (user_id, DeliveryChannel.WEB_PUSH) in self.enabled:
            found += [
                ("web_push", web_push.address(s)) for s in self.subscriptions.get(user_id, [])
            ]
        if (user_id, DeliveryChannel.LINE) in self.enabled and user_id in self.line:
            found.append(("line", self.line[user_id]))
        if (user_id, DeliveryChannel.EMAIL) in self.enabled and email_available(role, email):
            found.append(("email", email))
        return found


def _addresses(user_ids: set[int]) -> _Addresses:
    enabled = db.session.execute(
        select(ChannelPreference.user_id, ChannelPreference.channel).where(
            ChannelPreference.user_id.in_(user_ids), ChannelPreference.enabled
        )
    ).all()
    subscriptions: dict[int, list[int]] = defaultdict(list)
    for user_id, subscription_id in db.session.execute(
        select(PushSubscription.user_id, PushSubscription.id)
        .where(PushSubscription.user_id.in_(user_ids))
        .order_by(PushSubscription.id)
    ):
        subscriptions[user_id].append(subscription_id)
    line = dict(
        db.session.execute(
            select(LineLink.user_id, LineLink.line_user_id).where(LineLink.user_id.in_(user_ids))
        ).all()
    )
    return _Addresses({(u, c) for u, c in enabled}, subscriptions, line)


def email_available(role: str, email: str | None) -> bool:
    """E-mail notifications are for staff and admins who have an address."""
    return role in (Role.SHOP_STAFF, Role.ADMIN) and bool(email)


def set_channel(user_id: int, channel: str, enabled: bool) -> None:
    """Record a user's choice for one channel (no commit: part of the caller's use case)."""
    db.session.execute(
        insert(ChannelPreference)
        .values(user_id=user_id, channel=channel, enabled=enabled, updated_at=clock.now())
        .on_conflict_do_update(
            index_elements=[ChannelPreference.user_id, ChannelPreference.channel],
            set_={"enabled": enabled, "updated_at": clock.now()},
        )
    )


def channel_settings(user_id: int) -> dict:
    """The user's channels: {web_push, line: {enabled, linked, available}, email: {enabled,
    available}} (web_push also tells whether this server can push and has browsers)."""
    user = db.session.get(User, user_id)
    enabled = {
        channel
        for channel, on in db.session.execute(
            select(ChannelPreference.channel, ChannelPreference.enabled).where(
                ChannelPreference.user_id == user_id
            )
        )
        if on
    }
    linked = db.session.get(LineLink, user_id) is not None
    endpoints = db.session.scalars(
        select(PushSubscription.endpoint).where(PushSubscription.user_id == user_id)
    ).all()
    return {
        "web_push": DeliveryChannel.WEB_PUSH in enabled,
        "web_push_available": web_push.enabled(),
        "web_push_subscribed": bool(endpoints),
        # Which browsers: the app tells "on this phone" by its own endpoint's digest.
        "web_push_browsers": sorted(token_digest(e) for e in endpoints),
        "line": {
            "enabled": DeliveryChannel.LINE in enabled,
            "linked": linked,
            "available": line_messaging.enabled(),
            "add_friend_url": current_app.config["LINE_ADD_FRIEND_URL"],
        },
        "email": {
            "enabled": DeliveryChannel.EMAIL in enabled,
            "available": email_available(user.role, user.email),
        },
    }


def change_channel_settings(user_id: int, changes: dict) -> dict:
    """Turn channels on or off (one use case); e-mail only where it is available."""
    user = db.session.get(User, user_id)
    wanted = {
        DeliveryChannel.WEB_PUSH: changes.get("web_push"),
        DeliveryChannel.LINE: (changes.get("line") or {}).get("enabled"),
        DeliveryChannel.EMAIL: (changes.get("email") or {}).get("enabled"),
    }
    if wanted[DeliveryChannel.EMAIL] and not email_available(user.role, user.email):
        raise ValidationFailed({"email": {"enabled": ["only for staff and admins with e-mail"]}})
    for channel, enabled in wanted.items():
        if enabled is not None:
            set_channel(user_id, channel, enabled)
    db.session.commit()
    return channel_settings(user_id)


def erase_delivery_addresses(user_id: int) -> None:
    """Forget where a user's notifications went (an erased account; no commit)."""
    for model in (PushSubscription, LineLink, LineLinkCode, ChannelPreference):
        db.session.execute(delete(model).where(model.user_id == user_id))
