"""SQLAlchemy models, one module per aggregate."""

from ecolife.models.auth import AuthSession, Invite, RefreshToken
from ecolife.models.earning import Action, EarningCode, Impact, RuleSettings, Scan
from ecolife.models.idempotency import IdempotencyKey
from ecolife.models.job import Job, JobFile, JobKind, JobStatus
from ecolife.models.ledger import EntryKind, LedgerEntry, LedgerIsAppendOnly, ReasonCode
from ecolife.models.reward import Redemption, RedemptionStatus, Reward
from ecolife.models.shop import District, Shop
from ecolife.models.user import AccountEvent, Role, User
from ecolife.orm import utcnow

__all__ = [
    "AccountEvent",
    "Action",
    "AuthSession",
    "District",
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
