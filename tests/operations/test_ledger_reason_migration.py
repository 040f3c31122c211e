"""Migration 0004 gives entries written with English reasons their code and parameters."""

import psycopg
import pytest
from flask_migrate import downgrade, upgrade

from tests.operations.support import app_on, query, scratch_database

OLD_ENTRIES = [
    # kind, delta, balance after, the reason as 0003 wrote it
    ("earn", 10, 10, "bag x5"),
    ("redeem", -4, 6, "reward 2"),
    ("refund", 4, 10, "redemption 1 cancelled"),
    ("refund", 4, 14, "redemption 7 expired"),
    ("adjustment", -3, 11, "duplicate scan reversed"),
    ("earn", 1, 12, "imported from the pilot"),
]


def entries(url: str) -> list[tuple]:
    return query(url, "SELECT reason, reason_code, reason_params FROM ledger_entries ORDER BY id")


def test_upgrading_reads_each_old_reason_into_a_code_and_keeps_the_guard():
    with scratch_database("ledger_reasons") as url, app_on(url) as app:
        with app.app_context():
            upgrade(revision="0003")
        [[user_id]] = query(
            url,
            "INSERT INTO users (phone, display_name, role, locale, balance, created_at) "
            "VALUES ('+66811111111', 'ป้าแดง', 'resident', 'th', 12, now()) RETURNING id",
        )
        for kind, delta, after, reason in OLD_ENTRIES:
            query(
                url,
                "INSERT INTO ledger_entries (user_id, kind, delta, balance_after, reason, "
                "created_at) VALUES (%s, %s, %s, %s, %s, now())",
                (user_id, kind, delta, after, reason),
            )
        with app.app_context():
            upgrade()
        assert entries(url) == [
            ("bag x5", "scan", {"action": "bag", "quantity": 5}),
            ("reward 2", "reward", {"reward_id": 2}),
            ("redemption 1 cancelled", "redemption_cancelled", {"redemption_id": 1}),
            ("redemption 7 expired", "redemption_expired", {"redemption_id": 7}),
            ("duplicate scan reversed", "adjustment", {}),
            ("imported from the pilot", "note", {}),
        ]
        # The append-only trigger is on again after the backfill.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(url, "UPDATE ledger_entries SET reason_code = 'note'")
        with pytest.raises(psycopg.errors.CheckViolation):
            query(
                url,
                "INSERT INTO ledger_entries (user_id, kind, delta, balance_after, reason, "
                "reason_code, created_at) VALUES (%s, 'earn', 1, 13, '', 'made_up', now())",
                (user_id,),
            )
        with app.app_context():
            downgrade(revision="0003")
        assert query(url, "SELECT count(*) FROM ledger_entries") == [(6,)]
