"""What the PostgreSQL functions of the hot paths answer (migrations 0005, 0006), as objects
the API's schemas can show, and their refusals as the domain's errors."""

from dataclasses import dataclass
from datetime import UTC, datetime

from ecolife.errors import (
    IdempotencyKeyReused,
    InvalidToken,
    NotFound,
    NotPending,
    PermissionDenied,
    error_for_code,
)

REFUSALS = {
    "invalid_token": InvalidToken,
    "forbidden": PermissionDenied,
    "key_reused": IdempotencyKeyReused,
    "not_found": NotFound,
    "not_pending": NotPending,
}


def raise_refusal(reply: dict) -> None:
    """Raise the domain error a function's reply stands for, if it is a refusal."""
    outcome = reply["outcome"]
    if outcome in REFUSALS:
        raise REFUSALS[outcome]()
    if outcome == "refused":
        raise error_for_code(reply["code"])(**reply["params"])


def moment(value: str | None) -> datetime | None:
    """Read a timestamp as PostgreSQL writes it in JSON (in the server's time zone) as UTC,
    like every other answer of the API."""
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


@dataclass(frozen=True)
class ShopRef:
    id: int
    name: str
    name_en: str | None

    @classmethod
    def of(cls, data: dict) -> "ShopRef":
        return cls(data["id"], data["name"], data["name_en"])


@dataclass(frozen=True)
class ActionRef:
    code: str


@dataclass(frozen=True)
class ScanView:
    id: int
    shop: ShopRef
    action: ActionRef
    quantity: int
    points: int
    code_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, reply: dict) -> "ScanView":
        return cls(
            id=reply["scan_id"],
            shop=ShopRef.of(reply["shop"]),
            action=ActionRef(reply["action"]),
            quantity=reply["quantity"],
            points=reply["points"],
            code_id=reply["code_id"],
            created_at=moment(reply["created_at"]),
        )


@dataclass(frozen=True)
class RewardRef:
    id: int
    name_th: str
    name_en: str | None
    shop: ShopRef


@dataclass(frozen=True)
class ResidentRef:
    display_name: str


@dataclass(frozen=True)
class RedemptionView:
    id: int
    code: str
    status: str
    reward: RewardRef
    points: int
    created_at: datetime
    expires_at: datetime
    resolved_at: datetime | None
    user: ResidentRef

    @classmethod
    def of(cls, data: dict) -> "RedemptionView":
        reward = data["reward"]
        return cls(
            id=data["id"],
            code=data["code"],
            status=data["status"],
            reward=RewardRef(
                reward["id"],
                reward["name_th"],
                reward["name_en"],
                ShopRef.of(reward["shop"]),
            ),
            points=data["points"],
            created_at=moment(data["created_at"]),
            expires_at=moment(data["expires_at"]),
            resolved_at=moment(data["resolved_at"]),
            user=ResidentRef(data["resident"]),
        )
