"""Delivery of inbox notifications to people's devices (Web Push, LINE, e-mail)."""

from collections.abc import Sequence


def fan_out(notification_ids: Sequence[int]) -> None:
    """Queue the delivery of new notifications, in the caller's transaction."""
