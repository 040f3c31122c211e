"""SQLAlchemy models, one module per aggregate."""

from ecolife.models.area import CODE_LENGTH, Area, AreaLevel, Declaration, ParticipationTarget
from ecolife.models.auth import AuthSession, Invite, RefreshToken
from ecolife.models.campaign import Campaign
from ecolife.models.delivery import (
    ChannelPreference,
    DeliveryChannel,
    LineLink,
    LineLinkCode,
    PushSubscription,
)
from ecolife.models.earning import Action, CardCreditDay, EarningCode, Impact, RuleSettings, Scan
from ecolife.models.idempotency import IdempotencyKey
from ecolife.models.job import Job, JobFile, JobKind, JobStatus
from ecolife.models.ledger import (
    LOT_KINDS,
    EntryKind,
    LedgerEntry,
    LedgerIsAppendOnly,
    ReasonCode,
)
from ecolife.models.notification import Notification, NotificationKind
from ecolife.models.privacy import AccountActivity, Consent, PersonalDataAccess, PrivacyNotice
from ecolife.models.public_impact import PublicImpactCell
from ecolife.models.recovery import Channel, OutboxMessage, PasswordResetCode
from ecolife.models.reward import Redemption, RedemptionStatus, Reward
from ecolife.models.shop import Shop
from ecolife.models.user import AccountEvent, Role, User
from ecolife.orm import utcnow

__all__ = [
    "ChannelPreference",
    "DeliveryChannel",
    "LineLink",
    "LineLinkCode",
    "PushSubscription",
    "CODE_LENGTH",
    "LOT_KINDS",
    "Campaign",
    "Notification",
    "NotificationKind",
    "AccountActivity",
    "AccountEvent",
    "Area",
    "Channel",
    "AreaLevel",
    "Declaration",
    "ParticipationTarget",
    "Action",
    "AuthSession",
    "CardCreditDay",
    "Consent",
    "EarningCode",
    "EntryKind",
    "IdempotencyKey",
    "Impact",
    "Invite",
    "Job",
    "JobFile",
    "JobKind",
    "JobStatus",
    "LedgerEntry",
    "LedgerIsAppendOnly",
    "OutboxMessage",
    "PasswordResetCode",
    "PersonalDataAccess",
    "PrivacyNotice",
    "PublicImpactCell",
    "ReasonCode",
    "Redemption",
    "RedemptionStatus",
    "RefreshToken",
    "Reward",
    "Role",
    "RuleSettings",
    "Scan",
    "Shop",
    "User",
    "utcnow",
]
