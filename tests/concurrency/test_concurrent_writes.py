"""Concurrent writers through real threads: no "database is locked", no lost work."""

import threading

from sqlalchemy import func, select

from ecolife.extensions import db
from ecolife.models import RefreshToken, User
from tests.factories import PASSWORD

THREADS = 16


def run_together(target, count: int) -> list:
    """Start `count` threads that wait at a barrier, then call target(i); return the results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = target(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_registrations_all_succeed(app):
    def register(i: int) -> int:
        return (
            app.test_client()
            .post(
                "/api/v1/auth/register",
                json={
                    "phone": f"0861{i:06d}",
                    "password": PASSWORD,
                    "display_name": f"คนที่ {i}",
                },
            )
            .status_code
        )

    assert run_together(register, THREADS) == [201] * THREADS
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == THREADS


def test_the_same_phone_registered_concurrently_makes_one_account(app):
    def register(_i: int) -> int:
        return (
            app.test_client()
            .post(
                "/api/v1/auth/register",
                json={
                    "phone": "0861234567",
                    "password": PASSWORD,
                    "display_name": "ซ้ำ",
                },
            )
            .status_code
        )

    statuses = run_together(register, THREADS)
    assert sorted(statuses) == [201] + [409] * (THREADS - 1)


def test_a_refresh_token_used_concurrently_is_honoured_once(app, make_resident):
    signed_in = make_resident()

    def refresh(_i: int) -> int:
        return (
            app.test_client()
            .post("/api/v1/auth/refresh", json={"refresh_token": signed_in.refresh_token})
            .status_code
        )

    statuses = run_together(refresh, 8)
    assert statuses.count(200) == 1
    assert statuses.count(401) == 7
    with app.app_context():
        # The winner's new token exists, but the reuse revoked the session it belongs to.
        assert db.session.scalar(select(func.count(RefreshToken.id))) == 2
