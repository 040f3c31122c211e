"""Replies of the PostgreSQL functions become the API's objects and errors."""

from datetime import UTC, datetime

import pytest

from ecolife.errors import CooldownActive, InvalidToken, NotPending
from ecolife.services.replies import RedemptionView, ScanView, moment, raise_refusal


def test_timestamps_come_back_in_utc_whatever_the_servers_time_zone():
    # A server configured for Bangkok writes +07:00; the API answers in UTC everywhere.
    bangkok = moment("2026-11-23T16:00:00.5+07:00")
    assert bangkok == datetime(2026, 11, 23, 9, 0, 0, 500000, tzinfo=UTC)
    assert bangkok.utcoffset().total_seconds() == 0
    assert moment(None) is None


def test_refusals_become_domain_errors_with_their_params():
    with pytest.raises(CooldownActive) as refused:
        raise_refusal({"outcome": "refused", "code": "cooldown_active", "params": {"minutes": 2}})
    assert refused.value.params == {"minutes": 2}
    with pytest.raises(InvalidToken):
        raise_refusal({"outcome": "invalid_token"})
    with pytest.raises(NotPending):
        raise_refusal({"outcome": "not_pending"})
    raise_refusal({"outcome": "credited"})  # not a refusal: nothing raised


def test_views_read_the_nested_shop():
    shop = {"id": 3, "name": "ร้านป้าแดง", "name_en": None}
    scan = ScanView.of(
        {"scan_id": 7, "shop": shop, "action": "bag", "quantity": 2, "points": 10}
        | {"code_id": None, "created_at": "2026-11-23T09:00:00+00:00"}
    )
    assert (scan.shop.name, scan.action.code, scan.points) == ("ร้านป้าแดง", "bag", 10)
    redemption = RedemptionView.of(
        {"id": 1, "code": "ABC234", "status": "pending", "points": 30, "resident": "Somchai"}
        | {"reward": {"id": 4, "name_th": "ถุงผ้า", "name_en": "Cloth bag", "shop": shop}}
        | {"created_at": "2026-11-23T09:00:00+00:00", "expires_at": "2026-11-23T09:15:00+00:00"}
        | {"resolved_at": None}
    )
    assert redemption.reward.shop.id == 3
    assert redemption.user.display_name == "Somchai"
    assert redemption.resolved_at is None
