"""PDPA right of access: everything EcoLife holds about one resident, as plain JSON values."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ecolife import clock
from ecolife.errors import NotFound
from ecolife.extensions import db
from ecolife.models import (
    AccountActivity,
    AccountEvent,
    Action,
    AuthSession,
    ChannelPreference,
    Consent,
    LedgerEntry,
    LineLink,
    Notification,
    PersonalDataAccess,
    PushSubscription,
    Redemption,
    Reward,
    Scan,
    Shop,
    User,
)
from ecolife.models.recovery import OutboxMessage

PROFILE_FIELDS = (
    "id",
    "display_name",
    "role",
    "phone",
    "email",
    "locale",
    "home_tambon_code",
    "home_village_no",
    "balance",
    "card_code",
    "suspended_at",
    "suspended_reason",
    "created_at",
    "erased_at",
)


def export_personal_data(user_id: int) -> dict[str, Any]:
    """Return the user's profile, consents, ledger, scans, redemptions, sign-ins, the
    messages sent to them and the admins who opened their data."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    profile = {name: _plain(getattr(user, name)) for name in PROFILE_FIELDS}
    profile["card_pin_set"] = user.card_pin_hash is not None
    activity = db.session.get(AccountActivity, user_id)
    profile["last_active_at"] = _plain(activity.last_active_at) if activity else None
    return {
        "exported_at": _plain(clock.now()),
        "profile": profile,
        "consents": _rows(
            select(Consent.notice_version.label("privacy_notice_version"), Consent.accepted_at)
            .where(Consent.user_id == user_id)
            .order_by(Consent.id)
        ),
        "ledger": _rows(_ledger(user_id)),
        "scans": _rows(_scans(user_id)),
        "redemptions": _rows(_redemptions(user_id)),
        "sign_ins": _rows(
            select(AuthSession.created_at, AuthSession.expires_at, AuthSession.revoked_at)
            .where(AuthSession.user_id == user_id)
            .order_by(AuthSession.id)
        ),
        "account_events": _rows(
            select(AccountEvent.kind, AccountEvent.reason, AccountEvent.created_at)
            .where(AccountEvent.user_id == user_id)
            .order_by(AccountEvent.id)
        ),
        "messages": _rows(
            select(
                OutboxMessage.channel,
                OutboxMessage.to,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.created_at,
                OutboxMessage.sent_at,
            )
            .where(OutboxMessage.user_id == user_id)
            .order_by(OutboxMessage.id)
        ),
        "personal_data_accesses": _rows(_accesses(user_id)),
        "notifications": _rows(_notifications(user_id)),
        **_delivery_addresses(user_id),
    }


def _delivery_addresses(user_id: int) -> dict[str, Any]:
    # Where notifications go: their choices, their browsers' push addresses, their LINE account.
    return {
        "notification_channels": _rows(
            select(
                ChannelPreference.channel, ChannelPreference.enabled, ChannelPreference.updated_at
            )
            .where(ChannelPreference.user_id == user_id)
            .order_by(ChannelPreference.channel)
        ),
        "push_subscriptions": _rows(
            select(
                PushSubscription.endpoint,
                PushSubscription.created_at,
                PushSubscription.last_success_at,
            )
            .where(PushSubscription.user_id == user_id)
            .order_by(PushSubscription.id)
        ),
        "line_account": _rows(
            select(LineLink.line_user_id, LineLink.linked_at).where(LineLink.user_id == user_id)
        ),
    }


def _notifications(user_id: int):
    # The inbox as stored: its kind and parameters (texts are rendered from them on reading).
    return (
        select(
            Notification.id,
            Notification.kind,
            Notification.params,
            Notification.created_at,
            Notification.read_at,
        )
        .where(Notification.user_id == user_id)
        .order_by(Notification.id)
    )


def _ledger(user_id: int):
    return (
        select(
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.delta,
            LedgerEntry.balance_after,
            LedgerEntry.reason_code,
            LedgerEntry.reason,
            Shop.name.label("shop"),
            LedgerEntry.scan_id,
            LedgerEntry.redemption_id,
            LedgerEntry.created_at,
        )
        .outerjoin(Shop, Shop.id == LedgerEntry.shop_id)
        .where(LedgerEntry.user_id == user_id)
        .order_by(LedgerEntry.id)
    )


def _scans(user_id: int):
    return (
        select(
            Scan.id,
            Shop.name.label("shop"),
            Action.code.label("action"),
            Scan.quantity,
            Scan.points,
            Scan.created_at,
        )
        .join(Shop, Shop.id == Scan.shop_id)
        .join(Action, Action.id == Scan.action_id)
        .where(Scan.user_id == user_id)
        .order_by(Scan.id)
    )


def _redemptions(user_id: int):
    return (
        select(
            Redemption.id,
            Redemption.code,
            Reward.name_th.label("reward"),
            Shop.name.label("shop"),
            Redemption.points,
            Redemption.status,
            Redemption.created_at,
            Redemption.expires_at,
            Redemption.resolved_at,
        )
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Shop, Shop.id == Redemption.shop_id)
        .where(Redemption.user_id == user_id)
        .order_by(Redemption.id)
    )


def _accesses(user_id: int):
    admin = aliased(User)
    return (
        select(
            admin.display_name.label("admin"),
            PersonalDataAccess.what,
            PersonalDataAccess.created_at,
        )
        .join(admin, admin.id == PersonalDataAccess.admin_id)
        .where(PersonalDataAccess.resident_id == user_id)
        .order_by(PersonalDataAccess.id)
    )


def _rows(stmt) -> list[dict[str, Any]]:
    return [
        {key: _plain(value) for key, value in row._mapping.items()}
        for row in db.session.execute(stmt)
    ]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
